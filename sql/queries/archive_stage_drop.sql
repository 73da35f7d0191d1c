-- The temporary tables a file's load made (every one is ON COMMIT DROP), dropped before
-- the next file of a police.uk download (geo/ingest/_archive.py), which loads in the same
-- transaction and makes them again.
DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT relname FROM pg_class
             WHERE relnamespace = pg_my_temp_schema() AND relkind IN ('r', 'p')
    LOOP
        EXECUTE 'DROP TABLE IF EXISTS pg_temp.' || quote_ident(t);
    END LOOP;
END $$
