-- What a context is linked to, for the loader's checks when it saves one (the pages read
-- a context's parts through definer functions, migration 0023: context_places, ...):
-- the references of its places, the codes of its wards, and the references of the
-- interventions linked to it or at its places.
SELECT 'place' AS what, p.ref
FROM context_place cp JOIN place p ON p.place_id = cp.place_id
WHERE cp.context_id = %(context_id)s
UNION ALL
SELECT 'ward', cw.ward_code FROM context_ward cw WHERE cw.context_id = %(context_id)s
UNION ALL
SELECT 'intervention', i.ref
FROM intervention i
WHERE i.intervention_id IN (SELECT intervention_id FROM context_intervention
                            WHERE context_id = %(context_id)s)
   OR i.place_id IN (SELECT place_id FROM context_place WHERE context_id = %(context_id)s)
