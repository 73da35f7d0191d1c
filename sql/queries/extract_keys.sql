-- The loaded extracts of pseudonymised identifiers made with another key than the given
-- fingerprint's (migration 0010): loading more would mix pseudonyms that cannot match.
SELECT key_fingerprint, min(extract_id) AS first, count(*) AS extracts
FROM extract
WHERE kind = %(kind)s AND status = 'loaded' AND key_fingerprint IS NOT NULL
  AND key_fingerprint <> %(fingerprint)s
GROUP BY key_fingerprint
