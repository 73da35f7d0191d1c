UPDATE area a SET geom = u.geom
FROM (SELECT area_code, ST_Multi(ST_Union(geom)) AS geom FROM ward GROUP BY area_code) u
WHERE u.area_code = a.area_code
