-- Roles of least privilege and the PostGIS extension.
-- contexts_owner: owns the data; contexts_loader: ingest and the app's writes (audit,
-- intervention register); contexts_dashboard: read-only, time-limited.
CREATE EXTENSION IF NOT EXISTS postgis;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contexts_owner') THEN
        CREATE ROLE contexts_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contexts_loader') THEN
        CREATE ROLE contexts_loader LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'contexts_dashboard') THEN
        CREATE ROLE contexts_dashboard LOGIN;
    END IF;
END
$$;

ALTER ROLE contexts_dashboard SET default_transaction_read_only = on;
ALTER ROLE contexts_dashboard SET statement_timeout = '10s';
ALTER ROLE contexts_loader SET statement_timeout = '30min';
