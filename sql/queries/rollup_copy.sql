-- A load's rollup rows summed by the loader (geo/ingest/_rollups.py), into the temporary
-- copy of one rollup table (rollup_stage.sql), every column in the table's order. (COPY
-- cannot write a table with row-level security, as the rollup tables are: the rows go in
-- by rollup_insert.sql, under the table's policy.)
COPY {stage} FROM STDIN WITH (FORMAT binary)
