-- The data's version stamp: the latest extract (changes whenever a file is loaded).
SELECT coalesce(max(extract_id), 0) FROM extract
