-- A context's history (status changes, ratings, actions, reviews), oldest first.
-- Through the definer function sql/functions/50_contexts_page_context_events.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_events(
    p_context_id => %(context_id)s::bigint)
