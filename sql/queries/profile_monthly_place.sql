-- Incidents per month and harm type at one place.
SELECT month, harm_type, count(*) AS n FROM incident
WHERE place_id::text = %(unit_id)s AND month >= %(start)s AND month <= %(end)s
GROUP BY 1, 2 ORDER BY 1, 2
