-- Delete the incidents a load replaces (duplicate_find) and record, per older extract, how
-- many (migration 0021); in the load's transaction.
WITH gone AS (
    DELETE FROM incident o USING incident_replaced r
    WHERE o.extract_id = r.extract_id AND o.incident_id = r.incident_id
    RETURNING o.extract_id
)
INSERT INTO extract_replacement (extract_id, replaced_extract, what, rows_replaced)
SELECT %(extract_id)s, extract_id, 'incidents', count(*)::integer FROM gone
GROUP BY extract_id
RETURNING replaced_extract, rows_replaced
