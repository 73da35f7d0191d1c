-- The feature layers loaded for risk terrain modelling, with how many features each has.
SELECT layer, count(*) AS features, max(extract_id) AS extract_id
FROM feature GROUP BY layer ORDER BY layer
