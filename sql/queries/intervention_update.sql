-- Edit an intervention of the register (its reference stays); nothing changes when the
-- place is unknown or the end month falls before the start.
UPDATE intervention i
SET place_id = p.place_id, type = %(type)s, agency = %(agency)s,
    start_month = %(start_month)s, end_month = %(end_month)s,
    description = %(description)s, area_code = p.area_code
FROM place p
WHERE p.place_id = %(place_id)s AND i.ref = %(ref)s
  AND (%(end_month)s::date IS NULL OR %(end_month)s::date >= %(start_month)s::date)
