-- One context's fields by reference, for the loader's review (the pages read contexts
-- through the definer function of context_list, migration 0023).
SELECT context_id, ref, name, kind, status, lead_agency, summary
FROM context WHERE ref = %(ref)s
