-- A context's history (status changes, ratings, actions, reviews), oldest first.
SELECT happened, kind, what
FROM context_event
WHERE context_id = %(context_id)s
ORDER BY happened, event_id
