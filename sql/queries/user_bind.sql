SELECT contexts_bind_user(%(issuer)s, %(subject)s, %(email)s)
