SELECT extract_id, rows_read, rows_loaded, rows_quarantined, reasons
FROM extract WHERE kind = %(kind)s AND file_sha256 = %(sha256)s AND status = 'loaded'
