-- Pseudonymous keys seen at places in a period, with the day (timestamp's date, or the
-- first of the month): the sightings of the peer and place networks (analysts).
SELECT person_key, place_id::text AS place_id, coalesce(occurred_at::date, month) AS "when"
FROM incident
WHERE place_id IS NOT NULL AND person_key IS NOT NULL
  AND month >= %(start)s AND month <= %(end)s
  AND (%(harms)s::text[] IS NULL OR harm_type = ANY (%(harms)s::text[]))
  AND (%(risks)s::text[] IS NULL OR risk_level = ANY (%(risks)s::text[]))
  AND (%(ages)s::text[] IS NULL OR age_band = ANY (%(ages)s::text[]))
