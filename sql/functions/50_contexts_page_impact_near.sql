-- contexts_page_impact_near(integer, integer[], integer[], integer[], double precision, integer[], integer[], date[], date[], text[], text[])
--
-- The page read impact_near (sql/queries/impact_near.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
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
CREATE OR REPLACE FUNCTION contexts_page_impact_near(
    p_cell_bits integer,
    p_cell_k integer[],
    p_hex_i integer[],
    p_hex_j integer[],
    p_buffer double precision,
    p_keys integer[],
    p_place_ids integer[],
    p_firsts date[],
    p_lasts date[],
    p_wards text[],
    p_harms text[])
RETURNS TABLE (
    k integer,
    month date,
    zone text,
    n bigint,
    ck integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        WITH cells AS MATERIALIZED (
            SELECT k, array_agg((hex_i::bigint << $1) + hex_j) AS cells
            FROM unnest($2::int[], $3::int[], $4::int[]) AS c(k, hex_i, hex_j)
            GROUP BY k
        ), p AS MATERIALIZED (
            SELECT t.k, t.place_id, public.ST_Buffer(pl.geom, $5) AS outer_ring, t.first, t.last,
                   string_to_array(t.wards, ',') AS wards, c.cells
            FROM unnest($6::int[], $7::int[], $8::date[], $9::date[],
                        $10::text[]) AS t(k, place_id, first, last, wards)
            JOIN public.place pl ON pl.place_id = t.place_id
            JOIN cells c ON c.k = t.k
        )
        SELECT p.k, i.month,
               CASE WHEN i.place_id = p.place_id THEN 'target' ELSE 'buffer' END AS zone,
               count(*) AS n,
               (sum((hashint8extended(i.incident_id, (SELECT seed FROM public.disclosure_key)) & 255)::int) & 255)::int AS ck
        FROM p CROSS JOIN LATERAL (
            SELECT i.month, i.geom, i.incident_id, i.place_id
            FROM public.incident i
            WHERE i.ward_code = ANY(p.wards) AND i.month >= p.first AND i.month <= p.last
              AND ((i.hex_i::bigint << $1) + i.hex_j) = ANY(p.cells) AND i.geom IS NOT NULL
              AND ($11::text[] IS NULL OR i.harm_type = ANY($11::text[]))
            OFFSET 0  -- planned for each place apart: an index scan of its wards' months
        ) i
        WHERE i.place_id = p.place_id OR public.ST_Intersects(p.outer_ring, i.geom)
        GROUP BY 1, 2, 3
    $q$ USING p_cell_bits, p_cell_k, p_hex_i, p_hex_j, p_buffer, p_keys, p_place_ids, p_firsts, p_lasts, p_wards, p_harms;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_impact_near(integer, integer[], integer[], integer[], double precision, integer[], integer[], date[], date[], text[], text[])
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_impact_near(integer, integer[], integer[], integer[], double precision, integer[], integer[], date[], date[], text[], text[]) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_impact_near(integer, integer[], integer[], integer[], double precision, integer[], integer[], date[], date[], text[], text[]) TO
    contexts_dashboard;
