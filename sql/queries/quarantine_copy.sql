COPY quarantine (extract_id, row_number, reason, column_name, detail, row_values) FROM STDIN
