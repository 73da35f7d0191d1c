SELECT ST_AsBinary(ST_Union(geom)) FROM area
