-- Incidents by day of week (1 = Monday) and hour, where a timestamp exists, at one ward.
SELECT extract(isodow FROM occurred_at)::int AS dow, extract(hour FROM occurred_at)::int AS hour,
       count(*) AS n
FROM incident
WHERE ward_code::text = %(unit_id)s AND occurred_at IS NOT NULL
  AND month >= %(start)s AND month <= %(end)s
GROUP BY 1, 2
