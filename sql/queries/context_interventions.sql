-- Interventions on a context: those linked to it and those at its places.
-- Through the definer function sql/functions/50_contexts_page_context_interventions.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_interventions(
    p_context_id => %(context_id)s::bigint)
