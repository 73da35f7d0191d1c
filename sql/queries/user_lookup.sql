SELECT identity, role, areas, active FROM app_user WHERE lower(identity) = lower(%(identity)s)
