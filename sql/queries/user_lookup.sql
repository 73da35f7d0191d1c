SELECT identity, role, areas, active FROM contexts_user(%(identity)s)
