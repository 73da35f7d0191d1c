SELECT assessment_id, assessed_on, rating, guardianship, lighting, users, observations,
       review_date, recorded_by_role, factors
FROM location_assessment
WHERE place_id::text = %(unit_id)s ORDER BY assessed_on DESC, assessment_id DESC
