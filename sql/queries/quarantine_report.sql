SELECT row_number, reason, column_name, detail, row_values FROM quarantine
WHERE extract_id = %(extract_id)s ORDER BY row_number
