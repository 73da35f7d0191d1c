-- Incidents per lsoa of the filtered period; by month and/or harm type when asked.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- From the monthly rollups (migration 0018), at the smallest level the filters allow:
-- rollup_lsoa_month with no harm type, risk level or age band asked for (and no split by
-- harm type), rollup_lsoa_harm with harm types only, rollup_lsoa with a risk level or an
-- age band (the other parts are skipped whole).
-- Through the definer function sql/functions/50_contexts_page_counts_lsoa.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_counts_lsoa(
    p_by_month => %(by_month)s::boolean,
    p_harms => %(harms)s::text[],
    p_by_harm => %(by_harm)s::boolean,
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[],
    p_start => %(start)s::date,
    p_end => %(end)s::date)
