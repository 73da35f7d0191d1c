-- Quarantined rows of extracts loaded before the cut-off.
DELETE FROM quarantine q USING extract e
WHERE e.extract_id = q.extract_id AND e.loaded_at < %(cutoff)s
