-- One index on incident (month, ward_code) instead of two, (month) and (ward_code, month)
-- (issue #34: a load's speed).
--
-- A load builds every index of incident on its extract's table when it attaches it
-- (migration 0008): at a million rows the (ward_code, month) index was the largest build,
-- about 2 CPU-seconds of the attach's 4, and (month) another 0.5. A text first column is
-- compared in full for most pairs of rows in the sort; a date first column settles most of
-- them by itself. (month, ward_code) serves both readers: a month range alone (its first
-- column, as incident_month did), and one ward over a month range (the ward profile's day
-- and hour grid), whose index scan visits one deduplicated entry per month and ward in the
-- range (a few hundred), not the rows. Built at a million rows in 1.0-1.4 CPU-seconds (the
-- two it replaces 2.3-2.7); the ward grid read 14.5 -> 16.2 ms, a month's count unchanged;
-- 7 MB of index per million rows instead of 14.
DROP INDEX incident_month;
DROP INDEX incident_ward_month;
CREATE INDEX incident_month_ward ON incident (month, ward_code);
