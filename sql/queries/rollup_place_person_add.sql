-- Add a load's keyed incidents at places to rollup_place_person (migration 0019), in the
-- load's transaction once its table is attached: the extract's distinct (area, place,
-- month, day, person key). Plain inserts: the rows are the extract's own.
INSERT INTO rollup_place_person
SELECT DISTINCT extract_id, area_code, place_id, month,
       coalesce(occurred_at::date, month), person_key
FROM incident
WHERE extract_id = %(extract_id)s AND place_id IS NOT NULL AND person_key IS NOT NULL
