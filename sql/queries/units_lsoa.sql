SELECT lsoa_code AS unit_id, name, ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y,
       ST_Area(geom) AS area_m2,
       ST_AsBinary(ST_Transform(ST_SimplifyPreserveTopology(geom, %(tolerance)s), 4326)) AS geom,
       ST_AsBinary(geom) AS geom_bng
FROM lsoa ORDER BY lsoa_code
