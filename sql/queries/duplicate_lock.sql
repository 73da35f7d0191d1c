-- Loads that may replace records (duplicate_find) take turns: a transaction-level advisory
-- lock held until the load commits or rolls back, so a load started while another is
-- writing sees that load's rows once it has committed, and neither keeps a record twice.
SELECT pg_advisory_xact_lock(hashtext('contexts: duplicate records'))
