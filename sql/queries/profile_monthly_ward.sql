-- Incidents per month and harm type at one ward.
SELECT month, harm_type, count(*) AS n FROM incident
WHERE ward_code::text = %(unit_id)s AND month >= %(start)s AND month <= %(end)s
GROUP BY 1, 2 ORDER BY 1, 2
