-- Link an intervention (by reference) to a context; the number of links made.
INSERT INTO context_intervention (context_id, intervention_id)
SELECT %(context_id)s, intervention_id FROM intervention WHERE ref = %(intervention_ref)s
ON CONFLICT DO NOTHING
