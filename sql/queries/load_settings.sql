-- For the rest of a load's transaction: no JIT (its compilation took 0.4 s of each large
-- statement and won nothing back), and memory enough to hash a million staged rows and
-- to sort them for the new partition's indexes without spilling to disk; dates written
-- as ISO whatever the server's default (the loader reads staged rows back as CSV).
SELECT set_config('jit', 'off', true), set_config('work_mem', '256MB', true),
       set_config('maintenance_work_mem', '512MB', true),
       set_config('datestyle', 'ISO, YMD', true)
