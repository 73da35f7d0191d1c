SELECT identity, role, areas, active, bound
FROM contexts_user(%(issuer)s, %(subject)s, %(email)s)
