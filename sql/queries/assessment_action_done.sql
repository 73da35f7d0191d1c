-- Mark an assessment's action done (once), for the place it belongs to.
UPDATE assessment_action a SET done_on = %(done_on)s
FROM location_assessment l
WHERE a.assessment_id = l.assessment_id AND a.action_id = %(action_id)s
  AND l.place_id = %(place_id)s AND a.done_on IS NULL
