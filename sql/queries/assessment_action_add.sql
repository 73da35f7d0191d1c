INSERT INTO assessment_action (assessment_id, description, owner, due_date)
VALUES (%(assessment_id)s, %(description)s, %(owner)s, %(due_date)s)
RETURNING action_id
