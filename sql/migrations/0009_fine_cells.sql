-- Finer cells for spatial assignment.
--
-- Migration 0007's 50 m cells settle a point with no geometry test when its cell lies
-- wholly inside one ward and one LSOA and near no place; in the benchmark's million
-- incidents 46% still had to be tested, those within about 70 m of a boundary or of the
-- place distance around a place. Here the 50 m cells it could not settle are split into
-- 10 m cells, on the same rules, so only points within about 14 m of a boundary are
-- left to the polygon tests:
--
-- 1. area_cell_fine: 10 m cells wholly inside one ward and one LSOA (interior, as in
--    0007), in 50 m cells that are not area cells. None when a layer's polygons overlap.
-- 2. place_cell_fine: 10 m cells of the 50 m place cells whose place is settled: either
--    no place is within the place distance of any part of the cell (place_id NULL), or
--    exactly one is and the whole cell lies within that distance of it (inside the
--    place's buffer, whose polygon lies inside the true distance: never a false yes).
--
-- Both are rebuilt with their 50 m cells, in the same transaction as the load that
-- changes wards, LSOAs or places.
CREATE TABLE area_cell_fine (
    fi        integer NOT NULL,
    fj        integer NOT NULL,
    ward_code text NOT NULL,
    lsoa_code text NOT NULL,
    area_code text NOT NULL,
    PRIMARY KEY (fi, fj)
);
-- What a load reads of area_cell_fine: one row per 50 m cell, its 10 m cells as text
-- "slot pair slot pair ..." (slot = 5 * (fi - 5 ci) + (fj - 5 cj); pair = area_pair),
-- 20 times fewer rows to fetch than one per 10 m cell.
CREATE TABLE area_pair (
    pair      integer PRIMARY KEY,
    ward_code text NOT NULL,
    lsoa_code text NOT NULL,
    area_code text NOT NULL
);
CREATE TABLE area_cell_fine_pack (
    ci    integer NOT NULL,
    cj    integer NOT NULL,
    cells text NOT NULL,
    PRIMARY KEY (ci, cj)
);
CREATE TABLE place_cell_fine (
    fi       integer NOT NULL,
    fj       integer NOT NULL,
    place_id bigint,
    PRIMARY KEY (fi, fj)
);
GRANT SELECT, INSERT, DELETE ON area_cell_fine, place_cell_fine, area_pair,
    area_cell_fine_pack TO contexts_loader;
GRANT ALL ON area_cell_fine, place_cell_fine, area_pair, area_cell_fine_pack TO contexts_owner;

-- The cells in the interior of each polygon of a layer (ward or lsoa), in one pass down
-- three levels: 200 m squares, the 50 m squares of those that cross a boundary (all 16
-- of those that do not), and the 10 m squares of the 50 m squares that cross one. Returns
-- the interior 50 m cells (as 0007's contexts_interior_cells, which it replaces) and the
-- interior 10 m cells of the crossing 50 m cells, each 50 m test made once.
CREATE FUNCTION contexts_interior_cells_by_size(layer text)
RETURNS TABLE (size integer, i integer, j integer, code text, area_code text)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
    IF layer NOT IN ('ward', 'lsoa') THEN
        RAISE EXCEPTION 'unknown layer %', layer;
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH c200 AS MATERIALIZED (
            SELECT p.%2$I AS code, p.area_code, p.geom, i, j,
                   ST_ContainsProperly(p.geom, ST_MakeEnvelope(i * 200.0, j * 200.0,
                       (i + 1) * 200.0, (j + 1) * 200.0, 27700)) AS inside
            FROM %1$I p,
                 generate_series(floor(ST_XMin(p.geom) / 200)::int,
                                 floor(ST_XMax(p.geom) / 200)::int) i,
                 generate_series(floor(ST_YMin(p.geom) / 200)::int,
                                 floor(ST_YMax(p.geom) / 200)::int) j
            WHERE ST_Intersects(p.geom, ST_MakeEnvelope(i * 200.0, j * 200.0,
                                (i + 1) * 200.0, (j + 1) * 200.0, 27700))
        ), c50 AS MATERIALIZED (
            SELECT c.code, c.area_code, c.geom, c.i * 4 + a AS i, c.j * 4 + b AS j,
                   c.inside OR ST_ContainsProperly(c.geom, ST_MakeEnvelope(
                       (c.i * 4 + a) * 50.0, (c.j * 4 + b) * 50.0,
                       (c.i * 4 + a + 1) * 50.0, (c.j * 4 + b + 1) * 50.0, 27700)) AS inside
            FROM c200 c, generate_series(0, 3) a, generate_series(0, 3) b
            WHERE c.inside OR ST_Intersects(c.geom, ST_MakeEnvelope(
                      (c.i * 4 + a) * 50.0, (c.j * 4 + b) * 50.0,
                      (c.i * 4 + a + 1) * 50.0, (c.j * 4 + b + 1) * 50.0, 27700))
        )
        SELECT 50, c.i, c.j, c.code, c.area_code FROM c50 c WHERE c.inside
        UNION ALL
        SELECT 10, (c.i * 5 + a)::int, (c.j * 5 + b)::int, c.code, c.area_code
        FROM c50 c, generate_series(0, 4) a, generate_series(0, 4) b
        WHERE NOT c.inside AND ST_ContainsProperly(c.geom, ST_MakeEnvelope(
            (c.i * 5 + a) * 10.0, (c.j * 5 + b) * 10.0,
            (c.i * 5 + a + 1) * 10.0, (c.j * 5 + b + 1) * 10.0, 27700))
    $q$, layer, layer || '_code');
END
$f$;

CREATE OR REPLACE FUNCTION contexts_refresh_area_cells() RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    DELETE FROM area_cell;
    DELETE FROM area_cell_fine;
    DELETE FROM area_cell_fine_pack;
    DELETE FROM area_pair;
    IF EXISTS (SELECT 1 FROM ward a JOIN ward b ON a.ward_code < b.ward_code
               AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'T********'))
       OR EXISTS (SELECT 1 FROM lsoa a JOIN lsoa b ON a.lsoa_code < b.lsoa_code
                  AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'T********')) THEN
        RETURN 0;  -- overlapping polygons: every point is tested
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ward) OR NOT EXISTS (SELECT 1 FROM lsoa) THEN
        RETURN 0;  -- a cell needs both layers (wards are loaded before LSOAs)
    END IF;
    DROP TABLE IF EXISTS pg_temp.cells_w, pg_temp.cells_l;
    CREATE TEMP TABLE cells_w ON COMMIT DROP AS
        SELECT * FROM contexts_interior_cells_by_size('ward');
    CREATE TEMP TABLE cells_l ON COMMIT DROP AS
        SELECT * FROM contexts_interior_cells_by_size('lsoa');
    INSERT INTO area_cell (ci, cj, ward_code, lsoa_code, area_code)
    SELECT w.i, w.j, w.code, l.code, w.area_code
    FROM cells_w w JOIN cells_l l USING (size, i, j)
    WHERE w.size = 50;
    GET DIAGNOSTICS n = ROW_COUNT;
    -- a 10 m cell inside one ward and one LSOA whose 50 m cell is not an area cell: its
    -- 50 m cell crosses a boundary of at least one layer, where the cell is found at 10 m
    INSERT INTO area_cell_fine (fi, fj, ward_code, lsoa_code, area_code)
    SELECT s.i, s.j, coalesce(w10.code, w50.code), coalesce(l10.code, l50.code),
           coalesce(w10.area_code, w50.area_code)
    FROM (SELECT c.i, c.j FROM cells_w c WHERE c.size = 10
          UNION SELECT c.i, c.j FROM cells_l c WHERE c.size = 10) s
    LEFT JOIN cells_w w10 ON w10.size = 10 AND w10.i = s.i AND w10.j = s.j
    LEFT JOIN cells_l l10 ON l10.size = 10 AND l10.i = s.i AND l10.j = s.j
    LEFT JOIN cells_w w50 ON w50.size = 50 AND w50.i = floor(s.i / 5.0)::int
                         AND w50.j = floor(s.j / 5.0)::int
    LEFT JOIN cells_l l50 ON l50.size = 50 AND l50.i = floor(s.i / 5.0)::int
                         AND l50.j = floor(s.j / 5.0)::int
    WHERE coalesce(w10.code, w50.code) IS NOT NULL AND coalesce(l10.code, l50.code) IS NOT NULL;
    DROP TABLE cells_w, cells_l;
    INSERT INTO area_pair (pair, ward_code, lsoa_code, area_code)
    SELECT (row_number() OVER (ORDER BY d.ward_code, d.lsoa_code))::int - 1, d.ward_code,
           d.lsoa_code, d.area_code
    FROM (SELECT DISTINCT f.ward_code, f.lsoa_code, f.area_code FROM area_cell_fine f) d;
    INSERT INTO area_cell_fine_pack (ci, cj, cells)
    SELECT c.ci, c.cj, string_agg(((c.fi - 5 * c.ci) * 5 + (c.fj - 5 * c.cj)) || ' ' || c.pair, ' ')
    FROM (SELECT f.fi, f.fj, floor(f.fi / 5.0)::int AS ci, floor(f.fj / 5.0)::int AS cj, p.pair
          FROM area_cell_fine f
          JOIN area_pair p ON p.ward_code = f.ward_code AND p.lsoa_code = f.lsoa_code
                          AND p.area_code = f.area_code) c
    GROUP BY c.ci, c.cj;
    RETURN n;
