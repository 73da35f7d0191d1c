-- contexts_bind_user(text, text, text)
--
-- A user registered by e-mail signs in for the first time with that e-mail verified: bind
-- the user to the sign-in's (issuer, subject), so that from now on only that identity
-- matches (contexts_user), not whoever else later shows the same address. Binds only a
-- user not bound yet, by the exact e-mail; returns whether it bound one. Called by the
-- loader (the app's writing role) at sign-in; the row's other columns stay the owner's.
--
-- search_path is pg_catalog and pg_temp only, every project object qualified.
CREATE OR REPLACE FUNCTION contexts_bind_user(p_issuer text, p_subject text, p_email text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF coalesce(p_issuer, '') = '' OR coalesce(p_subject, '') = ''
       OR coalesce(p_email, '') = '' THEN
        RETURN false;
    END IF;
    UPDATE public.app_user SET issuer = p_issuer, subject = p_subject
    WHERE identity = p_email AND subject IS NULL
      AND NOT EXISTS (SELECT 1 FROM public.app_user b
                      WHERE b.issuer = p_issuer AND b.subject = p_subject);
    RETURN FOUND;
END
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_bind_user(text, text, text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_bind_user(text, text, text) FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor;
GRANT EXECUTE ON FUNCTION contexts_bind_user(text, text, text) TO contexts_loader;
