-- The places of concern where a context has a location.
SELECT p.place_id, p.ref, p.name, p.category
FROM context_place cp
JOIN place p ON p.place_id = cp.place_id
WHERE cp.context_id = %(context_id)s
ORDER BY p.name
