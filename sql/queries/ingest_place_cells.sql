-- The 50 m cells within the place distance of a place (migration 0007).
SELECT ci, cj FROM place_cell
