-- Why here, and for how long (issue #35): feature layers for risk terrain modelling, and
-- the structured location assessment recorded on a place's profile.
--
-- feature: the points, lines or polygons of a layer an analyst loads with
-- `contexts load features FILE --name NAME` (fast-food outlets, schools, parks): geometry
-- and the layer's name only, never a row's other columns (a shop's name or address is not
-- stored). Loading a layer again replaces its features. These are public geography, not
-- records about children: the table is not area-scoped and has no row-level security.
ALTER TABLE extract DROP CONSTRAINT extract_kind_check;
ALTER TABLE extract ADD CONSTRAINT extract_kind_check CHECK (kind IN ('incidents',
    'interventions', 'places', 'assessments', 'wards', 'lsoas', 'population', 'features'));

CREATE TABLE feature (
    feature_id bigserial PRIMARY KEY,
    layer      text NOT NULL CHECK (layer ~ '^[A-Za-z][A-Za-z0-9 ''&()/-]{0,59}$'),
    extract_id bigint NOT NULL REFERENCES extract,
    geom       geometry(Geometry, 27700) NOT NULL
);
CREATE INDEX feature_layer ON feature (layer);
CREATE INDEX feature_geom_gist ON feature USING gist (geom);
GRANT SELECT ON feature TO contexts_dashboard;
GRANT SELECT, INSERT, DELETE ON feature TO contexts_loader;
GRANT USAGE ON SEQUENCE feature_feature_id_seq TO contexts_loader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON feature TO contexts_owner;
GRANT ALL ON SEQUENCE feature_feature_id_seq TO contexts_owner;

-- The location assessment's fixed fields: choices, never free text about people. The
-- choices are data (assessment_choice), as every vocabulary is; `observations` and
-- `users` hold several codes of their field.
CREATE TABLE assessment_choice (
    field text NOT NULL CHECK (field IN ('guardianship', 'lighting', 'users', 'observations')),
    code  text NOT NULL,
    label text NOT NULL,
    sort  integer NOT NULL,
    PRIMARY KEY (field, code)
);
INSERT INTO assessment_choice (field, code, label, sort) VALUES
    ('guardianship', 'none', 'None: nobody who would notice or act', 1),
    ('guardianship', 'weak', 'Weak: people about, but nobody takes responsibility', 2),
    ('guardianship', 'some', 'Some: staff or residents notice, at some times', 3),
    ('guardianship', 'strong', 'Strong: trained staff, security or residents act', 4),
    ('lighting', 'poor', 'Poor: dark areas after dusk', 1),
    ('lighting', 'partial', 'Partial: some dark corners or broken lights', 2),
    ('lighting', 'good', 'Good: well lit throughout', 3),
    ('users', 'young_day', 'Young people, daytime', 1),
    ('users', 'young_evening', 'Young people, evenings', 2),
    ('users', 'young_late', 'Young people, late at night', 3),
    ('users', 'school_run', 'Pupils before and after school', 4),
    ('users', 'commuters', 'Commuters and passers-through', 5),
    ('users', 'shoppers', 'Shoppers and families', 6),
    ('users', 'night_economy', 'Night-time economy', 7),
    ('users', 'adults_gathering', 'Adults gathering with young people', 8),
    ('users', 'empty_after_dark', 'Largely empty after dark', 9),
    ('observations', 'hidden_spots', 'Hidden spots out of sight', 1),
    ('observations', 'no_cctv', 'No CCTV coverage', 2),
    ('observations', 'cctv', 'CCTV in place', 3),
    ('observations', 'staff_present', 'Staff or security present', 4),
    ('observations', 'graffiti_tags', 'Graffiti or gang tags', 5),
    ('observations', 'drug_litter', 'Drug litter or paraphernalia', 6),
    ('observations', 'alcohol_sold', 'Alcohol or nitrous oxide sold nearby', 7),
    ('observations', 'vacant_buildings', 'Vacant or derelict buildings', 8),
    ('observations', 'vehicles_waiting', 'Vehicles waiting or circling', 9),
    ('observations', 'free_wifi', 'Free wi-fi or phone charging', 10),
    ('observations', 'cheap_food', 'Cheap food or a warm place to stay', 11),
    ('observations', 'easy_escape', 'Many ways in and out', 12);
GRANT SELECT ON assessment_choice TO contexts_dashboard, contexts_loader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON assessment_choice TO contexts_owner;

-- The structured fields on the existing assessment (NULL / empty on those loaded from
-- files before), its next review date, and who recorded it as a role (never a person).
ALTER TABLE location_assessment
    ADD COLUMN guardianship text,
    ADD COLUMN lighting text,
    ADD COLUMN users text[] NOT NULL DEFAULT '{}',
    ADD COLUMN observations text[] NOT NULL DEFAULT '{}',
    ADD COLUMN review_date date,
    ADD COLUMN recorded_by_role text CHECK (recorded_by_role IN ('partner', 'board',
                                                                 'analyst', 'admin')),
    ADD CONSTRAINT location_assessment_guardianship_check CHECK (
        guardianship IS NULL OR guardianship IN ('none', 'weak', 'some', 'strong')),
    ADD CONSTRAINT location_assessment_lighting_check CHECK (
        lighting IS NULL OR lighting IN ('poor', 'partial', 'good'));
GRANT USAGE ON SEQUENCE location_assessment_assessment_id_seq TO contexts_loader;

-- Actions agreed at an assessment, as a context's: an owner is an agency or a role.
CREATE TABLE assessment_action (
    action_id     bigserial PRIMARY KEY,
    assessment_id bigint NOT NULL REFERENCES location_assessment ON DELETE CASCADE,
    description   text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    owner         text NOT NULL CHECK (length(owner) BETWEEN 1 AND 120),
    due_date      date,
    done_on       date
);
CREATE INDEX assessment_action_by_assessment ON assessment_action (assessment_id);
-- read through the page function contexts_page_place_assessment_actions, as every area
-- table (migration 0023; docs/security.md, section 10)
GRANT SELECT ON assessment_action TO contexts_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON assessment_action TO contexts_loader;
GRANT USAGE ON SEQUENCE assessment_action_action_id_seq TO contexts_loader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON assessment_action TO contexts_owner;
GRANT ALL ON SEQUENCE assessment_action_action_id_seq TO contexts_owner;
-- seen through its assessment (whose own policy scopes it by area), as a context's parts
ALTER TABLE assessment_action ENABLE ROW LEVEL SECURITY;
ALTER TABLE assessment_action FORCE ROW LEVEL SECURITY;
CREATE POLICY assessment_action_by_assessment ON assessment_action FOR SELECT
    TO contexts_reader
    USING (EXISTS (SELECT 1 FROM location_assessment a
                   WHERE a.assessment_id = assessment_action.assessment_id));
CREATE POLICY assessment_action_writers ON assessment_action TO contexts_loader, contexts_owner
    USING (true) WITH CHECK (true);
