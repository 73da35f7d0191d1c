-- Contexts of concern with their labels, latest rating, places and whether a review is due
-- on %(on)s. Row-level security limits a dashboard session to its areas.
SELECT c.context_id, c.ref, c.name, c.kind, k.label AS kind_label, c.status,
       s.label AS status_label, s.sort AS status_sort, c.lead_agency, c.summary,
       c.review_date, c.opened_on, c.area_code,
       (c.status <> 'closed' AND c.review_date IS NOT NULL AND c.review_date <= %(on)s)
           AS review_due,
       (SELECT r.rating FROM context_rating r WHERE r.context_id = c.context_id
        ORDER BY r.rated_on DESC, r.rating_id DESC LIMIT 1) AS rating,
       (SELECT count(*) FROM context_place p WHERE p.context_id = c.context_id) AS places,
       (SELECT count(*) FROM context_ward w WHERE w.context_id = c.context_id) AS wards,
       (SELECT count(*) FROM context_action a
        WHERE a.context_id = c.context_id AND a.done_on IS NULL) AS open_actions
FROM context c
JOIN context_kind k ON k.code = c.kind
JOIN context_status s ON s.code = c.status
ORDER BY s.sort, c.review_date NULLS LAST, c.ref
