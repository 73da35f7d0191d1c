-- A context's dated risk ratings: its own (reviews) and the location assessments of its
-- places, oldest first.
-- Through the definer function sql/functions/50_contexts_page_context_ratings.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_ratings(
    p_context_id => %(context_id)s::bigint)
