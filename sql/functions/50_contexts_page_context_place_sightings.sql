-- contexts_page_context_place_sightings(date, date, text[], text[], text[])
--
-- The page read context_place_sightings (sql/queries/context_place_sightings.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Pseudonymous keys seen at places in a period, with the day (timestamp's date, or the
-- first of the month): the sightings of the peer and place networks (analysts).
CREATE OR REPLACE FUNCTION contexts_page_context_place_sightings(
    p_start date,
    p_end date,
    p_harms text[],
    p_risks text[],
    p_ages text[])
RETURNS TABLE (
    person_key text,
    place_id text,
    "when" date)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT person_key, place_id::text AS place_id, coalesce(occurred_at::date, month) AS "when"
        FROM public.incident
        WHERE place_id IS NOT NULL AND person_key IS NOT NULL
          AND month >= $1 AND month <= $2
          AND ($3::text[] IS NULL OR harm_type = ANY ($3::text[]))
          AND ($4::text[] IS NULL OR risk_level = ANY ($4::text[]))
          AND ($5::text[] IS NULL OR age_band = ANY ($5::text[]))
    $q$ USING p_start, p_end, p_harms, p_risks, p_ages;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_place_sightings(date, date, text[], text[], text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_place_sightings(date, date, text[], text[], text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_place_sightings(date, date, text[], text[], text[]) TO
    contexts_dashboard;
