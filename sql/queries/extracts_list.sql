-- The ledger of loaded and rejected files, newest first, with what each incident extract
-- declares it covers (migration 0013; none recorded: the whole area).
SELECT e.extract_id, e.kind, e.file_name, e.loaded_at, e.loaded_by, e.status, e.rows_read,
       e.rows_loaded, e.rows_quarantined,
       CASE WHEN e.kind <> 'incidents' OR e.status <> 'loaded' THEN ''
            WHEN c.kind IS NULL OR c.kind = 'area' THEN 'the whole area'
            ELSE c.label END AS covers,
       CASE WHEN e.kind = 'incidents' AND e.status = 'loaded' THEN coalesce(c.share, 1.0)
            END AS covers_share,
       CASE WHEN e.kind = 'incidents' AND e.status = 'loaded' THEN coalesce(c.rows_outside, 0)
            END AS rows_outside_coverage
FROM extract_ledger e LEFT JOIN extract_coverage c USING (extract_id)
ORDER BY e.extract_id DESC
LIMIT %(limit)s
