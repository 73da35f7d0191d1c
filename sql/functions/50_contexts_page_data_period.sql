-- contexts_page_data_period()
--
-- The page read data_period (sql/queries/data_period.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- The first and last month with incidents, from the monthly rollups (migration 0018:
-- rollup_ward_month holds every incident, with a ward or not).
CREATE OR REPLACE FUNCTION contexts_page_data_period()
RETURNS TABLE (
    first date,
    last date)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT min(month) AS first, max(month) AS last FROM public.rollup_ward_month
    $q$;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_data_period()
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_data_period() FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_data_period() TO
    contexts_dashboard;
