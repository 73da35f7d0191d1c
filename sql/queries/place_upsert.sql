INSERT INTO place (ref, name, category, status, flagged_on, synthetic, area_code, extract_id, geom)
SELECT s.ref, s.name, s.category, s.status, s.flagged_on, s.synthetic,
       (SELECT area_code FROM area WHERE ST_Intersects(area.geom, ST_PointOnSurface(s.geom))
        ORDER BY area_code LIMIT 1),
       %(extract_id)s, ST_Multi(ST_CollectionExtract(ST_MakeValid(s.geom), 3))
FROM stage_place s
ON CONFLICT (ref) DO UPDATE
SET name = EXCLUDED.name, category = EXCLUDED.category, status = EXCLUDED.status,
    flagged_on = EXCLUDED.flagged_on, synthetic = EXCLUDED.synthetic,
    area_code = EXCLUDED.area_code, extract_id = EXCLUDED.extract_id, geom = EXCLUDED.geom
