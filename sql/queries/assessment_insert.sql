INSERT INTO location_assessment (place_id, assessed_on, rating, area_code, extract_id)
SELECT s.place_id, s.assessed_on, s.rating, p.area_code, %(extract_id)s
FROM stage_assessment s JOIN place p USING (place_id)
