-- A context's actions, open ones first, by due date.
SELECT action_id, description, owner, due_date, done_on
FROM context_action
WHERE context_id = %(context_id)s
ORDER BY done_on IS NOT NULL, due_date NULLS LAST, action_id
