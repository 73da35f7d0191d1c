INSERT INTO app_user (identity, display_name, role, areas, active)
VALUES (%(identity)s, %(display_name)s, %(role)s, %(areas)s, %(active)s)
ON CONFLICT (identity) DO UPDATE
SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, areas = EXCLUDED.areas,
    active = EXCLUDED.active
