-- Contexts of concern with their labels, latest rating, places and whether a review is due
-- on %(on)s. Row-level security limits a dashboard session to its areas.
-- Through the definer function sql/functions/50_contexts_page_context_list.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_list(
    p_on => %(on)s::date)
