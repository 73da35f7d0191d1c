-- contexts_page_profile_monthly_place(text[], text[], text, date, date, text[])
--
-- The page read profile_monthly_place (sql/queries/profile_monthly_place.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Incidents per month and harm type at one place, with the filters of the other pages (so
-- the same incidents are the same cell everywhere).
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- From the monthly rollups (migration 0018): rollup_place_harm, or rollup_place when a risk
-- level or an age band is asked for (the other part is skipped whole).
CREATE OR REPLACE FUNCTION contexts_page_profile_monthly_place(
    p_risks text[],
    p_ages text[],
    p_unit_id text,
    p_start date,
    p_end date,
    p_harms text[])
RETURNS TABLE (
    month date,
    harm_type text,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT month, harm_type, sum(n)::bigint AS n, (sum(ck) & 255)::int AS ck
        FROM (
            SELECT month, harm_type, n, ck
            FROM public.rollup_place_harm
            WHERE $1::text[] IS NULL AND $2::text[] IS NULL
              AND place_id = CASE WHEN $3 ~ '^[0-9]{1,18}$' THEN $3::bigint END
              AND month >= $4 AND month <= $5
              AND ($6::text[] IS NULL OR harm_type = ANY($6::text[]))
            UNION ALL
            SELECT month, harm_type, n, ck
            FROM public.rollup_place
            WHERE NOT ($1::text[] IS NULL AND $2::text[] IS NULL)
              AND place_id = CASE WHEN $3 ~ '^[0-9]{1,18}$' THEN $3::bigint END
              AND month >= $4 AND month <= $5
              AND ($6::text[] IS NULL OR harm_type = ANY($6::text[]))
              AND ($1::text[] IS NULL OR risk_level = ANY($1::text[]))
              AND ($2::text[] IS NULL OR age_band = ANY($2::text[]))
        ) r
        GROUP BY 1, 2 ORDER BY 1, 2
    $q$ USING p_risks, p_ages, p_unit_id, p_start, p_end, p_harms;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_profile_monthly_place(text[], text[], text, date, date, text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_profile_monthly_place(text[], text[], text, date, date, text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_profile_monthly_place(text[], text[], text, date, date, text[]) TO
    contexts_dashboard;
