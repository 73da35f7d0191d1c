SELECT at, actor, role, action, target, outcome, detail, source, db_login FROM audit_log
WHERE (%(action)s::text IS NULL OR action = %(action)s)
ORDER BY at DESC, audit_id DESC LIMIT %(limit)s
