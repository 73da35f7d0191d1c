-- Incidents as points with their day (the timestamp's date, or none) and month, for the
-- near-repeat (Knox) test: computed on the server, never shown as points.
-- Through the definer function sql/functions/50_contexts_page_near_repeat_points.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_near_repeat_points(
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[],
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[])
