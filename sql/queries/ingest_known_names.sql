-- The area's own names (area, wards, LSOAs, places): their words make a run of capitalised
-- words in free text a place's name, not a person's (geo/ingest/_guard.py, person_name_in).
SELECT name FROM area
UNION SELECT name FROM ward
UNION SELECT name FROM lsoa
UNION SELECT name FROM place
