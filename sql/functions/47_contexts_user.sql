-- contexts_user(text, text, text)
--
-- Who may sign in (issue #28): the user of one OpenID Connect identity, by its issuer and
-- subject; or, for a user an administrator registered by e-mail and who has not signed in
-- yet (no issuer and subject), by that e-mail, exactly, when the app passes one: it does
-- only when the provider says the e-mail is verified (email_verified). A user bound to an
-- identity (contexts_bind_user) is never matched by e-mail again. Returns the user's
-- identity (as registered), role, areas, whether active, and whether they are bound yet.
-- The dashboard reads nothing else of app_user.
--
-- search_path is pg_catalog and pg_temp only, every project object qualified: no role
-- may create in a schema this function resolves names in (docs/security.md, 7).
--
-- Made by migration 0010 (one argument, matched case-insensitively with subjects and
-- e-mails in one column); this file is its definition now (sql/functions/README.md).
DROP FUNCTION IF EXISTS contexts_user(text);
CREATE OR REPLACE FUNCTION contexts_user(p_issuer text, p_subject text, p_email text)
RETURNS TABLE (identity text, role text, areas text[], active boolean, bound boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT u.identity, u.role, u.areas, u.active, u.subject IS NOT NULL
    FROM public.app_user u
    WHERE (u.issuer = p_issuer AND u.subject = p_subject)
       OR (u.subject IS NULL AND p_email <> '' AND u.identity = p_email)
    ORDER BY u.subject IS NOT NULL DESC
    LIMIT 1
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_user(text, text, text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_user(text, text, text) FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_user(text, text, text) TO contexts_dashboard,
    contexts_loader;
