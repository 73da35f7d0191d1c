-- A place's location assessments, the latest first (the fixed fields of issue #35, and
-- the factors of those loaded from files).
-- Through the definer function sql/functions/50_contexts_page_place_assessments.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_place_assessments(
    p_unit_id => %(unit_id)s::text)
