-- Incidents per month over the whole data set, from the monthly rollups (migration 0018:
-- rollup_ward_month holds every incident, with a ward or not): for the pages' period.
SELECT month, sum(n)::bigint AS n FROM rollup_ward_month GROUP BY month ORDER BY month
