-- The ward, LSOA and area of each pair numbered in area_cell_fine_pack (migration 0009).
SELECT pair, ward_code, lsoa_code, area_code FROM area_pair ORDER BY pair
