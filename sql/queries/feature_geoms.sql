-- Every feature of the loaded layers, as feature layers for risk terrain modelling
-- (EPSG:27700 WKB); the places of concern by category are place_geoms.sql (an area
-- table: through its page function).
SELECT 'layer' AS source, layer AS name, ST_AsBinary(geom) AS wkb FROM feature
