-- Pseudonymous keys seen at places (for the complex-strategy flag); the timestamp's date,
-- or the first of the month when there is none. From rollup_place_person (migration
-- 0019): each distinct (place, key, day) of an extract once (the flag counts distinct
-- people, so repeats change nothing).
-- Through the definer function sql/functions/50_contexts_page_keyed_at_places.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_keyed_at_places(
    p_start => %(start)s::date,
    p_end => %(end)s::date)
