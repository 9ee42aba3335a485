"""Everything whoosh: analysis, fields, the query language, scoring, snippets, the indexer.

The face other packages use: `engine.SearchIndex` (open, apply, rebuild,
search, suggest) with `IndexDamaged`, `QueryError` and `SearchResult`;
`indexer.Indexer` (drains the outbox) and `all_documents`; `explain`.
whoosh is imported in this package only, and its private names only in
`whoosh_wall`, which checks at open that the installed whoosh has them.
"""
