-- The police.uk outcomes an outcomes file gives again (same crime key and month) replace
-- those loaded before (migration 0021): the older rows are deleted, and how many from each
-- older extract recorded; in the load's transaction, its own rows staged.
WITH gone AS (
    DELETE FROM crime_outcome o USING (SELECT DISTINCT crime_key, month FROM stage_outcome) s
    WHERE o.crime_key = s.crime_key AND o.month = s.month
    RETURNING o.extract_id
)
INSERT INTO extract_replacement (extract_id, replaced_extract, what, rows_replaced)
SELECT %(extract_id)s, extract_id, 'outcomes', count(*)::integer FROM gone
GROUP BY extract_id
RETURNING replaced_extract, rows_replaced
