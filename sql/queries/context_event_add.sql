-- One line of a context's history.
INSERT INTO context_event (context_id, happened, kind, what)
VALUES (%(context_id)s, %(happened)s, %(kind)s, %(what)s)
