-- Incidents per month and harm type at one place, with the filters of the other pages (so
-- the same incidents are the same cell everywhere).
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- From the monthly rollups (migration 0018): rollup_place_harm, or rollup_place when a risk
-- level or an age band is asked for (the other part is skipped whole).
-- Through the definer function sql/functions/50_contexts_page_profile_monthly_place.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_profile_monthly_place(
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[],
    p_unit_id => %(unit_id)s::text,
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[])
