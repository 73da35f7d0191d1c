-- A pass for a list of areas (or '*'), minted by a trusted role (loader, owner) for the
-- dashboard role's transactions to enter (migration 0010).
SELECT contexts_area_pass(%(areas)s::text[], %(seconds)s)
