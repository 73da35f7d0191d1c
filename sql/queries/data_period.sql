-- The first and last month with incidents, from the monthly rollups (migration 0018:
-- rollup_ward_month holds every incident, with a ward or not).
-- Through the definer function sql/functions/50_contexts_page_data_period.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_data_period()
