-- Incidents per month over the whole data set, from the monthly rollups (migration 0018:
-- rollup_ward_month holds every incident, with a ward or not): for the pages' period.
-- Through the definer function sql/functions/50_contexts_page_data_months.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_data_months()
