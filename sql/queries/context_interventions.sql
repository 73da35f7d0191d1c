-- Interventions on a context: those linked to it and those at its places.
SELECT DISTINCT i.intervention_id, i.ref, i.type, t.label AS type_label, i.agency,
       i.start_month, i.end_month, p.name AS place_name
FROM intervention i
JOIN intervention_type t ON t.code = i.type
JOIN place p ON p.place_id = i.place_id
WHERE i.intervention_id IN (SELECT intervention_id FROM context_intervention
                            WHERE context_id = %(context_id)s)
   OR i.place_id IN (SELECT place_id FROM context_place WHERE context_id = %(context_id)s)
ORDER BY i.start_month, i.ref
