-- Places of concern inside a ward.
SELECT p.place_id::text AS unit_id, p.name, p.category, p.status FROM place p
JOIN ward w ON ST_Intersects(w.geom, ST_PointOnSurface(p.geom))
WHERE w.ward_code = %(unit_id)s ORDER BY p.name
