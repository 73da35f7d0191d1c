-- contexts_page_profile_times_ward(text, date, date, text[], text[], text[])
--
-- The page read profile_times_ward (sql/queries/profile_times_ward.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Incidents by day of week (1 = Monday) and hour, where a timestamp exists, at one ward,
-- with the filters of the other pages.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
CREATE OR REPLACE FUNCTION contexts_page_profile_times_ward(
    p_unit_id text,
    p_start date,
    p_end date,
    p_harms text[],
    p_risks text[],
    p_ages text[])
RETURNS TABLE (
    dow integer,
    hour integer,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT extract(isodow FROM occurred_at)::int AS dow, extract(hour FROM occurred_at)::int AS hour,
               count(*) AS n,
               (sum((hashint8extended(incident_id, (SELECT seed FROM public.disclosure_key)) & 255)::int) & 255)::int AS ck
        FROM public.incident
        WHERE ward_code::text = $1 AND occurred_at IS NOT NULL
          AND month >= $2 AND month <= $3
          AND ($4::text[] IS NULL OR harm_type = ANY($4::text[]))
          AND ($5::text[] IS NULL OR risk_level = ANY($5::text[]))
          AND ($6::text[] IS NULL OR age_band = ANY($6::text[]))
        GROUP BY 1, 2
    $q$ USING p_unit_id, p_start, p_end, p_harms, p_risks, p_ages;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_profile_times_ward(text, date, date, text[], text[], text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_profile_times_ward(text, date, date, text[], text[], text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_profile_times_ward(text, date, date, text[], text[], text[]) TO
    contexts_dashboard;
