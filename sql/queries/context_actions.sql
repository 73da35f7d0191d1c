-- A context's actions, open ones first, by due date.
-- Through the definer function sql/functions/50_contexts_page_context_actions.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_actions(
    p_context_id => %(context_id)s::bigint)
