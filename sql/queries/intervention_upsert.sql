INSERT INTO intervention (ref, place_id, type, agency, start_month, end_month, description,
                          area_code, extract_id)
SELECT s.ref, s.place_id, s.type, s.agency, s.start_month, s.end_month, s.description,
       p.area_code, %(extract_id)s
FROM stage_intervention s JOIN place p USING (place_id)
ON CONFLICT (ref) DO UPDATE
SET place_id = EXCLUDED.place_id, type = EXCLUDED.type, agency = EXCLUDED.agency,
    start_month = EXCLUDED.start_month, end_month = EXCLUDED.end_month,
    description = EXCLUDED.description, area_code = EXCLUDED.area_code,
    extract_id = EXCLUDED.extract_id
