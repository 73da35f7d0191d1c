-- A load's own, empty table for each monthly rollup table (migration 0027); their
-- parents' names, in order.
SELECT contexts_new_rollup_partitions(%(extract_id)s) AS rollup
