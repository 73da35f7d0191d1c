-- contexts_page_counts_ward(boolean, text[], boolean, text[], text[], date, date)
-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):
-- edit there, not here.
--
-- The page read counts_ward (sql/queries/counts_ward.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Incidents per ward in the filtered period; by month and/or harm type when asked. ck: the
-- cell key, the sum of the records' keys mod 256 (cell key method, migration 0011). From
-- the monthly rollups (migration 0018), at the smallest level the filters allow:
-- rollup_ward_month with no harm type, risk level or age band asked for (and no split by
-- harm type), rollup_ward_harm with harm types only, rollup_ward with a risk level or an
-- age band (the other parts are skipped whole).
CREATE OR REPLACE FUNCTION contexts_page_counts_ward(
    p_by_month boolean,
    p_harms text[],
    p_by_harm boolean,
    p_risks text[],
    p_ages text[],
    p_start date,
    p_end date)
RETURNS TABLE (
    unit_id text,
    month date,
    harm_type text,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT unit_id, month, harm_type, sum(n)::bigint AS n, (sum(ck) & 255)::int AS ck
        FROM (
            SELECT ward_code::text AS unit_id,
                   CASE WHEN $1 THEN month END AS month,
                   NULL::text AS harm_type, n, ck
            FROM public.rollup_ward_month
            WHERE $2::text[] IS NULL AND NOT $3
              AND $4::text[] IS NULL AND $5::text[] IS NULL
              AND ward_code IS NOT NULL
              AND month >= $6 AND month <= $7
            UNION ALL
            SELECT ward_code::text AS unit_id,
                   CASE WHEN $1 THEN month END AS month,
                   CASE WHEN $3 THEN harm_type END AS harm_type, n, ck
            FROM public.rollup_ward_harm
            WHERE NOT ($2::text[] IS NULL AND NOT $3)
              AND $4::text[] IS NULL AND $5::text[] IS NULL
              AND ward_code IS NOT NULL
              AND month >= $6 AND month <= $7
              AND ($2::text[] IS NULL OR harm_type = ANY($2::text[]))
            UNION ALL
            SELECT ward_code::text AS unit_id,
                   CASE WHEN $1 THEN month END AS month,
                   CASE WHEN $3 THEN harm_type END AS harm_type, n, ck
            FROM public.rollup_ward
            WHERE NOT ($4::text[] IS NULL AND $5::text[] IS NULL)
              AND ward_code IS NOT NULL
              AND month >= $6 AND month <= $7
              AND ($2::text[] IS NULL OR harm_type = ANY($2::text[]))
              AND ($4::text[] IS NULL OR risk_level = ANY($4::text[]))
              AND ($5::text[] IS NULL OR age_band = ANY($5::text[]))
        ) r
        GROUP BY 1, 2, 3
    $q$ USING p_by_month, p_harms, p_by_harm, p_risks, p_ages, p_start, p_end;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_counts_ward(boolean, text[], boolean, text[], text[], date, date)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_counts_ward(boolean, text[], boolean, text[], text[], date, date) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_counts_ward(boolean, text[], boolean, text[], text[], date, date) TO
    contexts_dashboard;
