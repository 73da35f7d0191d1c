-- The 10 m cells whose place is settled (place_id NULL: none; migration 0009).
SELECT fi, fj, place_id FROM place_cell_fine
