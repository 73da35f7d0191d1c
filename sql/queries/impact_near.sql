-- Monthly incidents at places (target) and in the ring of %(buffer)s m around each
-- (buffer), for many places at once. "At a place" is one definition everywhere (issue
-- #27): the incidents the loader placed there (incident.place_id, found by the place's
-- cells), as the Place profile, the Map and the rollups count them; the ring is the rest
-- of the buffer around the polygon. one row of %(keys)s per place and window (its
-- place, first and last month, and the wards its ring touches, comma-separated). Of each
-- place's wards (through the ward-month index) only the 250 m hexagon cells covering its
-- ring are kept (%(cell_k)s, %(hex_i)s, %(hex_j)s: the cells of key k; a cell compared as
-- one number, i shifted left by %(cell_bits)s bits plus j), then each incident
-- is placed by geometry. The control, the rest of the surrounding wards, is their monthly
-- count (counts_ward) less these. ck: the cell key, the sum of the records' keys mod 256
-- (cell key method, migration 0011).
-- Through the definer function sql/functions/50_contexts_page_impact_near.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_impact_near(
    p_cell_bits => %(cell_bits)s::integer,
    p_cell_k => %(cell_k)s::integer[],
    p_hex_i => %(hex_i)s::integer[],
    p_hex_j => %(hex_j)s::integer[],
    p_buffer => %(buffer)s::double precision,
    p_keys => %(keys)s::integer[],
    p_place_ids => %(place_ids)s::integer[],
    p_firsts => %(firsts)s::date[],
    p_lasts => %(lasts)s::date[],
    p_wards => %(wards)s::text[],
    p_harms => %(harms)s::text[])
