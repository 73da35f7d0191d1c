-- The actions agreed at a place's location assessments, newest assessment first.
-- Through the definer function sql/functions/50_contexts_page_place_assessment_actions.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_place_assessment_actions(
    p_unit_id => %(unit_id)s::text)
