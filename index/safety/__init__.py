"""Keeping the reader's work safe: the writer lock, backups, recovery at open, the mirror.

The face other packages use: `lock.WriterLock` and `set_program_label`,
`backup` (make, list, restore into a store), `recovery.prepare` (lock, probe
and repair before the store opens), `mirror` (the per-article W3C files,
written after the transactions that changed them).
"""
