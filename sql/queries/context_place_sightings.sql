-- Pseudonymous keys seen at places in a period, with the day (timestamp's date, or the
-- first of the month): the sightings of the peer and place networks (analysts).
-- Through the definer function sql/functions/50_contexts_page_context_place_sightings.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_context_place_sightings(
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[],
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[])
