-- Duplicates across extracts (issue #29): a record already loaded from an older extract
-- is replaced by the newer extract's, never counted twice (docs/loading.md, "The same
-- records in two files"). An incident is the same record when it has the same crime key
-- (police.uk's Crime ID or a force's declared key, pseudonymised) in the same month, or,
-- with no key, when every stored field is identical (matched one to one); a police.uk
-- outcome when it has the same crime key and month. The older rows are deleted in the
-- newer load's transaction (their extracts' monthly rollups recomputed for the months
-- touched), and what was replaced is recorded here: the newer extract, the older one, what
-- and how many.
CREATE TABLE extract_replacement (
    extract_id       bigint NOT NULL REFERENCES extract,
    replaced_extract bigint NOT NULL REFERENCES extract,
    what             text NOT NULL CHECK (what IN ('incidents', 'outcomes')),
    rows_replaced    integer NOT NULL CHECK (rows_replaced > 0),
    PRIMARY KEY (extract_id, replaced_extract, what),
    CHECK (replaced_extract < extract_id)
);
CREATE INDEX extract_replacement_replaced ON extract_replacement (replaced_extract);
GRANT SELECT, INSERT ON extract_replacement TO contexts_loader;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON extract_replacement TO contexts_owner;

-- The monthly rollups (migration 0018) of the older extracts are recomputed for the months
-- whose rows were replaced: the loader deletes their rows (it may already: SELECT, INSERT,
-- DELETE) and sums them again from incident.
