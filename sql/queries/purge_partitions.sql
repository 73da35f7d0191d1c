-- Drop the tables of extracts with no incidents left (migration 0008).
SELECT contexts_drop_empty_incident_partitions()
