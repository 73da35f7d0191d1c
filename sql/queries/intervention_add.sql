INSERT INTO intervention (ref, place_id, type, agency, start_month, end_month, description,
                          area_code)
SELECT %(ref)s, p.place_id, %(type)s, %(agency)s, %(start_month)s, %(end_month)s,
       %(description)s, p.area_code
FROM place p WHERE p.place_id = %(place_id)s
RETURNING intervention_id
