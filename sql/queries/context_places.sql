-- The places of concern where a context has a location.
-- Through the definer function sql/functions/50_contexts_page_context_places.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_places(
    p_context_id => %(context_id)s::bigint)
