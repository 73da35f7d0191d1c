-- Security, third pass (issue #28; docs/security.md, section 7).
--
-- 1. The audit log belongs to the gate. Migration 0010 took INSERT, UPDATE, DELETE and
--    TRUNCATE on audit_log from the application's roles, but contexts_owner kept TRIGGER
--    (a BEFORE INSERT trigger dropped or rewrote audit rows) and REFERENCES; and a table's
--    owner may always add triggers, re-grant and alter it. audit_log (and its sequence)
--    now belong to contexts_gate, a role nobody logs in as, whose one way in is
--    contexts_audit(); every application role loses everything on it but the auditor's
--    SELECT.
--    No project role keeps TRIGGER or REFERENCES on a table it does not own.
-- 2. No role creates in the public schema but the owner (its incident partitions:
--    contexts_new_incident_partition), and the definer functions resolve nothing there
--    unqualified (search_path = pg_catalog, pg_temp: sql/functions/). PostgreSQL 15 no
--    longer grants CREATE on public to PUBLIC in a new database; an older server or a
--    database made from an old template still does.
-- 3. Sign-in identities are (issuer, subject) (issue #28, problem 6): a user registered
--    by e-mail is matched only by an e-mail the provider says is verified, exactly, and
--    bound to the (issuer, subject) of that first sign-in; from then on only that
--    identity matches (contexts_user, contexts_bind_user).

ALTER TABLE audit_log OWNER TO contexts_gate;
REVOKE ALL ON audit_log FROM PUBLIC, contexts_owner, contexts_loader, contexts_dashboard,
    contexts_auditor;
GRANT SELECT ON audit_log TO contexts_auditor;
REVOKE ALL ON SEQUENCE audit_log_audit_id_seq FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor;

-- No project role may add triggers to, or reference, a table it does not own: TRIGGER and
-- REFERENCES came with GRANT ALL to contexts_owner (migrations 0002-0019); nothing uses
-- them (the owner's incident tables, made by its own functions, are its own; incident has
-- no foreign key). tests/test_privileges.py holds every grant to a declared matrix.
DO $$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN SELECT c.oid FROM pg_class c
               WHERE c.relnamespace = 'public'::regnamespace
                 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                 AND c.relowner <> 'contexts_owner'::regrole
    LOOP
        EXECUTE format('REVOKE TRIGGER, REFERENCES ON %s FROM PUBLIC, contexts_owner, '
                       'contexts_loader, contexts_dashboard, contexts_auditor', rel);
    END LOOP;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC, contexts_loader, contexts_dashboard,
    contexts_auditor, contexts_gate;

ALTER TABLE app_user ADD COLUMN issuer text, ADD COLUMN subject text;
ALTER TABLE app_user ADD CONSTRAINT app_user_issuer_subject
    CHECK ((issuer IS NULL) = (subject IS NULL) AND coalesce(issuer, 'x') <> ''
           AND coalesce(subject, 'x') <> '');
ALTER TABLE app_user ADD CONSTRAINT app_user_issuer_subject_key UNIQUE (issuer, subject);
COMMENT ON COLUMN app_user.identity IS
    'the e-mail address an administrator registered (or a label, when registered by '
    'issuer and subject): matched exactly, and only against a verified e-mail, while the '
    'user has no (issuer, subject)';
COMMENT ON COLUMN app_user.issuer IS
    'the OpenID Connect issuer (iss) of the sign-in this user is bound to';
COMMENT ON COLUMN app_user.subject IS
    'the OpenID Connect subject (sub) of the sign-in this user is bound to';
-- the gate binds a user's first sign-in (contexts_bind_user) and reads users
-- (contexts_user); nothing else
GRANT UPDATE (issuer, subject) ON app_user TO contexts_gate;
