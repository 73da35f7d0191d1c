-- Every feature of the loaded layers and every place of concern by its category, as
-- feature layers for risk terrain modelling (EPSG:27700 WKB).
SELECT 'layer' AS source, layer AS name, ST_AsBinary(geom) AS wkb FROM feature
UNION ALL
SELECT 'place', category, ST_AsBinary(geom) FROM place
