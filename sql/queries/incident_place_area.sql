-- Staged rows located only by a ward or LSOA code: they count for that area (and the ward
-- holding the LSOA's interior point), never for a place or a grid cell.
-- As they will be written (incident_insert.sql).
INSERT INTO stage_incident_placed (incident_id, extract_id, source_row, month, occurred_at, harm_type,
                                   risk_level, age_band, person_key, crime_key, area_code, ward_code, lsoa_code)
SELECT (%(extract_id)s::bigint << %(id_shift)s::int) + s.source_row,  -- as incident_copy
       %(extract_id)s, s.source_row, s.month, s.occurred_at, s.harm_type, s.risk_level,
       s.age_band, s.person_key, s.crime_key, coalesce(w.area_code, l.area_code),
       coalesce(w.ward_code, lw.ward_code), l.lsoa_code
FROM stage_incident s
LEFT JOIN ward w ON w.ward_code = s.ward_code
LEFT JOIN lsoa l ON l.lsoa_code = s.lsoa_code
LEFT JOIN LATERAL (
    SELECT w2.ward_code FROM ward w2
    WHERE l.geom IS NOT NULL AND ST_Intersects(w2.geom, ST_PointOnSurface(l.geom))
    ORDER BY w2.ward_code LIMIT 1
) lw ON s.ward_code IS NULL
WHERE s.geom IS NULL
