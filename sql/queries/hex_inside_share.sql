-- Each hexagon of the grid of circumradius %(size)s m that meets the area boundary, with
-- the share of its area inside the boundary (1 for a whole hexagon, less where the
-- boundary cuts it): Gi* scores a hexagon on its count less what that area would hold
-- (issue #30). ST_HexagonGrid's (i, j) are the cells of geo/stats/grid.py.
WITH b AS (SELECT ST_Union(geom) AS geom FROM area)
SELECT h.i, h.j, ST_Area(ST_Intersection(h.geom, b.geom)) / ST_Area(h.geom) AS inside_share
FROM b, ST_HexagonGrid(%(size)s, b.geom) h
WHERE ST_Intersects(h.geom, b.geom)
