INSERT INTO population (unit_kind, unit_code, year, young_people, extract_id)
SELECT unit_kind, unit_code, year, young_people, %(extract_id)s FROM stage_population
ON CONFLICT (unit_kind, unit_code, year) DO UPDATE
SET young_people = EXCLUDED.young_people, extract_id = EXCLUDED.extract_id
