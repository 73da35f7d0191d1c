-- A description typed on the page stays when the file is loaded again (files carry none).
INSERT INTO intervention (ref, place_id, type, agency, start_month, end_month,
                          area_code, extract_id)
SELECT s.ref, s.place_id, s.type, s.agency, s.start_month, s.end_month,
       p.area_code, %(extract_id)s
FROM stage_intervention s JOIN place p USING (place_id)
ON CONFLICT (ref) DO UPDATE
SET place_id = EXCLUDED.place_id, type = EXCLUDED.type, agency = EXCLUDED.agency,
    start_month = EXCLUDED.start_month, end_month = EXCLUDED.end_month,
    area_code = EXCLUDED.area_code, extract_id = EXCLUDED.extract_id
