-- The context kinds or statuses (%(vocab)s), in their order.
SELECT code, label FROM (
    SELECT code, label, sort FROM context_kind WHERE %(vocab)s = 'context_kind'
    UNION ALL
    SELECT code, label, sort FROM context_status WHERE %(vocab)s = 'context_status'
) v
ORDER BY sort
