-- Whether any other extract has incidents in the months of a load (the monthly rollup by
-- ward holds every incident once, by extract and month: migration 0018): if none, no record
-- of the load can be one loaded before, and the search for them is skipped.
SELECT EXISTS (SELECT 1 FROM rollup_ward_month WHERE month = ANY (%(months)s::date[]))
