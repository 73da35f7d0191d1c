COPY quarantine (extract_id, row_number, reason, detail, row_values) FROM STDIN
