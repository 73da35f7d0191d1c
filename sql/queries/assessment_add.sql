-- A location assessment recorded on a place's profile (fixed fields only), in the place's
-- area.
INSERT INTO location_assessment (place_id, assessed_on, rating, guardianship, lighting,
                                 users, observations, review_date, recorded_by_role,
                                 area_code)
SELECT p.place_id, %(assessed_on)s, %(rating)s, %(guardianship)s, %(lighting)s,
       %(users)s, %(observations)s, %(review_date)s, %(role)s, p.area_code
FROM place p WHERE p.place_id = %(place_id)s
RETURNING assessment_id
