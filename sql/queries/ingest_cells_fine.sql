-- The 10 m cells wholly inside one ward and one LSOA (migration 0009).
SELECT fi, fj, ward_code, lsoa_code, area_code FROM area_cell_fine
