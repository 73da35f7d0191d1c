-- A context's dated risk ratings: its own (reviews) and the location assessments of its
-- places, oldest first.
SELECT r.rated_on, r.rating, r.source, NULL::text AS place
FROM context_rating r
WHERE r.context_id = %(context_id)s
UNION ALL
SELECT a.assessed_on, a.rating, 'assessment', p.name
FROM context_place cp
JOIN location_assessment a ON a.place_id = cp.place_id
JOIN place p ON p.place_id = cp.place_id
WHERE cp.context_id = %(context_id)s
ORDER BY 1, 3
