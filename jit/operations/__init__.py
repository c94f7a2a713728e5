"""Running an installation: health probes, backup and restore, and ``jit doctor``.

These are core concerns: they know the instance folder, the database and the blob
store's location (settings), never a domain package's models. What a domain package
must add (its chain heads in a backup manifest, rebuilding its indexes after a
restore) it adds through the hooks in :mod:`jit.signals`.
"""
