-- Rebuild the 50 m cells within the place distance of a place (migration 0007).
SELECT contexts_refresh_place_cells(%(place_distance)s)