END
$f$;

CREATE OR REPLACE FUNCTION contexts_refresh_place_cells(distance double precision)
RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    DELETE FROM place_cell;
    DELETE FROM place_cell_fine;
    INSERT INTO place_cell (ci, cj)
    SELECT DISTINCT i, j
    FROM place p,
         generate_series(floor((ST_XMin(p.geom) - distance) / 50)::int,
                         floor((ST_XMax(p.geom) + distance) / 50)::int) i,
         generate_series(floor((ST_YMin(p.geom) - distance) / 50)::int,
                         floor((ST_YMax(p.geom) + distance) / 50)::int) j
    WHERE ST_DWithin(p.geom, ST_MakeEnvelope(i * 50.0, j * 50.0, (i + 1) * 50.0,
                                             (j + 1) * 50.0, 27700), distance);
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO place_cell_fine (fi, fj, place_id)
    WITH reach AS MATERIALIZED (
        SELECT pl.place_id, ST_Buffer(pl.geom, distance, 16) AS reach FROM place pl
    )
    SELECT f.fi, f.fj, min(p.place_id)
    FROM (SELECT c.ci * 5 + a AS fi, c.cj * 5 + b AS fj,
                 ST_MakeEnvelope((c.ci * 5 + a) * 10.0, (c.cj * 5 + b) * 10.0,
                                 (c.ci * 5 + a + 1) * 10.0, (c.cj * 5 + b + 1) * 10.0,
                                 27700) AS box
          FROM place_cell c, generate_series(0, 4) a, generate_series(0, 4) b) f
    LEFT JOIN place p ON ST_DWithin(p.geom, f.box, distance)
    LEFT JOIN reach r ON r.place_id = p.place_id
    GROUP BY f.fi, f.fj
    HAVING count(p.place_id) = 0
        OR (count(p.place_id) = 1 AND bool_and(ST_Covers(r.reach, f.box)));
    RETURN n;
