-- contexts_refresh_area_cells()
--
-- Rebuild the cells of spatial assignment from the wards and LSOAs (docs/loading.md):
-- area_cell, the 50 m cells wholly inside one ward and one LSOA; area_cell_fine, the 10 m
-- cells inside one ward and one LSOA in the 50 m cells that are not; area_pair and
-- area_cell_fine_pack, what a load reads of them. None when a layer's polygons overlap, or
-- while either layer is empty. Returns the number of 50 m cells. Run in the transaction of
-- a load of wards or LSOAs.
--
-- Made by migrations 0007, 0009; this file is its definition now (sql/functions/README.md).
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

-- Who owns it and who may call it, whatever it was before.
REVOKE ALL ON FUNCTION contexts_refresh_area_cells() FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_refresh_area_cells() TO PUBLIC, contexts_loader,
    contexts_owner;
