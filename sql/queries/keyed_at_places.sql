-- Pseudonymous keys seen at places (for the complex-strategy flag); the timestamp's date,
-- or the first of the month when there is none. From rollup_place_person (migration
-- 0019): each distinct (place, key, day) of an extract once (the flag counts distinct
-- people, so repeats change nothing).
SELECT place_id, person_key, day AS "when"
FROM rollup_place_person
WHERE month >= %(start)s AND month <= %(end)s
