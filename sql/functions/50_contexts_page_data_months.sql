-- contexts_page_data_months()
--
-- The page read data_months (sql/queries/data_months.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Incidents per month over the whole data set, from the monthly rollups (migration 0018:
-- rollup_ward_month holds every incident, with a ward or not): for the pages' period.
CREATE OR REPLACE FUNCTION contexts_page_data_months()
RETURNS TABLE (
    month date,
    n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT month, sum(n)::bigint AS n FROM public.rollup_ward_month GROUP BY month ORDER BY month
    $q$;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_data_months()
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_data_months() FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_data_months() TO
    contexts_dashboard;
