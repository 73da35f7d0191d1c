-- Security, second pass (issue #16; docs/security.md).
--
-- 1. The area restriction no longer trusts a setting the dashboard role may change itself.
--    A trusted role (loader, owner: the application's server side, never the dashboard
--    role) mints a short-lived pass for a list of areas; a dashboard transaction enters it
--    once through contexts_enter(), which seals the areas to that backend and transaction
--    with a secret the dashboard role cannot read. The policies' functions believe only a
--    sealed list: set_config('contexts.areas', '*', ...) by hand now shows nothing.
-- 2. Audit rows are written only through contexts_audit(): it stamps the time, takes the
--    actor from the transaction's setting and records the database login that wrote it.
--    No application role may INSERT, UPDATE or DELETE audit_log directly.
-- 3. The dashboard role reads no app_user and no extract table: a function answers for one
--    identity, views give the data version and the ledger's columns that pages show. No role but the loader and owner may create
--    temporary tables.
-- 4. The pseudonym key's fingerprint (never the key) is kept with each extract.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contexts_gate') THEN
        CREATE ROLE contexts_gate NOLOGIN;
    END IF;
END
$$;
-- the owner of the security-definer functions below: no login, and only what they need
-- (CREATE only while this migration gives it its functions; taken back at the end)
GRANT USAGE, CREATE ON SCHEMA public TO contexts_gate;

-- The secret of the seals and passes: random, made here, readable by the gate alone.
CREATE TABLE gate_secret (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    secret    text NOT NULL
);
INSERT INTO gate_secret (secret)
VALUES (replace(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text,
                '-', ''));
REVOKE ALL ON gate_secret FROM PUBLIC, contexts_owner, contexts_loader, contexts_dashboard,
    contexts_auditor;
GRANT SELECT ON gate_secret TO contexts_gate;

-- A keyed digest (sha256 of the secret and the sha256 of the secret and the message: not
-- open to length extension). Callable only by the gate's own functions.
CREATE FUNCTION contexts_mac(msg text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT encode(sha256(convert_to(secret || encode(sha256(convert_to(secret || msg, 'UTF8')),
                                                        'hex'), 'UTF8')), 'hex')
    FROM gate_secret
$$;

-- A pass for ``areas`` (area codes, or '*' for all), valid for ``seconds``.
CREATE FUNCTION contexts_area_pass(areas text[], seconds integer DEFAULT 3600) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    body text;
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(areas) a WHERE a IS NULL OR a !~ '^(\*|[A-Za-z0-9_.-]*)$')
    THEN
        RAISE EXCEPTION 'an area code is letters, digits, _ . - (or * for all)';
    END IF;
    body := array_to_string(areas, ',') || '|'
        || (extract(epoch FROM clock_timestamp())::bigint + greatest(seconds, 1));
    RETURN body || '|' || contexts_mac('pass|' || body);
END
$$;

