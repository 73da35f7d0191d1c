-- What the incidents that pass the filters cover (migration 0013): the incident extracts
-- with at least one such incident, and the union of what they declare. One of them with no
-- declared coverage (loaded before 0013) or declared as the whole area makes it the whole
-- area. The share is of the area's surface.
-- Through the definer function sql/functions/50_contexts_page_coverage_selected.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_coverage_selected(
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[],
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[])
