-- contexts_page_incident_points(date, date, text[], text[], text[], bigint)
--
-- The page read incident_points (sql/queries/incident_points.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Point-level incidents for analysts (never for partner or board views): the latest first.
CREATE OR REPLACE FUNCTION contexts_page_incident_points(
    p_start date,
    p_end date,
    p_harms text[],
    p_risks text[],
    p_ages text[],
    p_limit bigint)
RETURNS TABLE (
    incident_id bigint,
    month date,
    occurred_at timestamp without time zone,
    harm_type text,
    risk_level text,
    age_band text,
    lon double precision,
    lat double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT incident_id, month, occurred_at, harm_type, risk_level, age_band,
               public.ST_X(public.ST_Transform(geom, 4326)) AS lon, public.ST_Y(public.ST_Transform(geom, 4326)) AS lat
        FROM public.incident
        WHERE geom IS NOT NULL AND month >= $1 AND month <= $2
          AND ($3::text[] IS NULL OR harm_type = ANY($3::text[]))
          AND ($4::text[] IS NULL OR risk_level = ANY($4::text[]))
          AND ($5::text[] IS NULL OR age_band = ANY($5::text[]))
        ORDER BY month DESC, incident_id DESC
        LIMIT $6
    $q$ USING p_start, p_end, p_harms, p_risks, p_ages, p_limit;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_incident_points(date, date, text[], text[], text[], bigint)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_incident_points(date, date, text[], text[], text[], bigint) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_incident_points(date, date, text[], text[], text[], bigint) TO
    contexts_dashboard;
