-- contexts_interior_cells_by_size(text)
--
-- The cells in the interior of each polygon of a layer (ward or lsoa), in one pass down
-- three levels: 200 m squares, the 50 m squares of those that cross a boundary (all 16
-- of those that do not), and the 10 m squares of the 50 m squares that cross one. Returns
-- the interior 50 m cells (as 0007's contexts_interior_cells, which it replaces) and the
-- interior 10 m cells of the crossing 50 m cells, each 50 m test made once.
--
-- Made by migration 0009; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_interior_cells_by_size(layer text)
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

-- Who owns it and who may call it, whatever it was before.
REVOKE ALL ON FUNCTION contexts_interior_cells_by_size(text) FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_interior_cells_by_size(text) TO PUBLIC, contexts_loader,
    contexts_owner;
