-- The first and last month with incidents (two probes of the month index, not a scan).
SELECT min(month) AS first, max(month) AS last FROM incident
