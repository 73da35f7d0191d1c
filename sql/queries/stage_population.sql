CREATE TEMP TABLE stage_population (
    unit_kind text, unit_code text, year integer, young_people integer
) ON COMMIT DROP
