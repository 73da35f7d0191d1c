-- The core schema (DESIGN §3). All geometry in EPSG:27700 (British National Grid, metres).

-- Vocabularies are data: a partnership adds a harm type with an INSERT, not a release.
CREATE TABLE harm_type (
    code        text PRIMARY KEY,
    label       text NOT NULL,
    description text NOT NULL DEFAULT ''
);
CREATE TABLE risk_level (code text PRIMARY KEY, label text NOT NULL, rank int NOT NULL);
CREATE TABLE age_band (code text PRIMARY KEY, label text NOT NULL, rank int NOT NULL);
CREATE TABLE place_category (code text PRIMARY KEY, label text NOT NULL, icon text NOT NULL);
CREATE TABLE intervention_type (code text PRIMARY KEY, label text NOT NULL);

INSERT INTO harm_type (code, label, description) VALUES
 ('cse', 'Child sexual exploitation', 'Sexual exploitation of a child outside the home'),
 ('cce', 'Child criminal exploitation', 'A child used to commit crime for others'),
 ('county_lines', 'County lines', 'Drug supply across areas using children'),
 ('serious_youth_violence', 'Serious youth violence', 'Violence with injury or weapons among young people'),
 ('missing', 'Missing episode', 'A child reported missing'),
 ('peer_abuse', 'Peer-on-peer abuse', 'Abuse of a child by other children'),
 ('weapons', 'Possession of weapons', 'police.uk: possession-of-weapons'),
 ('drugs', 'Drugs', 'police.uk: drugs'),
 ('robbery', 'Robbery', 'police.uk: robbery'),
 ('violence', 'Violence and sexual offences', 'police.uk: violence-and-sexual-offences'),
 ('asb', 'Anti-social behaviour', 'police.uk: anti-social-behaviour'),
 ('other_crime', 'Other recorded crime', 'police.uk categories with no closer match');

INSERT INTO risk_level VALUES ('low', 'Low', 1), ('medium', 'Medium', 2), ('high', 'High', 3);
INSERT INTO age_band VALUES
 ('u10', 'Under 10', 1), ('10-13', '10 to 13', 2), ('14-15', '14 to 15', 3),
 ('16-17', '16 to 17', 4), ('18-24', '18 to 24 (transitional)', 5);
INSERT INTO place_category VALUES
 ('transport_hub', 'Transport hub', 'train'),
 ('park', 'Park or open space', 'tree'),
 ('shopping_centre', 'Shopping centre', 'shopping-cart'),
 ('fast_food', 'Fast-food outlet', 'cutlery'),
 ('school_vicinity', 'School vicinity', 'graduation-cap'),
 ('estate', 'Housing estate', 'home'),
 ('street', 'Street or parade', 'road');
INSERT INTO intervention_type VALUES
 ('detached_youth_work', 'Detached youth work'),
 ('guardianship_training', 'Guardianship training for staff'),
 ('lighting_cctv', 'Lighting and CCTV'),
 ('patrols', 'Patrols'),
 ('licensing_action', 'Licensing action'),
 ('positive_activities', 'Positive activities'),
 ('environmental_design', 'Environmental design');

-- One row per uploaded file: the ledger that makes loads idempotent and accountable.
CREATE TABLE extract (
    extract_id       bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('incidents', 'interventions', 'places',
                         'assessments', 'wards', 'lsoas', 'population')),
    file_name        text NOT NULL,
    file_sha256      text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    loaded_by        text NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    rows_read        integer NOT NULL CHECK (rows_read >= 0),
    rows_loaded      integer NOT NULL CHECK (rows_loaded >= 0),
    rows_quarantined integer NOT NULL CHECK (rows_quarantined >= 0),
    reasons          jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'loaded' CHECK (status IN ('loaded', 'rejected')),
    message          text NOT NULL DEFAULT '',
    CHECK (status = 'rejected' OR rows_read = rows_loaded + rows_quarantined)
);
-- A file is loaded at most once; a rejected file may be tried again once fixed.
CREATE UNIQUE INDEX extract_loaded_once ON extract (kind, file_sha256) WHERE status = 'loaded';

