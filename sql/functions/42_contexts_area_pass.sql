-- contexts_area_pass(text[], integer)
--
-- A pass for ``areas`` (area codes, or '*' for all), valid for ``seconds``.
--
-- Made by migration 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_area_pass(areas text[], seconds integer DEFAULT 3600) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    body text;
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(areas) a WHERE a IS NULL OR a !~ '^(\*|[A-Za-z0-9_.-]*)$')
    THEN
        RAISE EXCEPTION 'an area code is letters, digits, _ . - (or * for all)';
    END IF;
    body := array_to_string(areas, ',') || '|'
        || (extract(epoch FROM clock_timestamp())::bigint + greatest(seconds, 1));
    RETURN body || '|' || public.contexts_mac('pass|' || body);
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_area_pass(text[], integer) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_area_pass(text[], integer) FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_area_pass(text[], integer) TO contexts_loader,
    contexts_owner;
