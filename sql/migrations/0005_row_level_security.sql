-- Row-level security on area-scoped tables (DESIGN §9): a dashboard session sees only the
-- areas named in its setting contexts.areas (a comma-separated list of area codes, or *
-- for all), set by the application from the signed-in user's areas. Unset means nothing:
-- the policy fails closed. FORCE applies the policies to the tables' owner as well.
CREATE FUNCTION contexts_area_visible(code text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('contexts.areas', true), '') = '*'
        OR code = ANY (string_to_array(nullif(current_setting('contexts.areas', true), ''), ','))
$$;
GRANT EXECUTE ON FUNCTION contexts_area_visible(text)
    TO contexts_dashboard, contexts_loader, contexts_owner;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['incident', 'place', 'intervention', 'location_assessment']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO contexts_dashboard '
                       'USING (contexts_area_visible(area_code))', t || '_by_area', t);
        EXECUTE format('CREATE POLICY %I ON %I TO contexts_loader, contexts_owner '
                       'USING (true) WITH CHECK (true)', t || '_writers', t);
    END LOOP;
END
$$;
