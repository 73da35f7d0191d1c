-- One audit row, through the one function that may write them: the time, the actor (the
-- transaction's contexts.actor) and the database login are its own (migration 0010).
SELECT contexts_audit(%(role)s, %(action)s, %(target)s, %(outcome)s, %(detail)s)
