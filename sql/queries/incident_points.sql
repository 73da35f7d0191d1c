-- Point-level incidents for analysts (never for partner or board views): the latest first.
-- Through the definer function sql/functions/50_contexts_page_incident_points.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_incident_points(
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[],
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[],
    p_limit => %(limit)s::bigint)
