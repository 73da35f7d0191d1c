-- The 10 m cells wholly inside one ward and one LSOA, one row per 50 m cell (migration
-- 0009): "slot pair slot pair ...", decoded by geo.ingest._cells.
SELECT ci, cj, cells FROM area_cell_fine_pack
