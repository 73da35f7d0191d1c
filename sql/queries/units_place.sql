-- Places of concern as analysis units (with category, status and reference).
SELECT p.place_id::text AS unit_id, p.name, p.ref, p.category, p.status, p.synthetic,
       ST_X(ST_Centroid(p.geom)) AS x, ST_Y(ST_Centroid(p.geom)) AS y, ST_Area(p.geom) AS area_m2,
       ST_AsBinary(ST_Transform(p.geom, 4326)) AS geom, ST_AsBinary(p.geom) AS geom_bng
FROM place p ORDER BY p.place_id
