-- Whether a place is one the connection may see (row-level security by area).
-- Through the definer function sql/functions/50_contexts_page_place_visible.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_place_visible(
    p_place_id => %(place_id)s::bigint)
