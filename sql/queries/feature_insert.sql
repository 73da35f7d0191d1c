-- A feature layer's rows, replacing the layer's earlier features (a layer loaded again is
-- the newer list of its features, not an addition to it).
WITH gone AS (
    DELETE FROM feature WHERE layer IN (SELECT DISTINCT layer FROM stage_feature)
)
INSERT INTO feature (layer, extract_id, geom)
SELECT s.layer, %(extract_id)s, s.geom FROM stage_feature s
