-- Whether this server has replayed the WAL up to %(lsn)s (read-your-writes,
-- geo.store.db): a standby compares its replayed position; a server not in recovery (a
-- replica URL that names a primary, or a promoted standby) has everything it has.
SELECT NOT pg_is_in_recovery()
       OR coalesce(pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn, false)
