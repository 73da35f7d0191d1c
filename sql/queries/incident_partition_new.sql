-- A new, empty table for the rows of an incidents extract (migration 0008).
SELECT contexts_new_incident_partition(%(extract_id)s)
