-- A dated risk rating of a context (one per day and source: a second replaces the first).
INSERT INTO context_rating (context_id, rated_on, rating, source)
VALUES (%(context_id)s, %(rated_on)s, %(rating)s, %(source)s)
ON CONFLICT (context_id, rated_on, source) DO UPDATE SET rating = EXCLUDED.rating
