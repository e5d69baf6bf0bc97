"""Backups of the Lotline database (SQLite or one PostgreSQL schema) and their restore.

A backup is one .tar.gz: `manifest.json` (Lotline version, alembic revision, row counts per table, created_at,
SHA-256 of the payload) and the payload, `lotline.db` (SQLite) or `lotline.dump` (pg_dump custom format).

The token-signing keys (`<data>/keys/`) are not in it. A backup is copied to more places than the data folder
(a NAS, a USB stick, an e-mail to support), and whoever holds a signing key can mint an admin token the live
server accepts, until the key is retired; the database copy alone gives no such power (passwords are stored as
argon2 hashes). Restoring on the same server leaves its keys in place, so issued tokens stay valid; restoring on a
new machine makes new keys, and every handheld logs in once more. Copy `<data>/keys/` by hand, kept as a
secret, to move a server without that."""
