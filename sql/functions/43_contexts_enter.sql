-- contexts_enter(text)
--
-- Enter a pass: from now until the end of the transaction the policies show its areas.
-- Once per transaction: a second pass with other areas is refused, so a statement slipped
-- in later cannot widen what the transaction sees. Returns the areas.
--
-- Made by migration 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_enter(pass text) RETURNS text[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[] := string_to_array(coalesce(pass, ''), '|');
    current text := current_setting('contexts.areas', true);
BEGIN
    IF array_length(parts, 1) IS DISTINCT FROM 3
       OR public.contexts_mac('pass|' || parts[1] || '|' || parts[2]) <> parts[3] THEN
        RAISE EXCEPTION 'not a valid area pass' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF parts[2]::bigint < extract(epoch FROM clock_timestamp()) THEN
        RAISE EXCEPTION 'the area pass has expired' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(current_setting('contexts.areas_seal', true), '') <> ''
       AND current_setting('contexts.areas_seal', true) = public.contexts_area_seal(current) THEN
        IF current = parts[1] THEN
            RETURN string_to_array(current, ',');
        END IF;
        RAISE EXCEPTION 'this transaction has its areas already'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- session settings (a SET LOCAL would end with this function), but sealed to this
    -- transaction's start: the next transaction sees nothing until it enters a pass
    PERFORM set_config('contexts.areas', parts[1], false);
    PERFORM set_config('contexts.areas_seal', public.contexts_area_seal(parts[1]), false);
    RETURN string_to_array(parts[1], ',');
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_enter(text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_enter(text) FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_enter(text) TO contexts_dashboard, contexts_loader,
    contexts_owner;
