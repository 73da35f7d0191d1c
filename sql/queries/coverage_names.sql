-- The wards and LSOAs an extract may declare it covers (migration 0013), by code and name.
SELECT 'ward' AS kind, ward_code AS code, name FROM ward
UNION ALL
SELECT 'lsoa', lsoa_code, name FROM lsoa
ORDER BY 1 DESC, 3
