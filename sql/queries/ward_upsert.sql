-- Areas first (a new area takes the union of its wards), then the wards, repaired with
-- ST_MakeValid; then every touched area's boundary becomes the union of its wards.
WITH fixed AS (
    SELECT code, name, area_code, area_name,
           ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3)) AS geom
    FROM stage_polygon
), new_area AS (
    INSERT INTO area (area_code, name, extract_id, geom)
    SELECT area_code, min(area_name), %(extract_id)s, ST_Multi(ST_Union(geom))
    FROM fixed GROUP BY area_code
    ON CONFLICT (area_code) DO NOTHING
)
INSERT INTO ward (ward_code, name, area_code, extract_id, geom)
SELECT code, name, area_code, %(extract_id)s, geom FROM fixed
ON CONFLICT (ward_code) DO UPDATE
SET name = EXCLUDED.name, area_code = EXCLUDED.area_code, extract_id = EXCLUDED.extract_id,
    geom = EXCLUDED.geom
