-- contexts_page_near_repeat_points(date, date, text[], text[], text[])
--
-- The page read near_repeat_points (sql/queries/near_repeat_points.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Incidents as points with their day (the timestamp's date, or none) and month, for the
-- near-repeat (Knox) test: computed on the server, never shown as points.
CREATE OR REPLACE FUNCTION contexts_page_near_repeat_points(
    p_start date,
    p_end date,
    p_harms text[],
    p_risks text[],
    p_ages text[])
RETURNS TABLE (
    x double precision,
    y double precision,
    day date,
    month date)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT public.ST_X(geom) AS x, public.ST_Y(geom) AS y, occurred_at::date AS day, month
        FROM public.incident
        WHERE geom IS NOT NULL AND month >= $1 AND month <= $2
          AND ($3::text[] IS NULL OR harm_type = ANY($3::text[]))
          AND ($4::text[] IS NULL OR risk_level = ANY($4::text[]))
          AND ($5::text[] IS NULL OR age_band = ANY($5::text[]))
    $q$ USING p_start, p_end, p_harms, p_risks, p_ages;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_near_repeat_points(date, date, text[], text[], text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_near_repeat_points(date, date, text[], text[], text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_near_repeat_points(date, date, text[], text[], text[]) TO
    contexts_dashboard;
