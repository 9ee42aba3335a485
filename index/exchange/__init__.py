"""Passages in and out: W3C JSON, Markdown and CSV exports, other tools' files, digests.

The face other packages use: `export.export`, `export.to_w3c`,
`export.import_annotations`, `export.ArticleFinder` (which article a file's
annotations belong to), `export.parse_item`/`passage_from`; `foreign`
(Hypothesis and Readwise); `digest.build`.
"""
