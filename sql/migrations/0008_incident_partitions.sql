-- Incidents partitioned by extract.
--
-- A load writes its rows into a new table of its own, with no index to maintain row by
-- row; the references are then checked once over the whole table and it is attached as
-- a partition, its indexes built in bulk. Kept up to date on every insert, the indexes
-- and the statement-level reference check cost 15 s of a million-row load; built after,
-- a few seconds. Attaching takes a lock that lets the dashboard go on reading.
--
-- Rows inserted straight into incident (not by a load) go to the default partition and
-- are checked by the statement-level trigger as before. Queries do not change: they read
-- incident, and row-level security applies to it as before.
ALTER SEQUENCE incident_incident_id_seq OWNED BY NONE;
ALTER TABLE incident RENAME TO incident_unpartitioned;
ALTER INDEX incident_pkey RENAME TO incident_unpartitioned_pkey;

CREATE TABLE incident (
    incident_id bigint NOT NULL DEFAULT nextval('incident_incident_id_seq'),
    extract_id  bigint NOT NULL,
    source_row  integer NOT NULL,
    month       date NOT NULL CHECK (extract(day FROM month) = 1),
    occurred_at timestamp,
    harm_type   text NOT NULL,
    risk_level  text,
    age_band    text,
    -- 64 lowercase hex digits; as ~ '^[0-9a-f]{64}$' but ten times cheaper per row
    person_key  text CHECK (octet_length(person_key) = 64 AND person_key !~ '[^0-9a-f]'),
    area_code   text,
    ward_code   text,
    lsoa_code   text,
    place_id    bigint,
    hex_i       integer,
    hex_j       integer,
    geom        geometry(Point, 27700),
    PRIMARY KEY (incident_id, extract_id)
) PARTITION BY LIST (extract_id);
ALTER SEQUENCE incident_incident_id_seq OWNED BY incident.incident_id;
CREATE TABLE incident_default PARTITION OF incident DEFAULT;

INSERT INTO incident SELECT incident_id, extract_id, source_row, month, occurred_at, harm_type,
    risk_level, age_band, person_key, area_code, ward_code, lsoa_code, place_id, hex_i, hex_j,
    geom FROM incident_unpartitioned;
DROP TABLE incident_unpartitioned;

CREATE INDEX incident_month ON incident (month);
CREATE INDEX incident_ward_month ON incident (ward_code, month);
CREATE INDEX incident_place_month ON incident (place_id, month) WHERE place_id IS NOT NULL;

CREATE STATISTICS incident_cell_month (ndistinct) ON hex_i, hex_j, month FROM incident;
CREATE STATISTICS incident_ward_month (ndistinct) ON ward_code, month FROM incident;
CREATE STATISTICS incident_lsoa_month (ndistinct) ON lsoa_code, month FROM incident;
CREATE STATISTICS incident_place_month (ndistinct) ON place_id, month FROM incident;

GRANT SELECT ON incident TO contexts_dashboard;
GRANT SELECT, INSERT, UPDATE, DELETE ON incident TO contexts_loader;
GRANT ALL ON incident, incident_default TO contexts_owner;
ALTER TABLE incident ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident FORCE ROW LEVEL SECURITY;
CREATE POLICY incident_by_area ON incident FOR SELECT TO contexts_dashboard
    USING ((SELECT contexts_all_areas()) OR area_code = ANY (contexts_area_list()));
CREATE POLICY incident_writers ON incident TO contexts_loader, contexts_owner
    USING (true) WITH CHECK (true);

