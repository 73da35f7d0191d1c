-- Monthly incidents around one place: at the place (target: the incidents the loader
-- placed there, incident.place_id, as every page counts "at a place"), in a ring of
-- ck: the cell key, the sum of the records' keys mod 256 (cell key method, migration 0011).
-- %(buffer)s m around it (buffer), and in the rest of the surrounding wards (control):
-- the ward(s) the place touches, the wards next to them, and any the ring reaches.
-- Incidents are picked by ward code (an equality row-level security lets use an index
-- for) and only then placed in a zone by geometry.
-- Through the definer function sql/functions/50_contexts_page_impact_series.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_impact_series(
    p_buffer => %(buffer)s::double precision,
    p_place_id => %(place_id)s::bigint,
    p_start => %(start)s::date,
    p_end => %(end)s::date,
    p_harms => %(harms)s::text[])
