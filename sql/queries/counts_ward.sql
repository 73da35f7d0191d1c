-- The pages' counts per ward, through the definer function
-- sql/functions/50_contexts_page_counts_ward.sql (which says what it counts, and how): the
-- dashboard role reads no area table itself (docs/security.md, section 10).
-- Generated from geo/store/rollup_schema.py (`python -m geo.store.rollup_schema`):
-- edit there, not here.
SELECT * FROM public.contexts_page_counts_ward(
    p_by_month => %(by_month)s::boolean,
    p_harms => %(harms)s::text[],
    p_by_harm => %(by_harm)s::boolean,
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[],
    p_start => %(start)s::date,
    p_end => %(end)s::date)