END
$f$;
GRANT EXECUTE ON FUNCTION contexts_interior_cells_by_size(text) TO contexts_loader, contexts_owner;
DROP FUNCTION contexts_interior_cells(text);

SELECT contexts_refresh_area_cells();
SELECT contexts_refresh_place_cells(50);

-- A load's statistics: the columns queries filter and group on (the geometry's, which took
-- a third of the time, serve no query: none filters incidents by a spatial test).
-- Autovacuum analyses the whole partition later.
CREATE OR REPLACE FUNCTION contexts_attach_incident_partition(p_extract bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    rel text := 'incident_x' || p_extract;
    bad text;
BEGIN
    EXECUTE format('ANALYZE %I (extract_id, month, harm_type, risk_level, age_band, '
                   'person_key, area_code, ward_code, lsoa_code, place_id, hex_i, hex_j)', rel);
    EXECUTE contexts_incident_references_sql(rel) INTO bad;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'foreign key violation: %', bad USING ERRCODE = 'foreign_key_violation';
    END IF;
    EXECUTE format('REVOKE ALL ON %I FROM contexts_loader', rel);
    EXECUTE format('ALTER TABLE incident ATTACH PARTITION %I FOR VALUES IN (%s)',
                   rel, p_extract);
END
$$;

-- The reference check of 0008 in two narrower groupings (the codes of the record; where
-- it is), each reference being checked on its own: 0.4 s instead of 0.65 s for a million
-- rows, as hashing 20,000 places and 60 kinds apart is cheaper than their 110,000 pairs.
CREATE OR REPLACE FUNCTION contexts_incident_references_sql(rel text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT bad FROM (
        SELECT CASE
                WHEN e.extract_id IS NULL THEN 'unknown extract ' || n.extract_id
                WHEN h.code IS NULL THEN 'unknown harm type ' || n.harm_type
                WHEN n.risk_level IS NOT NULL AND r.code IS NULL
                    THEN 'unknown risk level ' || n.risk_level
                ELSE 'unknown age band ' || n.age_band END AS bad
        FROM (SELECT extract_id, harm_type, risk_level, age_band FROM %1$I
              GROUP BY 1, 2, 3, 4) n
        LEFT JOIN extract e ON e.extract_id = n.extract_id
        LEFT JOIN harm_type h ON h.code = n.harm_type
        LEFT JOIN risk_level r ON r.code = n.risk_level
        LEFT JOIN age_band a ON a.code = n.age_band
        WHERE e.extract_id IS NULL OR h.code IS NULL
           OR (n.risk_level IS NOT NULL AND r.code IS NULL)
           OR (n.age_band IS NOT NULL AND a.code IS NULL)
        UNION ALL
        SELECT CASE
                WHEN n.ward_code IS NOT NULL AND w.ward_code IS NULL
                    THEN 'unknown ward ' || n.ward_code
                WHEN n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL
                    THEN 'unknown LSOA ' || n.lsoa_code
                WHEN n.place_id IS NOT NULL AND p.place_id IS NULL
                    THEN 'unknown place ' || n.place_id
                ELSE 'unknown area ' || n.area_code END
        FROM (SELECT ward_code, lsoa_code, place_id, area_code FROM %1$I
              GROUP BY 1, 2, 3, 4) n
        LEFT JOIN ward w ON w.ward_code = n.ward_code
        LEFT JOIN lsoa l ON l.lsoa_code = n.lsoa_code
        LEFT JOIN place p ON p.place_id = n.place_id
        LEFT JOIN area ar ON ar.area_code = n.area_code
        WHERE (n.ward_code IS NOT NULL AND w.ward_code IS NULL)
           OR (n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL)
           OR (n.place_id IS NOT NULL AND p.place_id IS NULL)
           OR (n.area_code IS NOT NULL AND ar.area_code IS NULL)
    ) found
    LIMIT 1
$q$, rel)
$f$;
