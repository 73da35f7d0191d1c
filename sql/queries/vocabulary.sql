-- One vocabulary table as (code, label), ordered for display.
SELECT code, label FROM harm_type WHERE %(vocab)s = 'harm_type'
UNION ALL SELECT code, label FROM risk_level WHERE %(vocab)s = 'risk_level'
UNION ALL SELECT code, label FROM age_band WHERE %(vocab)s = 'age_band'
UNION ALL SELECT code, label FROM place_category WHERE %(vocab)s = 'place_category'
UNION ALL SELECT code, label FROM intervention_type WHERE %(vocab)s = 'intervention_type'
ORDER BY 1
