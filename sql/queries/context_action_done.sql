-- Mark an action of a context done; the number of actions changed.
UPDATE context_action SET done_on = %(done_on)s
WHERE action_id = %(action_id)s AND context_id = %(context_id)s AND done_on IS NULL
