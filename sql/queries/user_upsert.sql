INSERT INTO app_user (identity, display_name, role, areas, active, issuer, subject)
VALUES (%(identity)s, %(display_name)s, %(role)s, %(areas)s, %(active)s, %(issuer)s,
        %(subject)s)
ON CONFLICT (identity) DO UPDATE
SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, areas = EXCLUDED.areas,
    active = EXCLUDED.active,
    issuer = coalesce(EXCLUDED.issuer, app_user.issuer),
    subject = coalesce(EXCLUDED.subject, app_user.subject)
