-- The data's version stamp: the latest extract (changes whenever a file is loaded) and a
-- digest of the intervention register (changes when an analyst adds, edits or ends one).
SELECT (SELECT latest FROM extract_latest) || '-' || (
    SELECT md5(coalesce(string_agg(i::text, ',' ORDER BY i.intervention_id), ''))
    FROM intervention i) || '-' || (
    -- every change of a context of concern writes a line of its history
    SELECT coalesce(max(event_id), 0) FROM context_event)
