INSERT INTO lsoa (lsoa_code, name, area_code, extract_id, geom)
SELECT s.code, s.name, a.area_code, %(extract_id)s,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(s.geom), 3))
FROM stage_polygon s
JOIN LATERAL (
    SELECT area_code FROM area
    WHERE area_code = s.area_code OR ST_Intersects(area.geom, ST_PointOnSurface(s.geom))
    ORDER BY area_code = s.area_code DESC LIMIT 1
) a ON true
ON CONFLICT (lsoa_code) DO UPDATE
SET name = EXCLUDED.name, area_code = EXCLUDED.area_code, extract_id = EXCLUDED.extract_id,
    geom = EXCLUDED.geom
