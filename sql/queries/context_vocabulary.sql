-- The context kinds or statuses (%(vocab)s), in order.
SELECT code, label FROM context_kind WHERE %(vocab)s = 'context_kind'
UNION ALL
SELECT code, label FROM context_status WHERE %(vocab)s = 'context_status'
ORDER BY 1
