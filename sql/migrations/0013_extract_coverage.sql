-- What each incident extract covers (issue #22). A partner's extract often covers part of
-- the area only (a transport police force its stations and lines, a youth service its own
-- patch); outside that, its absence of incidents is "no data", not zero. The analyst
-- declares the coverage at load: the whole area (the default), a list of wards and/or
-- LSOAs, or a polygon file. Extracts loaded before this migration have no row here and
-- cover the whole area.
CREATE TABLE extract_coverage (
    extract_id   bigint PRIMARY KEY REFERENCES extract ON DELETE CASCADE,
    -- area: the whole area, whatever wards it has (geom NULL); units: the wards and LSOAs
    -- in codes; polygon: a polygon file (its name in label)
    kind         text NOT NULL CHECK (kind IN ('area', 'units', 'polygon')),
    codes        text[] NOT NULL DEFAULT '{}',
    label        text NOT NULL DEFAULT '',
    -- share of the area's surface covered, when loaded (0..1)
    share        double precision NOT NULL CHECK (share >= 0 AND share <= 1.000001),
    -- the extract's incidents that fall outside what it declares it covers
    rows_outside integer NOT NULL DEFAULT 0 CHECK (rows_outside >= 0),
    geom         geometry(MultiPolygon, 27700),
    CHECK ((kind = 'area') = (geom IS NULL)),
    CHECK (kind <> 'units' OR cardinality(codes) > 0)
);
CREATE INDEX extract_coverage_geom_gist ON extract_coverage USING gist (geom);

GRANT SELECT ON extract_coverage TO contexts_loader, contexts_dashboard;
GRANT INSERT, UPDATE, DELETE ON extract_coverage TO contexts_loader;
GRANT ALL ON extract_coverage TO contexts_owner;
