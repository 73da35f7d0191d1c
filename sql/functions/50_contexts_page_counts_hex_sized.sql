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
-- The cell is contexts_hex(ST_X(geom), ST_Y(geom), size) written out in the statement (the
-- same arithmetic, step by step): called per row, that SQL function is not inlined (its
-- CTEs) and cost about 0.1 ms a row, 4-9 s for a year of 200,000 incidents, past the
-- dashboard's statement timeout at 1 M (the Place profile's risk terrain, 100 m cells);
-- written out, 0.4-0.7 s. OFFSET 0 keeps the axial coordinates (a) computed once a row:
-- without it the planner copies their expressions into every use, half as fast again.
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
            SELECT ARRAY[h.q::int, (h.r + floor((h.q - (h.q::int & 1)) / 2.0))::int] AS cell,
                   month, harm_type, incident_id
            FROM public.incident,
            LATERAL (SELECT (2.0 / 3.0) * public.ST_X(geom) / $3 AS cx,
                            (-public.ST_X(geom) / 3.0 + sqrt(3.0) / 3.0 * public.ST_Y(geom)) / $3 AS cz
                     OFFSET 0) a,
            LATERAL (SELECT -a.cx - a.cz AS cy, round(a.cx) AS rx, round(-a.cx - a.cz) AS ry,
                            round(a.cz) AS rz) b,
            LATERAL (SELECT CASE WHEN abs(b.rx - a.cx) > abs(b.ry - b.cy)
                                      AND abs(b.rx - a.cx) > abs(b.rz - a.cz)
                                 THEN -b.ry - b.rz ELSE b.rx END AS q,
                            CASE WHEN NOT (abs(b.rx - a.cx) > abs(b.ry - b.cy)
                                           AND abs(b.rx - a.cx) > abs(b.rz - a.cz))
                                      AND NOT (abs(b.ry - b.cy) > abs(b.rz - a.cz))
                                 THEN -b.rx - b.ry ELSE b.rz END AS r) h
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