-- The reference check of 0004, as a query over any relation: the trigger runs it over the
-- rows a statement inserted, a load over its new partition. It looks up each distinct
-- combination of references once (80,000 for a million rows) instead of every row.
CREATE FUNCTION contexts_incident_references_sql(rel text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT CASE
            WHEN e.extract_id IS NULL THEN 'unknown extract ' || n.extract_id
            WHEN h.code IS NULL THEN 'unknown harm type ' || n.harm_type
            WHEN n.risk_level IS NOT NULL AND r.code IS NULL
                THEN 'unknown risk level ' || n.risk_level
            WHEN n.age_band IS NOT NULL AND a.code IS NULL THEN 'unknown age band ' || n.age_band
            WHEN n.ward_code IS NOT NULL AND w.ward_code IS NULL THEN 'unknown ward ' || n.ward_code
            WHEN n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL THEN 'unknown LSOA ' || n.lsoa_code
            WHEN n.place_id IS NOT NULL AND p.place_id IS NULL THEN 'unknown place ' || n.place_id
            ELSE 'unknown area ' || n.area_code END
    FROM (SELECT extract_id, harm_type, risk_level, age_band, ward_code, lsoa_code, place_id,
                 area_code
          FROM %I GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) n
    LEFT JOIN extract e ON e.extract_id = n.extract_id
    LEFT JOIN harm_type h ON h.code = n.harm_type
    LEFT JOIN risk_level r ON r.code = n.risk_level
    LEFT JOIN age_band a ON a.code = n.age_band
    LEFT JOIN ward w ON w.ward_code = n.ward_code
    LEFT JOIN lsoa l ON l.lsoa_code = n.lsoa_code
    LEFT JOIN place p ON p.place_id = n.place_id
    LEFT JOIN area ar ON ar.area_code = n.area_code
    WHERE e.extract_id IS NULL OR h.code IS NULL
       OR (n.risk_level IS NOT NULL AND r.code IS NULL)
       OR (n.age_band IS NOT NULL AND a.code IS NULL)
       OR (n.ward_code IS NOT NULL AND w.ward_code IS NULL)
       OR (n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL)
       OR (n.place_id IS NOT NULL AND p.place_id IS NULL)
       OR (n.area_code IS NOT NULL AND ar.area_code IS NULL)
    LIMIT 1
$q$, rel)
$f$;

CREATE OR REPLACE FUNCTION incident_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad text;
BEGIN
    EXECUTE contexts_incident_references_sql('new_rows') INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'foreign key violation: %', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER incident_references_insert AFTER INSERT ON incident
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION incident_references_check();
CREATE TRIGGER incident_references_update AFTER UPDATE ON incident
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION incident_references_check();

-- A load's own table, empty and without indexes, that only its extract's rows may enter.
CREATE FUNCTION contexts_new_incident_partition(p_extract bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text := 'incident_x' || p_extract;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM extract WHERE extract_id = p_extract AND kind = 'incidents') THEN
        RAISE EXCEPTION 'extract % is not an incidents extract', p_extract;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE incident INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                   rel);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (extract_id = %s)',
                   rel, rel || '_extract', p_extract);
    EXECUTE format('GRANT INSERT ON %I TO contexts_loader', rel);
    RETURN rel;
END
$$;

-- Check the references of a load's table, and attach it (its indexes are built then).
-- Its statistics first: the check then hashes the lookups instead of probing them row by
-- row, and the dashboard's plans know the new rows from the start.
CREATE FUNCTION contexts_attach_incident_partition(p_extract bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text := 'incident_x' || p_extract;
    bad text;
BEGIN
    EXECUTE format('ANALYZE %I', rel);
    EXECUTE contexts_incident_references_sql(rel) INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'foreign key violation: %', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE format('REVOKE ALL ON %I FROM contexts_loader', rel);
    EXECUTE format('ALTER TABLE incident ATTACH PARTITION %I FOR VALUES IN (%s)',
                   rel, p_extract);
END
$$;

-- After a purge: drop the tables of extracts none of whose incidents are left (dropping a
-- partition locks the parent for a moment; a purge is occasional maintenance).
CREATE FUNCTION contexts_drop_empty_incident_partitions() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text;
    dropped integer := 0;
    found_row boolean;
BEGIN
    FOR rel IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
               WHERE i.inhparent = 'incident'::regclass AND c.relname LIKE 'incident\_x%'
               ORDER BY c.relname
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I)', rel) INTO found_row;
        IF NOT found_row THEN
            EXECUTE format('DROP TABLE %I', rel);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;

GRANT CREATE ON SCHEMA public TO contexts_owner;
ALTER TABLE incident OWNER TO contexts_owner;
ALTER TABLE incident_default OWNER TO contexts_owner;
ALTER FUNCTION contexts_new_incident_partition(bigint) OWNER TO contexts_owner;
ALTER FUNCTION contexts_attach_incident_partition(bigint) OWNER TO contexts_owner;
ALTER FUNCTION contexts_drop_empty_incident_partitions() OWNER TO contexts_owner;
REVOKE ALL ON FUNCTION contexts_new_incident_partition(bigint),
    contexts_attach_incident_partition(bigint), contexts_drop_empty_incident_partitions()
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION contexts_new_incident_partition(bigint),
    contexts_attach_incident_partition(bigint), contexts_drop_empty_incident_partitions()
    TO contexts_loader;
ANALYZE incident;

-- The area test of 0005, replaced in every policy by 0006's form: nothing uses it now.
DROP FUNCTION contexts_area_visible(text);
