-- Places of concern as analysis units (with category, status and reference).
-- Through the definer function sql/functions/50_contexts_page_units_place.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_units_place()
