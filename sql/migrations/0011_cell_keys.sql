-- Disclosure control by the cell key method (issue #14, docs/disclosure.md).
--
-- Every incident has a fixed random record key 0..255: a keyed hash of its id,
--     hashint8extended(incident_id, seed) & 255,
-- computed in the counting queries (so loads need no change and a record always has the
-- same key). The seed is drawn at random once, when this migration runs, and is secret:
-- without it nobody can tell which key a record has. A cell's key is the sum of its
-- records' keys mod 256 (the queries return it as ck); the published value is looked up
-- from the count and the cell key in the perturbation table (geo/stats/disclosure.py).
CREATE TABLE disclosure_key (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seed bigint NOT NULL
);
INSERT INTO disclosure_key (seed)
SELECT ('x' || substr(md5(random()::text || clock_timestamp()::text), 1, 16))::bit(64)::bigint;
REVOKE ALL ON disclosure_key FROM PUBLIC;
GRANT SELECT ON disclosure_key TO contexts_dashboard, contexts_owner;
