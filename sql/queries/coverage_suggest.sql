-- The wards a sample of a file's points falls in (the Upload page's suggestion of what an
-- incidents file covers, issue #31), with how many of the points each holds.
SELECT w.ward_code AS code, w.name, count(*)::int AS points
FROM unnest(%(xs)s::float8[], %(ys)s::float8[]) AS p(x, y)
JOIN ward w ON ST_Intersects(w.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 27700))
GROUP BY w.ward_code, w.name
ORDER BY points DESC, w.name
