-- Incidents per hexagon of a grid other than the default (circumradius %(size)s m), cells
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- computed from the points; by month and/or harm type when asked.
-- Through the definer function sql/functions/50_contexts_page_counts_hex_sized.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_counts_hex_sized(
    p_by_month => %(by_month)s::boolean,
    p_by_harm => %(by_harm)s::boolean,
    p_size => %(size)s::double precision,
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[],
    p_risks => %(risks)s::text[],
    p_ages => %(ages)s::text[])
