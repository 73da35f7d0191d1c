DELETE FROM incident WHERE month < %(cutoff)s
