-- An action on a context; its id.
INSERT INTO context_action (context_id, description, owner, due_date)
VALUES (%(context_id)s, %(description)s, %(owner)s, %(due_date)s)
RETURNING action_id
