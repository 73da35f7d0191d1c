-- Rebuild the 50 m cells wholly inside one ward and one LSOA (migration 0007).
SELECT contexts_refresh_area_cells()
