-- The months the incidents cover, and how many there are (the data's version stamp).
SELECT min(month) AS first, max(month) AS last, count(*) AS incidents,
       (SELECT coalesce(max(extract_id), 0) FROM extract) AS version
FROM incident
