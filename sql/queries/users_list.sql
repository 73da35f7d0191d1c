SELECT identity, issuer, subject, display_name, role, areas, active, created_at FROM app_user ORDER BY identity
