-- contexts_incident_references_sql(text)
--
-- The reference check of incidents as a query over any relation ``rel``: the trigger
-- runs it over the rows a statement wrote (21_incident_references_check), a load over its
-- new partition before attaching it (23_contexts_attach_incident_partition). It returns the
-- first bad reference as text ('unknown ward E05...'), or no row. Two narrower groupings
-- (the codes of the record; where it is), each reference checked on its own: 0.4 s instead
-- of 0.65 s for a million rows, as hashing 20,000 places and 60 kinds apart is cheaper than
-- their 110,000 pairs.
--
-- Made by migrations 0008, 0009; this file is its definition now (sql/functions/README.md).
CREATE OR REPLACE FUNCTION contexts_incident_references_sql(rel text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
    SELECT bad FROM (
        SELECT CASE
                WHEN e.extract_id IS NULL THEN 'unknown extract ' || n.extract_id
                WHEN h.code IS NULL THEN 'unknown harm type ' || n.harm_type
                WHEN n.risk_level IS NOT NULL AND r.code IS NULL
                    THEN 'unknown risk level ' || n.risk_level
                ELSE 'unknown age band ' || n.age_band END AS bad
        FROM (SELECT extract_id, harm_type, risk_level, age_band FROM %1$I
              GROUP BY 1, 2, 3, 4) n
        LEFT JOIN extract e ON e.extract_id = n.extract_id
        LEFT JOIN harm_type h ON h.code = n.harm_type
        LEFT JOIN risk_level r ON r.code = n.risk_level
        LEFT JOIN age_band a ON a.code = n.age_band
        WHERE e.extract_id IS NULL OR h.code IS NULL
           OR (n.risk_level IS NOT NULL AND r.code IS NULL)
           OR (n.age_band IS NOT NULL AND a.code IS NULL)
        UNION ALL
        SELECT CASE
                WHEN n.ward_code IS NOT NULL AND w.ward_code IS NULL
                    THEN 'unknown ward ' || n.ward_code
                WHEN n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL
                    THEN 'unknown LSOA ' || n.lsoa_code
                WHEN n.place_id IS NOT NULL AND p.place_id IS NULL
                    THEN 'unknown place ' || n.place_id
                ELSE 'unknown area ' || n.area_code END
        FROM (SELECT ward_code, lsoa_code, place_id, area_code FROM %1$I
              GROUP BY 1, 2, 3, 4) n
        LEFT JOIN ward w ON w.ward_code = n.ward_code
        LEFT JOIN lsoa l ON l.lsoa_code = n.lsoa_code
        LEFT JOIN place p ON p.place_id = n.place_id
        LEFT JOIN area ar ON ar.area_code = n.area_code
        WHERE (n.ward_code IS NOT NULL AND w.ward_code IS NULL)
           OR (n.lsoa_code IS NOT NULL AND l.lsoa_code IS NULL)
           OR (n.place_id IS NOT NULL AND p.place_id IS NULL)
           OR (n.area_code IS NOT NULL AND ar.area_code IS NULL)
    ) found
    LIMIT 1
$q$, rel)
$f$;

-- Who owns it and who may call it, whatever it was before.
REVOKE ALL ON FUNCTION contexts_incident_references_sql(text) FROM PUBLIC, contexts_owner,
    contexts_loader, contexts_dashboard, contexts_auditor, contexts_gate;
GRANT EXECUTE ON FUNCTION contexts_incident_references_sql(text) TO PUBLIC;
