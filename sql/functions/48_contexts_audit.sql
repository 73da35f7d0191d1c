-- contexts_audit(text, text, text, text, jsonb)
--
-- The one way an audit row is written: it stamps the time, takes the actor from the
-- transaction's setting contexts.actor (refusing none), the source from the actor's form
-- (os:, demo:, app:, else a sign-in) and records the database login that wrote it. No
-- application role may INSERT, UPDATE or DELETE audit_log directly.
--
-- Made by migration 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_audit(p_role text, p_action text, p_target text, p_outcome text,
                               p_detail jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    who text := current_setting('contexts.actor', true);
    src text;
    id bigint;
BEGIN
    IF coalesce(who, '') = '' THEN
        RAISE EXCEPTION 'no actor is set for this transaction (contexts.actor)';
    END IF;
    src := CASE WHEN who LIKE 'os:%' THEN 'os' WHEN who LIKE 'demo:%' THEN 'demo'
                WHEN who LIKE 'app:%' THEN 'app' ELSE 'sign-in' END;
    INSERT INTO public.audit_log (at, actor, role, action, target, outcome, detail, source, db_login)
    VALUES (clock_timestamp(), who, coalesce(p_role, ''), p_action, coalesce(p_target, ''),
            p_outcome, coalesce(p_detail, '{}'), src, session_user)
    RETURNING audit_id INTO id;
    RETURN id;
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_audit(text, text, text, text, jsonb) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_audit(text, text, text, text, jsonb) FROM PUBLIC,
    contexts_owner, contexts_loader, contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_audit(text, text, text, text, jsonb) TO contexts_loader,
    contexts_owner;
