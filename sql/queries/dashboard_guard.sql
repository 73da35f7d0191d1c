-- Run before every statement of a dashboard connection: the transaction enters its area
-- pass (once; the same pass again is a no-op), and the time limit and read-only mode are
-- set again, so a statement that lifted them cannot lift them for the next one.
SELECT contexts_enter(%(pass)s),
       set_config('statement_timeout', %(timeout)s, false),
       set_config('default_transaction_read_only', 'on', false),
       set_config('transaction_read_only', 'on', false)
