-- A load's rollup tables, filled, attached as partitions of the rollup tables (migration
-- 0027), in the load's transaction.
SELECT contexts_attach_rollup_partitions(%(extract_id)s)
