-- File names are never stored (issue #29): loads since migration 0021 record a neutral
-- label ("incidents upload, 2026-12 (3fa2c1d0)": the kind, the month of the load and the
-- first digits of the file's sha256; geo.ingest._guard.load_label). Extracts loaded before
-- still carry the file's own name, which may hold a child's ("jayden_okafor_referral.csv"):
-- relabel every ledger row whose name is a file name (it ends in a file extension; a label
-- an analyst typed, or a police.uk archive member's "police.uk 2017-10 street, ...", does
-- not), in its name and in its message.
--
-- The audit log is not rewritten: it is append-only by design (migration 0020; nobody, the
-- owner included, may change a row), and only admins read it. Its older rows may name
-- files; docs/security.md says so.
WITH renamed AS (
    SELECT extract_id, file_name AS old_name,
           kind || ' upload, ' || to_char(loaded_at, 'YYYY-MM') || ' ('
               || left(file_sha256, 8) || ')' AS new_name
    FROM extract
    WHERE file_name ~* '\.(csv|tsv|txt|xlsx|xls|geojson|json|gpkg|zip|shp)$'
)
UPDATE extract e
SET file_name = r.new_name,
    message = replace(e.message, r.old_name, r.new_name)
FROM renamed r
WHERE e.extract_id = r.extract_id;
