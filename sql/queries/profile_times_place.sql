-- Incidents by day of week (1 = Monday) and hour, where a timestamp exists, at one place,
-- with the filters of the other pages.
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- Through the definer function sql/functions/50_contexts_page_profile_times_place.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_profile_times_place(
    p_unit_id => %(unit_id)s::text,
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[],
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[])
