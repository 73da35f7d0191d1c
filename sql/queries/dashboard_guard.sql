-- Run before every statement of a dashboard connection: the transaction enters its area
-- pass (once; the same pass again is a no-op), and the time limit, read-only mode,
-- row-level security and search path are set again, so a statement that lifted them, or
-- defaults the dashboard login gave itself (ALTER ROLE ... SET), cannot lift them for the
-- next one. current_user last: the connection refuses a statement unless it is the
-- dashboard role (geo.store.db.GuardedConnection). Names qualified: the search path is
-- set by this statement, after it is parsed. JIT compilation off: a page read is short,
-- and the planner's guess of its cost (an empty table's default estimate, a policy's
-- subplans) made PostgreSQL spend ~1 s compiling a read that runs in 1 ms (issue #34).
SELECT public.contexts_enter(%(pass)s),
       pg_catalog.set_config('statement_timeout', %(timeout)s, false),
       pg_catalog.set_config('default_transaction_read_only', 'on', false),
       pg_catalog.set_config('transaction_read_only', 'on', false),
       pg_catalog.set_config('row_security', 'on', false),
       pg_catalog.set_config('search_path', 'public', false),
       pg_catalog.set_config('jit', 'off', false),
       current_user::text
