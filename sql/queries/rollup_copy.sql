-- A load's rows of one rollup table, summed by the loader (geo/ingest/_rollups.py), into
-- the extract's own table of it (rollup_partitions_new.sql, migration 0027), every column
-- in the table's order; attached with the others by rollup_partitions_attach.sql.
COPY {target} FROM STDIN WITH (FORMAT binary)
