-- Real extracts (issue #15): police.uk in all its shapes, and quarantine that keeps no
-- free values.

-- A quarantined row keeps its number, reason, the column at fault and a description;
-- row_values holds only known, non-identifying fields (month, harm type, risk level, age
-- band, coordinates rounded to about 100 m). Rows quarantined before kept whole rows,
-- which could hold anything: their values are dropped.
ALTER TABLE quarantine ADD COLUMN column_name text NOT NULL DEFAULT '';
UPDATE quarantine SET row_values = '{}' WHERE row_values <> '{}';

-- police.uk's Crime ID, kept only as a keyed pseudonym (HMAC-SHA256, as person_key): it
-- links a crime to its outcomes. The partitions of incident take the column with it.
ALTER TABLE incident ADD COLUMN crime_key text
    CHECK (octet_length(crime_key) = 64 AND crime_key !~ '[^0-9a-f]');

-- police.uk stop-and-search records are loaded as incidents of their own kind.
INSERT INTO harm_type (code, label, description) VALUES
 ('stop_search', 'Stop and search', 'police.uk stop-and-search records (any object of search)')
ON CONFLICT (code) DO NOTHING;

-- police.uk outcomes files: what became of a crime, by its pseudonymous key.
CREATE TABLE crime_outcome (
    extract_id bigint NOT NULL REFERENCES extract,
    source_row integer NOT NULL,
    crime_key  text NOT NULL CHECK (octet_length(crime_key) = 64 AND crime_key !~ '[^0-9a-f]'),
    month      date NOT NULL CHECK (extract(day FROM month) = 1),
    outcome    text NOT NULL,
    PRIMARY KEY (extract_id, source_row)
);
CREATE INDEX crime_outcome_key ON crime_outcome (crime_key);
GRANT SELECT, INSERT, DELETE ON crime_outcome TO contexts_loader;
GRANT ALL ON crime_outcome TO contexts_owner;

-- File names recorded before that could identify someone (a postcode, an e-mail address,
-- a full date, two capitalised words in a row, "DOB" or "name") take the name new loads
-- give such files: upload-<first 8 hex digits of the sha256>.
UPDATE extract SET file_name = 'upload-' || left(file_sha256, 8)
WHERE file_name ~* '[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}'
   OR file_name ~ '@'
   OR file_name ~ '\d{1,2}[-_./ ]\d{1,2}[-_./ ](\d{4}|\d{2})'
   OR file_name ~ '\d{4}[-_./ ]\d{1,2}[-_./ ]\d{1,2}'
   OR file_name ~ '[A-Z][a-z]+[ _.-]+[A-Z][a-z]+'
   OR file_name ~* '(^|[^a-z])(dob|name|surname|forename|nhs)([^a-z]|$)';
