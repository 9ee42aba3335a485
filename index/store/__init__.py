"""SQLite, the source of truth: connections, migrations, the write turn, articles.

The face other packages use: `database.Store` (one connection per thread,
`write()` as one transaction, `snapshot()` for consistent reads),
`StoreError` (the environment's fault, in the user's words), `now_iso`,
`describe_error`/`describe_os_error`; `articles.get_article`,
`articles.list_articles`, `articles.import_paths` and their data types.
"""
