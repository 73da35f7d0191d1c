-- Places of concern inside a ward.
-- Through the definer function sql/functions/50_contexts_page_ward_places.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_ward_places(
    p_unit_id => %(unit_id)s::text)
