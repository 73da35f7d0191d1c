-- contexts_mac(text)
--
-- A keyed digest (sha256 of the secret and the sha256 of the secret and the message: not
-- open to length extension). Callable only by the gate's own functions.
--
-- Made by migration 0010; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_mac(msg text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(secret || encode(sha256(convert_to(secret || msg, 'UTF8')),
                                                        'hex'), 'UTF8')), 'hex')
    FROM public.gate_secret
$$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_mac(text) OWNER TO contexts_gate;
REVOKE ALL ON FUNCTION contexts_mac(text) FROM PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor;
