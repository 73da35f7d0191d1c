-- For the rest of a load's transaction: no JIT (its compilation took 0.4 s of each large
-- statement and won nothing back), and memory enough to hash a million staged rows and
-- to sort them for the new partition's indexes without spilling to disk; dates written
-- as ISO whatever the server's default (the loader reads staged rows back as CSV); the
-- server checks every 2 s that the loader is still connected, so that a killed load leaves
-- no statement running (issue #28: a place refresh ran on after its loader was killed).
SELECT set_config('jit', 'off', true), set_config('work_mem', '256MB', true),
       set_config('maintenance_work_mem', '512MB', true),
       set_config('datestyle', 'ISO, YMD', true),
       set_config('client_connection_check_interval', '2s', true)
