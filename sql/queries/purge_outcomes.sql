-- police.uk outcomes of months before the cut-off (migration 0012).
DELETE FROM crime_outcome WHERE month < %(cutoff)s
