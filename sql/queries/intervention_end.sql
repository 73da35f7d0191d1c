UPDATE intervention SET end_month = %(end_month)s
WHERE ref = %(ref)s AND start_month <= %(end_month)s
