-- Whether any other extract has incidents in the months of a load (one probe of each
-- extract's month index): if none, no record of the load can be one loaded before, and
-- the search for them (duplicate_find) is skipped.
SELECT EXISTS (SELECT 1 FROM incident
               WHERE month = ANY (%(months)s::date[]) AND extract_id <> %(extract_id)s)