CREATE TABLE area (
    area_code  text PRIMARY KEY,
    name       text NOT NULL,
    extract_id bigint REFERENCES extract,
    geom       geometry(MultiPolygon, 27700) NOT NULL
);
CREATE INDEX area_geom_gist ON area USING gist (geom);

CREATE TABLE ward (
    ward_code  text PRIMARY KEY,
    name       text NOT NULL,
    area_code  text NOT NULL REFERENCES area,
    extract_id bigint REFERENCES extract,
    geom       geometry(MultiPolygon, 27700) NOT NULL
);
CREATE INDEX ward_geom_gist ON ward USING gist (geom);

CREATE TABLE lsoa (
    lsoa_code  text PRIMARY KEY,
    name       text NOT NULL,
    area_code  text NOT NULL REFERENCES area,
    extract_id bigint REFERENCES extract,
    geom       geometry(MultiPolygon, 27700) NOT NULL
);
CREATE INDEX lsoa_geom_gist ON lsoa USING gist (geom);

-- Young people (10-24) living in a unit, for rates per 1,000.
CREATE TABLE population (
    unit_kind    text NOT NULL CHECK (unit_kind IN ('ward', 'lsoa')),
    unit_code    text NOT NULL,
    year         integer NOT NULL,
    young_people integer NOT NULL CHECK (young_people >= 0),
    extract_id   bigint REFERENCES extract,
    PRIMARY KEY (unit_kind, unit_code, year)
);

-- Contexts of concern.
CREATE TABLE place (
    place_id   bigserial PRIMARY KEY,
    ref        text NOT NULL UNIQUE,
    name       text NOT NULL,
    category   text NOT NULL REFERENCES place_category,
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'monitoring', 'closed')),
    flagged_on date,
    synthetic  boolean NOT NULL DEFAULT false,
    area_code  text REFERENCES area,
    extract_id bigint REFERENCES extract,
    geom       geometry(MultiPolygon, 27700) NOT NULL
);
CREATE INDEX place_geom_gist ON place USING gist (geom);

-- De-identified incidents. person_key is an HMAC pseudonym, never a raw identifier.
CREATE TABLE incident (
    incident_id bigserial PRIMARY KEY,
    extract_id  bigint NOT NULL REFERENCES extract,
    source_row  integer NOT NULL,
    month       date NOT NULL CHECK (extract(day FROM month) = 1),
    occurred_at timestamp,
    harm_type   text NOT NULL REFERENCES harm_type,
    risk_level  text REFERENCES risk_level,
    age_band    text REFERENCES age_band,
    person_key  text CHECK (person_key ~ '^[0-9a-f]{64}$'),
    area_code   text REFERENCES area,
    ward_code   text REFERENCES ward,
    lsoa_code   text REFERENCES lsoa,
    place_id    bigint REFERENCES place,
    hex_i       integer,
    hex_j       integer,
    geom        geometry(Point, 27700)
);
CREATE INDEX incident_geom_gist ON incident USING gist (geom);
CREATE INDEX incident_month ON incident (month);
CREATE INDEX incident_ward_month ON incident (ward_code, month);
CREATE INDEX incident_place_month ON incident (place_id, month) WHERE place_id IS NOT NULL;
CREATE INDEX incident_hex ON incident (hex_i, hex_j);
CREATE INDEX incident_extract ON incident (extract_id);

