-- The rows the loader summed (rollup_copy.sql) into their rollup table, in the load's
-- transaction. Plain inserts: the rows are the extract's own (readers sum over extracts).
INSERT INTO {rollup} SELECT * FROM {stage}
