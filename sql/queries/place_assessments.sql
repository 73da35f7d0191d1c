SELECT assessed_on, rating, factors FROM location_assessment
WHERE place_id::text = %(unit_id)s ORDER BY assessed_on DESC
