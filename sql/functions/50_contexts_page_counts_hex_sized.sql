-- contexts_page_counts_hex_sized(boolean, boolean, double precision, date, date, text[], text[], text[])
--
-- The page read counts_hex_sized (sql/queries/counts_hex_sized.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Incidents per hexagon of a grid other than the default (circumradius %(size)s m), cells
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- computed from the points; by month and/or harm type when asked.
CREATE OR REPLACE FUNCTION contexts_page_counts_hex_sized(
    p_by_month boolean,
    p_by_harm boolean,
    p_size double precision,
    p_start date,
    p_end date,
    p_harms text[],
    p_risks text[],
    p_ages text[])
RETURNS TABLE (
    i integer,
    j integer,
    month date,
    harm_type text,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT cell[1] AS i, cell[2] AS j,
               CASE WHEN $1 THEN month END AS month,
               CASE WHEN $2 THEN harm_type END AS harm_type,
               count(*) AS n,
               (sum((hashint8extended(incident_id, (SELECT seed FROM public.disclosure_key)) & 255)::int) & 255)::int AS ck
        FROM (
            SELECT public.contexts_hex(public.ST_X(geom), public.ST_Y(geom), $3) AS cell, month, harm_type, incident_id
            FROM public.incident
            WHERE geom IS NOT NULL AND month >= $4 AND month <= $5
          AND ($6::text[] IS NULL OR harm_type = ANY($6::text[]))
          AND ($7::text[] IS NULL OR risk_level = ANY($7::text[]))
          AND ($8::text[] IS NULL OR age_band = ANY($8::text[]))
        ) s
        GROUP BY 1, 2, 3, 4
    $q$ USING p_by_month, p_by_harm, p_size, p_start, p_end, p_harms, p_risks, p_ages;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_counts_hex_sized(boolean, boolean, double precision, date, date, text[], text[], text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_counts_hex_sized(boolean, boolean, double precision, date, date, text[], text[], text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_counts_hex_sized(boolean, boolean, double precision, date, date, text[], text[], text[]) TO
    contexts_dashboard;
