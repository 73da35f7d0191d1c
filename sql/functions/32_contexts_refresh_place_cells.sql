-- contexts_refresh_place_cells(double precision)
--
-- Rebuild place_cell, the 50 m cells within ``distance`` of a place (a point elsewhere
-- is near no place, with no geometry test), and place_cell_fine, their 10 m cells whose
-- place is settled: no place within the distance of any part of the cell (place_id NULL),
-- or exactly one and the whole cell within the distance of it. Returns the number of 50 m
-- cells. Run in the transaction of a load of places.
--
-- Made by migrations 0007, 0009; this file is its definition now (sql/functions/README.md).
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

-- Who owns it and who may call it, whatever it was before.
REVOKE ALL ON FUNCTION contexts_refresh_place_cells(double precision) FROM PUBLIC,
    contexts_owner, contexts_loader, contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_refresh_place_cells(double precision) TO PUBLIC,
    contexts_loader, contexts_owner;
