-- The counts of a load's ledger row, known once every chunk of the file is validated (the
-- row is written first, with the file's rows as not yet loaded, in the same transaction).
UPDATE extract SET rows_loaded = %(rows_loaded)s, rows_quarantined = %(rows_quarantined)s,
                   reasons = %(reasons)s
WHERE extract_id = %(extract_id)s
