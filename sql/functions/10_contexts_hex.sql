-- contexts_hex(double precision, double precision, double precision)
--
-- The hexagon cell of a point, identical to the cell of ST_HexagonGrid(size, ...) that
-- holds it (geo/stats/grid.py computes the same in numpy). Flat-topped, circumradius = size.
--
-- Made by migration 0002; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_hex(x double precision, y double precision, size double precision)
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

-- Who owns it and who may call it, whatever it was before.
REVOKE ALL ON FUNCTION contexts_hex(double precision, double precision, double precision) FROM
    PUBLIC, contexts_owner, contexts_loader, contexts_dashboard, contexts_auditor,
    contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_hex(double precision, double precision, double precision) TO
    PUBLIC, contexts_loader, contexts_dashboard;
