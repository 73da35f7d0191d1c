-- The intervention register with place and type labels.
SELECT i.intervention_id, i.ref, i.place_id, p.ref AS place_ref, p.name AS place_name,
       i.type, t.label AS type_label, i.agency, i.start_month, i.end_month, i.description
FROM intervention i
JOIN place p USING (place_id)
JOIN intervention_type t ON t.code = i.type
ORDER BY i.start_month, i.ref
