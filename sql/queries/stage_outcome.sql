-- The rows of a police.uk outcomes file (loaded as incidents), before they are kept.
CREATE TEMP TABLE stage_outcome (
    source_row integer, crime_key text, month date, outcome text
) ON COMMIT DROP
