-- contexts_page_keyed_at_places(date, date)
--
-- The page read keyed_at_places (sql/queries/keyed_at_places.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Pseudonymous keys seen at places (for the complex-strategy flag); the timestamp's date,
-- or the first of the month when there is none. From rollup_place_person (migration
-- 0019): each distinct (place, key, day) of an extract once (the flag counts distinct
-- people, so repeats change nothing).
CREATE OR REPLACE FUNCTION contexts_page_keyed_at_places(
    p_start date,
    p_end date)
RETURNS TABLE (
    place_id bigint,
    person_key text,
    "when" date)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT place_id, person_key, day AS "when"
        FROM public.rollup_place_person
        WHERE month >= $1 AND month <= $2
    $q$ USING p_start, p_end;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_keyed_at_places(date, date)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_keyed_at_places(date, date) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_keyed_at_places(date, date) TO
    contexts_dashboard;
