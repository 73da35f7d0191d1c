-- One context's id and status by reference (NULL when there is none).
SELECT context_id, status FROM context WHERE ref = %(ref)s
