-- Faster loading of incidents.
--
-- 1. A grid of 50 m cells that lie wholly inside one ward and one LSOA (about 70% of the
-- incidents of the sample fall in one). A point in such a cell belongs to that ward and
-- that LSOA with no geometry test; only the others are tested against the polygons. A
-- cell counts only if it lies in the interior of its polygon (ST_ContainsProperly), and a
-- layer whose polygons overlap gets no cells at all, so the answer is always the one the
-- point-in-polygon test would give. Cells are found on two levels: 200 m squares, and the
-- 50 m squares of the 200 m squares that cross a boundary.
--
-- 2. The 50 m cells within the place distance of a place: a point elsewhere is near no
-- place, with no geometry test.
--
-- Both are rebuilt whenever wards, LSOAs or places are loaded, in the same transaction.
--
-- 3. Two indexes no query uses (none of the 164 tests scanned them, nor the benchmarks);
-- kept up to date on every insert they cost 8 s of a million-row load.
DROP INDEX incident_geom_gist, incident_hex;

CREATE TABLE area_cell (
    ci        integer NOT NULL,
    cj        integer NOT NULL,
    ward_code text NOT NULL,
    lsoa_code text NOT NULL,
    area_code text NOT NULL,
    PRIMARY KEY (ci, cj)
);
CREATE TABLE place_cell (
    ci integer NOT NULL,
    cj integer NOT NULL,
    PRIMARY KEY (ci, cj)
);
GRANT SELECT, INSERT, DELETE ON area_cell, place_cell TO contexts_loader;
GRANT ALL ON area_cell, place_cell TO contexts_owner;

-- The 50 m cells in the interior of each polygon of a layer (ward or lsoa).
CREATE FUNCTION contexts_interior_cells(layer text)
RETURNS TABLE (ci integer, cj integer, code text, area_code text)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
    IF layer NOT IN ('ward', 'lsoa') THEN
        RAISE EXCEPTION 'unknown layer %', layer;
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH coarse AS (
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
        )
        SELECT (c.i * 4 + a)::int, (c.j * 4 + b)::int, c.code, c.area_code
        FROM coarse c, generate_series(0, 3) a, generate_series(0, 3) b
        WHERE c.inside OR ST_ContainsProperly(c.geom, ST_MakeEnvelope(
            (c.i * 4 + a) * 50.0, (c.j * 4 + b) * 50.0,
            (c.i * 4 + a + 1) * 50.0, (c.j * 4 + b + 1) * 50.0, 27700))
    $q$, layer, layer || '_code');
END
$f$;

CREATE FUNCTION contexts_refresh_area_cells() RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    DELETE FROM area_cell;
    IF EXISTS (SELECT 1 FROM ward a JOIN ward b ON a.ward_code < b.ward_code
               AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'T********'))
       OR EXISTS (SELECT 1 FROM lsoa a JOIN lsoa b ON a.lsoa_code < b.lsoa_code
                  AND a.geom && b.geom AND ST_Relate(a.geom, b.geom, 'T********')) THEN
        RETURN 0;  -- overlapping polygons: every point is tested
    END IF;
    INSERT INTO area_cell (ci, cj, ward_code, lsoa_code, area_code)
    SELECT w.ci, w.cj, w.code, l.code, w.area_code
    FROM contexts_interior_cells('ward') w
    JOIN contexts_interior_cells('lsoa') l USING (ci, cj);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$f$;

CREATE FUNCTION contexts_refresh_place_cells(distance double precision) RETURNS bigint
LANGUAGE plpgsql AS $f$
DECLARE
    n bigint;
BEGIN
    DELETE FROM place_cell;
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
    RETURN n;
END
$f$;
GRANT EXECUTE ON FUNCTION contexts_interior_cells(text), contexts_refresh_area_cells(),
    contexts_refresh_place_cells(double precision) TO contexts_loader, contexts_owner;

SELECT contexts_refresh_area_cells();
SELECT contexts_refresh_place_cells(50);
