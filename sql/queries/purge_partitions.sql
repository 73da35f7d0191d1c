-- Drop the tables of extracts with no incidents left (migration 0008), and their rollup
-- tables, emptied with them (0027). The first column: the incident tables dropped.
SELECT contexts_drop_empty_incident_partitions() AS dropped,
       contexts_drop_empty_rollup_partitions() AS rollup_tables_dropped
