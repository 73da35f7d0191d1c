-- Young people per unit of one kind (ward or LSOA), from the latest year loaded for each.
SELECT DISTINCT ON (unit_code) unit_code AS unit_id, young_people, year
FROM population
WHERE unit_kind = %(kind)s
ORDER BY unit_code, year DESC
