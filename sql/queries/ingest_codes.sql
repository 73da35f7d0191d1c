-- Every code validation needs, as (kind, code, id) rows.
SELECT 'ward' AS kind, ward_code AS code, NULL::bigint AS id FROM ward
UNION ALL SELECT 'lsoa', lsoa_code, NULL FROM lsoa
UNION ALL SELECT 'place', ref, place_id FROM place
UNION ALL SELECT 'place_category', code, NULL FROM place_category
UNION ALL SELECT 'intervention_type', code, NULL FROM intervention_type
