-- The union of all areas, widened by a tolerance (m), for the bounds check of points.
SELECT ST_AsBinary(ST_Buffer(ST_Union(geom), %(tolerance)s)) FROM area
