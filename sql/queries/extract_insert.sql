INSERT INTO extract (kind, file_name, file_sha256, loaded_by, rows_read, rows_loaded,
                     rows_quarantined, reasons, status, message, key_fingerprint)
VALUES (%(kind)s, %(file_name)s, %(sha256)s, %(actor)s, %(rows_read)s, %(rows_loaded)s,
        %(rows_quarantined)s, %(reasons)s, %(status)s, %(message)s, %(key_fingerprint)s)
RETURNING extract_id
