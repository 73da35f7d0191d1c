-- How many of a load's incidents fall outside the coverage it declares (migration 0013):
-- for wards and LSOAs, those assigned to none of them; for a polygon, those whose point
-- lies outside it. Written in the load's transaction, after the incidents.
UPDATE extract_coverage c SET rows_outside = (
    SELECT count(*) FROM incident i
    WHERE i.extract_id = c.extract_id
      AND CASE WHEN c.kind = 'units'
               THEN NOT (coalesce(i.ward_code = ANY (c.codes), false)
                         OR coalesce(i.lsoa_code = ANY (c.codes), false))
               ELSE i.geom IS NOT NULL AND NOT ST_Intersects(c.geom, i.geom) END)
WHERE c.extract_id = %(extract_id)s AND c.kind <> 'area'
RETURNING rows_outside
