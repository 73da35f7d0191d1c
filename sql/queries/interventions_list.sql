-- The intervention register with place and type labels.
-- Through the definer function sql/functions/50_contexts_page_interventions_list.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_interventions_list()
