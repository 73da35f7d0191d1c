-- Check the references of an extract's incidents and attach their table (migration 0008).
SELECT contexts_attach_incident_partition(%(extract_id)s)
