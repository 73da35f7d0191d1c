-- contexts_page_context_list(date)
--
-- The page read context_list (sql/queries/context_list.sql calls it), as the dashboard
-- role may run it: through this definer function, owned by contexts_reader, whose row-level
-- security is the dashboard's (the areas of the transaction's pass). The dashboard role
-- reads no area table itself, so EXPLAIN cannot show it rows the policies hide
-- (issue #28, problem 5; docs/security.md, section 10). Planned at each call with its
-- arguments (EXECUTE ... USING), as the statement was when the page sent it.
--
-- Contexts of concern with their labels, latest rating, places and whether a review is due
-- on %(on)s. Row-level security limits a dashboard session to its areas.
CREATE OR REPLACE FUNCTION contexts_page_context_list(
    p_on date)
RETURNS TABLE (
    context_id bigint,
    ref text,
    name text,
    kind text,
    kind_label text,
    status text,
    status_label text,
    status_sort integer,
    lead_agency text,
    summary text,
    review_date date,
    opened_on date,
    area_code text,
    review_due boolean,
    rating text,
    places bigint,
    wards bigint,
    open_actions bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp SET client_min_messages = notice AS $fn$
BEGIN
    RETURN QUERY EXECUTE $q$
        SELECT c.context_id, c.ref, c.name, c.kind, k.label AS kind_label, c.status,
               s.label AS status_label, s.sort AS status_sort, c.lead_agency, c.summary,
               c.review_date, c.opened_on, c.area_code,
               (c.status <> 'closed' AND c.review_date IS NOT NULL AND c.review_date <= $1)
                   AS review_due,
               (SELECT r.rating FROM public.context_rating r WHERE r.context_id = c.context_id
                ORDER BY r.rated_on DESC, r.rating_id DESC LIMIT 1) AS rating,
               (SELECT count(*) FROM public.context_place p WHERE p.context_id = c.context_id) AS places,
               (SELECT count(*) FROM public.context_ward w WHERE w.context_id = c.context_id) AS wards,
               (SELECT count(*) FROM public.context_action a
                WHERE a.context_id = c.context_id AND a.done_on IS NULL) AS open_actions
        FROM public.context c
        JOIN public.context_kind k ON k.code = c.kind
        JOIN public.context_status s ON s.code = c.status
        ORDER BY s.sort, c.review_date NULLS LAST, c.ref
    $q$ USING p_on;
END
$fn$;

-- Who owns it and who may call it, whatever it was before.
ALTER FUNCTION contexts_page_context_list(date)
    OWNER TO contexts_reader;
REVOKE ALL ON FUNCTION contexts_page_context_list(date) FROM
    PUBLIC, contexts_owner, contexts_loader,
    contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_page_context_list(date) TO
    contexts_dashboard;
