-- The 50 m cells wholly inside one ward and one LSOA (migration 0007), for validation to
-- place the incidents that fall in them.
SELECT ci, cj, ward_code, lsoa_code, area_code FROM area_cell
