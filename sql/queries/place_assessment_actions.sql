-- The actions agreed at a place's location assessments, newest assessment first.
SELECT a.assessment_id, a.action_id, a.description, a.owner, a.due_date, a.done_on
FROM assessment_action a
JOIN location_assessment l USING (assessment_id)
WHERE l.place_id::text = %(unit_id)s
ORDER BY l.assessed_on DESC, a.action_id
