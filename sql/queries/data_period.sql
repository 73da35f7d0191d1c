-- The first and last month with incidents, from the monthly rollups (migration 0018:
-- rollup_ward_month holds every incident, with a ward or not).
SELECT min(month) AS first, max(month) AS last FROM rollup_ward_month
