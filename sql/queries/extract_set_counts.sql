UPDATE extract SET rows_loaded = %(rows_loaded)s, rows_quarantined = %(rows_quarantined)s,
       reasons = %(reasons)s
WHERE extract_id = %(extract_id)s
