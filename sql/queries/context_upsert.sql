-- Add a context, or change the fields of the one with this reference; its id. A file
-- carries no summary (free text is never loaded from files): loaded again, it keeps the
-- one typed on the page (%(keep_summary)s).
INSERT INTO context (ref, name, kind, status, lead_agency, summary, review_date, opened_on,
                     area_code, extract_id)
VALUES (%(ref)s, %(name)s, %(kind)s, %(status)s, %(lead_agency)s, %(summary)s,
        %(review_date)s, coalesce(%(opened_on)s, current_date),
        %(area_code)s, %(extract_id)s)
ON CONFLICT (ref) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind, status = EXCLUDED.status,
    lead_agency = EXCLUDED.lead_agency,
    summary = CASE WHEN %(keep_summary)s THEN context.summary ELSE EXCLUDED.summary END,
    review_date = EXCLUDED.review_date
RETURNING context_id
