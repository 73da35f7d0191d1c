-- The database's secret record-key seed (migration 0011), for the loader to key the rows
-- it sums into the monthly rollups itself (geo/ingest/_rollups.py). The loader role may
-- read it (migration 0018) as its SQL rollups always have.
SELECT seed FROM disclosure_key
