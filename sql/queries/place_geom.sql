-- A place's polygon (EPSG:27700 WKB), if the connection may see the place.
-- Through the definer function sql/functions/50_contexts_page_place_geom.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_place_geom(
    p_place_id => %(place_id)s::text)