-- The seal of an area list to this backend and this transaction.
CREATE FUNCTION contexts_area_seal(areas text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT contexts_mac('seal|' || pg_backend_pid() || '|'
                        || extract(epoch FROM now())::text || '|' || areas)
$$;

-- Enter a pass: from now until the end of the transaction the policies show its areas.
-- Once per transaction: a second pass with other areas is refused, so a statement slipped
-- in later cannot widen what the transaction sees. Returns the areas.
CREATE FUNCTION contexts_enter(pass text) RETURNS text[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    parts text[] := string_to_array(coalesce(pass, ''), '|');
    current text := current_setting('contexts.areas', true);
BEGIN
    IF array_length(parts, 1) IS DISTINCT FROM 3
       OR contexts_mac('pass|' || parts[1] || '|' || parts[2]) <> parts[3] THEN
        RAISE EXCEPTION 'not a valid area pass' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF parts[2]::bigint < extract(epoch FROM clock_timestamp()) THEN
        RAISE EXCEPTION 'the area pass has expired' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(current_setting('contexts.areas_seal', true), '') <> ''
       AND current_setting('contexts.areas_seal', true) = contexts_area_seal(current) THEN
        IF current = parts[1] THEN
            RETURN string_to_array(current, ',');
        END IF;
        RAISE EXCEPTION 'this transaction has its areas already'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- session settings (a SET LOCAL would end with this function), but sealed to this
    -- transaction's start: the next transaction sees nothing until it enters a pass
    PERFORM set_config('contexts.areas', parts[1], false);
    PERFORM set_config('contexts.areas_seal', contexts_area_seal(parts[1]), false);
    RETURN string_to_array(parts[1], ',');
END
$$;

-- The policies' view of the areas: the sealed list, or nothing (fails closed).
CREATE OR REPLACE FUNCTION contexts_area_list() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    areas text := current_setting('contexts.areas', true);
BEGIN
    IF coalesce(areas, '') = ''
       OR coalesce(current_setting('contexts.areas_seal', true), '') <> contexts_area_seal(areas)
    THEN
        RETURN '{}'::text[];
    END IF;
    RETURN string_to_array(areas, ',');
END
$$;
CREATE OR REPLACE FUNCTION contexts_all_areas() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT '*' = ANY (contexts_area_list())
$$;
CREATE OR REPLACE FUNCTION contexts_area_visible(code text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT contexts_all_areas() OR code = ANY (contexts_area_list())
$$;

-- The list as a scalar subquery: checked once per query (an InitPlan), not once per row.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['incident', 'place', 'intervention', 'location_assessment']
    LOOP
        EXECUTE format('ALTER POLICY %I ON %I USING ((SELECT contexts_all_areas()) '
                       'OR area_code = ANY ((SELECT contexts_area_list())::text[]))', t || '_by_area', t);
    END LOOP;
END
$$;

-- Who may sign in: one identity's role, areas and whether active (the dashboard reads
-- nothing else of app_user).
CREATE FUNCTION contexts_user(who text)
RETURNS TABLE (identity text, role text, areas text[], active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT u.identity, u.role, u.areas, u.active FROM app_user u
    WHERE lower(u.identity) = lower(who) AND who <> ''
$$;

-- The data version's first half, without the extract table.
CREATE VIEW extract_latest AS SELECT coalesce(max(extract_id), 0) AS latest FROM extract;
-- What pages show of the ledger (the Upload page's list of files, what the counts cover):
-- not the files' digests, the keys' fingerprints, or the messages and reasons of loads.
CREATE VIEW extract_ledger AS
SELECT extract_id, kind, file_name, loaded_at, loaded_by, status, rows_read, rows_loaded,
       rows_quarantined
FROM extract;

-- 2. The audit log, through one function.
ALTER TABLE audit_log ADD COLUMN source text NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN db_login text NOT NULL DEFAULT '';
COMMENT ON COLUMN audit_log.source IS
    'where the actor comes from: os (os:<user>, the operating-system user of a command), '
    'demo (demo:<role>, the role switcher), app (app:<job>), else sign-in (OpenID Connect)';
COMMENT ON COLUMN audit_log.db_login IS 'the database login that wrote the row';

CREATE FUNCTION contexts_audit(p_role text, p_action text, p_target text, p_outcome text,
                               p_detail jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
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
    INSERT INTO audit_log (at, actor, role, action, target, outcome, detail, source, db_login)
    VALUES (clock_timestamp(), who, coalesce(p_role, ''), p_action, coalesce(p_target, ''),
            p_outcome, coalesce(p_detail, '{}'), src, session_user)
    RETURNING audit_id INTO id;
    RETURN id;
END
$$;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_log
    FROM PUBLIC, contexts_owner, contexts_loader, contexts_dashboard;
GRANT INSERT, SELECT (audit_id) ON audit_log TO contexts_gate;
GRANT USAGE ON SEQUENCE audit_log_audit_id_seq TO contexts_gate;
GRANT SELECT ON app_user, gate_secret TO contexts_gate;

-- 3. What the dashboard may read.
REVOKE ALL ON app_user, extract FROM contexts_dashboard;
REVOKE SELECT ON app_user FROM contexts_loader;
GRANT SELECT ON extract_latest, extract_ledger
    TO contexts_dashboard, contexts_loader, contexts_owner;

DO $$
BEGIN
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO contexts_loader, contexts_owner',
                   current_database());
END
$$;

-- 4. The fingerprint of the key the extract's identifiers were pseudonymised with.
ALTER TABLE extract ADD COLUMN key_fingerprint text
    CHECK (key_fingerprint ~ '^[0-9a-f]{16}$');

-- The gate owns its functions; each callable only by the roles that need it.
ALTER FUNCTION contexts_mac(text) OWNER TO contexts_gate;
ALTER FUNCTION contexts_area_pass(text[], integer) OWNER TO contexts_gate;
ALTER FUNCTION contexts_area_seal(text) OWNER TO contexts_gate;
ALTER FUNCTION contexts_enter(text) OWNER TO contexts_gate;
ALTER FUNCTION contexts_area_list() OWNER TO contexts_gate;
ALTER FUNCTION contexts_all_areas() OWNER TO contexts_gate;
ALTER FUNCTION contexts_area_visible(text) OWNER TO contexts_gate;
ALTER FUNCTION contexts_user(text) OWNER TO contexts_gate;
ALTER FUNCTION contexts_audit(text, text, text, text, jsonb) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_mac(text), contexts_area_pass(text[], integer),
    contexts_area_seal(text), contexts_enter(text), contexts_area_list(),
    contexts_all_areas(), contexts_area_visible(text), contexts_user(text),
    contexts_audit(text, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contexts_area_pass(text[], integer) TO contexts_loader, contexts_owner;
GRANT EXECUTE ON FUNCTION contexts_enter(text), contexts_area_list(), contexts_all_areas(),
    contexts_area_visible(text) TO contexts_dashboard, contexts_loader, contexts_owner;
GRANT EXECUTE ON FUNCTION contexts_user(text) TO contexts_dashboard, contexts_loader;
GRANT EXECUTE ON FUNCTION contexts_audit(text, text, text, text, jsonb)
    TO contexts_loader, contexts_owner;
REVOKE CREATE ON SCHEMA public FROM contexts_gate;
