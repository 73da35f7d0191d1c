-- Places by reference; each belongs to the area it overlaps most.
INSERT INTO place (ref, name, category, status, flagged_on, synthetic, area_code, extract_id, geom)
SELECT s.ref, s.name, s.category, s.status, s.flagged_on, s.synthetic,
       (SELECT area_code FROM area WHERE ST_Intersects(area.geom, s.geom)
        ORDER BY ST_Area(ST_Intersection(area.geom, ST_MakeValid(s.geom))) DESC, area_code
        LIMIT 1),
       %(extract_id)s, ST_Multi(ST_CollectionExtract(ST_MakeValid(s.geom), 3))
FROM stage_place s
ON CONFLICT (ref) DO UPDATE
SET name = EXCLUDED.name, category = EXCLUDED.category, status = EXCLUDED.status,
    flagged_on = EXCLUDED.flagged_on, synthetic = EXCLUDED.synthetic,
    area_code = EXCLUDED.area_code, extract_id = EXCLUDED.extract_id, geom = EXCLUDED.geom
