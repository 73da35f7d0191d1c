-- A temporary, empty copy of one rollup table (migration 0018) for the rows the loader
-- summed (rollup_copy.sql), gone at the end of the load's transaction.
CREATE TEMP TABLE {stage} (LIKE {rollup}) ON COMMIT DROP
