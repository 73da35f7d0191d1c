-- Who is acting in this transaction, for contexts_audit() (migration 0010).
SELECT set_config('contexts.actor', %(actor)s, true)