-- Rows that could not be loaded, with why; values kept only when they identify nobody.
CREATE TABLE quarantine (
    quarantine_id bigserial PRIMARY KEY,
    extract_id    bigint NOT NULL REFERENCES extract,
    row_number    integer NOT NULL,
    reason        text NOT NULL,
    detail        text NOT NULL DEFAULT '',
    row_values    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX quarantine_extract ON quarantine (extract_id);

CREATE TABLE intervention (
    intervention_id bigserial PRIMARY KEY,
    ref             text NOT NULL UNIQUE,
    place_id        bigint NOT NULL REFERENCES place,
    type            text NOT NULL REFERENCES intervention_type,
    agency          text NOT NULL,
    start_month     date NOT NULL CHECK (extract(day FROM start_month) = 1),
    end_month       date CHECK (end_month IS NULL OR end_month >= start_month),
    description     text NOT NULL DEFAULT '',
    area_code       text REFERENCES area,
    extract_id      bigint REFERENCES extract
);

CREATE TABLE location_assessment (
    assessment_id bigserial PRIMARY KEY,
    place_id      bigint NOT NULL REFERENCES place,
    assessed_on   date NOT NULL,
    rating        text NOT NULL CHECK (rating IN ('low', 'medium', 'high')),
    factors       text NOT NULL DEFAULT '',
    area_code     text REFERENCES area,
    extract_id    bigint REFERENCES extract
);

CREATE TABLE app_user (
    user_id      bigserial PRIMARY KEY,
    identity     text NOT NULL UNIQUE,
    display_name text NOT NULL DEFAULT '',
    role         text NOT NULL CHECK (role IN ('partner', 'board', 'analyst', 'admin')),
    areas        text[] NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Who did what, when, with what outcome. Append-only for the application's roles.
CREATE TABLE audit_log (
    audit_id bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    role     text NOT NULL DEFAULT '',
    action   text NOT NULL,
    target   text NOT NULL DEFAULT '',
    outcome  text NOT NULL,
    detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Privileges.
GRANT USAGE ON SCHEMA public TO contexts_owner, contexts_loader, contexts_dashboard;
GRANT ALL ON ALL TABLES IN SCHEMA public TO contexts_owner;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO contexts_owner;
GRANT SELECT ON harm_type, risk_level, age_band, place_category, intervention_type, extract,
    area, ward, lsoa, population, place, incident, intervention, location_assessment,
    app_user, spatial_ref_sys
    TO contexts_loader, contexts_dashboard;
GRANT INSERT, UPDATE, DELETE ON extract, area, ward, lsoa, population, place, incident,
    quarantine, intervention, location_assessment TO contexts_loader;
GRANT SELECT ON quarantine TO contexts_loader;
GRANT INSERT ON audit_log TO contexts_loader;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO contexts_loader;

-- The hexagon cell of a point, identical to the cell of ST_HexagonGrid(size, ...) that
-- holds it (geo/grid.py computes the same in numpy). Flat-topped, circumradius = size.
CREATE FUNCTION contexts_hex(x double precision, y double precision, size double precision)
RETURNS integer[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH axial AS (
        SELECT (2.0 / 3.0) * x / size AS cx,
               (-x / 3.0 + sqrt(3.0) / 3.0 * y) / size AS cz
    ), cube AS (
        SELECT cx, cz, -cx - cz AS cy, round(cx) AS rx, round(-cx - cz) AS ry, round(cz) AS rz
        FROM axial
    ), fixed AS (
        SELECT CASE WHEN abs(rx - cx) > abs(ry - cy) AND abs(rx - cx) > abs(rz - cz)
                    THEN -ry - rz ELSE rx END AS q,
               CASE WHEN NOT (abs(rx - cx) > abs(ry - cy) AND abs(rx - cx) > abs(rz - cz))
                         AND NOT (abs(ry - cy) > abs(rz - cz))
                    THEN -rx - ry ELSE rz END AS r
        FROM cube
    )
    SELECT ARRAY[q::int, (r + floor((q - (q::int & 1)) / 2.0))::int] FROM fixed
$$;
GRANT EXECUTE ON FUNCTION contexts_hex(double precision, double precision, double precision)
    TO contexts_loader, contexts_dashboard;
