-- A read-only role for the admin pages: the audit log and the user table, nothing else.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contexts_auditor') THEN
        CREATE ROLE contexts_auditor LOGIN;
    END IF;
END
$$;
ALTER ROLE contexts_auditor SET default_transaction_read_only = on;
ALTER ROLE contexts_auditor SET statement_timeout = '10s';
GRANT USAGE ON SCHEMA public TO contexts_auditor;
GRANT SELECT ON audit_log, app_user TO contexts_auditor;
