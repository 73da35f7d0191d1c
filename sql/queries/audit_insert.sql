INSERT INTO audit_log (actor, role, action, target, outcome, detail)
VALUES (%(actor)s, %(role)s, %(action)s, %(target)s, %(outcome)s, %(detail)s)
