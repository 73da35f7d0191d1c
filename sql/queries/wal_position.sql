-- The primary's WAL position now (read-your-writes, geo.store.db): asked on a write
-- connection after its commits, and on a page read that ran on the primary while a
-- replica is configured. With synchronous_commit on (the default) a committed
-- transaction's commit record is written before the commit returns, so this position is
-- at or past it.
SELECT pg_current_wal_lsn()::text
