"""Server end of the sync protocol: op log, buckets, download stream, upload receipts.

It knows tables, rows and buckets, never business rules: the backend hands it a `SyncPolicy`.
"""
