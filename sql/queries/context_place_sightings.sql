-- Pseudonymous keys seen at places in a period, with the day (timestamp's date, or the
-- first of the month): the sightings of the peer and place networks (analysts).
SELECT person_key, place_id::text AS place_id, coalesce(occurred_at::date, month) AS "when"
FROM incident
WHERE place_id IS NOT NULL AND person_key IS NOT NULL
  AND month >= %(start)s AND month <= %(end)s
