SELECT at, actor, role, action, target, outcome, detail, source, db_login FROM audit_log
WHERE (%(action)s::text IS NULL OR action = %(action)s)
  AND (%(actor)s::text IS NULL OR strpos(lower(actor), lower(%(actor)s::text)) > 0)
  AND (%(target)s::text IS NULL OR strpos(lower(target), lower(%(target)s::text)) > 0)
  AND (%(since)s::date IS NULL OR at >= %(since)s::date)
  AND (%(until)s::date IS NULL OR at < %(until)s::date + 1)
ORDER BY at DESC, audit_id DESC LIMIT %(limit)s
