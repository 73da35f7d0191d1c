-- Page reads through definer functions (issue #28, problem 5; docs/security.md, section 10).
--
-- Row-level security hides rows, but not from the plan: as the dashboard role,
-- EXPLAIN ANALYZE of a SELECT on incident (or a rollup, place, a context's tables) printed
-- "Rows Removed by Filter", the number of rows the policy hid, for any predicate the login
-- chose (a ward, a month, an area); plain EXPLAIN printed estimates from the tables'
-- statistics. Now the dashboard role reads none of the area tables itself: every page
-- read that needs one is a SECURITY DEFINER function (sql/functions/50_contexts_page_*),
-- which the planner never inlines, so the caller's EXPLAIN shows a Function Scan and the
-- rows it returned, nothing of the plan inside.
--
-- The functions belong to contexts_reader, a role nobody logs in as, which may read those
-- tables and has the policies the dashboard role had: the areas of the transaction's
-- sealed pass (contexts_all_areas, contexts_area_list: session settings, whoever the
-- current user is), so a function shows a partner exactly the rows the tables showed the
-- dashboard role before. contexts_reader neither owns the tables nor bypasses row-level
-- security; it may not create anywhere (its functions resolve names in pg_catalog only).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contexts_reader') THEN
        CREATE ROLE contexts_reader NOLOGIN;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO contexts_reader;

DO $$
DECLARE
    t text;
    p record;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'incident', 'place', 'intervention', 'location_assessment',
        'context', 'context_action', 'context_event', 'context_intervention',
        'context_place', 'context_rating', 'context_ward',
        'rollup_ward', 'rollup_ward_harm', 'rollup_ward_month',
        'rollup_lsoa', 'rollup_lsoa_harm', 'rollup_lsoa_month',
        'rollup_hex', 'rollup_hex_harm', 'rollup_hex_month',
        'rollup_place', 'rollup_place_harm', 'rollup_place_month', 'rollup_place_person']
    LOOP
        EXECUTE format('GRANT SELECT ON %I TO contexts_reader', t);
        EXECUTE format('REVOKE SELECT ON %I FROM contexts_dashboard', t);
        -- the dashboard's policy (by area, or by the context's area) is the reader's now
        FOR p IN SELECT policyname FROM pg_policies
                 WHERE schemaname = 'public' AND tablename = t
                   AND 'contexts_dashboard' = ANY (roles)
        LOOP
            EXECUTE format('ALTER POLICY %I ON %I TO contexts_reader', p.policyname, t);
        END LOOP;
    END LOOP;
END
$$;

-- what the page reads join the area tables with (no row-level security: the same for
-- every area; the dashboard role keeps reading them itself)
GRANT SELECT ON ward, area, disclosure_key, extract_ledger, extract_latest, extract_coverage,
    intervention_type, context_kind, context_status TO contexts_reader;
