-- A context's area: that of its first place, else of its first ward (row-level security
-- shows it to the partners of that area); none for a context with no location (a peer
-- group, an online space), which only users of every area see.
UPDATE context c
SET area_code = coalesce(
    (SELECT p.area_code FROM context_place cp JOIN place p USING (place_id)
     WHERE cp.context_id = c.context_id ORDER BY p.place_id LIMIT 1),
    (SELECT w.area_code FROM context_ward cw JOIN ward w USING (ward_code)
     WHERE cw.context_id = c.context_id ORDER BY w.ward_code LIMIT 1))
WHERE c.context_id = %(context_id)s
