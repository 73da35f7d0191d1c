-- Pseudonymous keys seen at places (for the complex-strategy flag); the timestamp's date,
-- or the first of the month when there is none.
SELECT place_id, person_key, coalesce(occurred_at::date, month) AS "when"
FROM incident
WHERE place_id IS NOT NULL AND person_key IS NOT NULL
  AND month >= %(start)s AND month <= %(end)s
