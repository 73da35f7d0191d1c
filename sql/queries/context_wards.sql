-- The wards where a context has a location.
SELECT w.ward_code, w.name
FROM context_ward cw
JOIN ward w ON w.ward_code = cw.ward_code
WHERE cw.context_id = %(context_id)s
ORDER BY w.name
