"""One owner per concept (issue #32): the app's roles and the database's are named apart;
constants (the hexagon size, the complex-strategy threshold, the k range, the unit labels)
are imported from their owner, never retyped."""

from __future__ import annotations

from typing import get_args

import pytest

from geo import roles
from geo.config import Settings
from geo.store import connect


def test_app_roles_and_database_roles_are_named_apart() -> None:
    """"admin" is an app role (a row of app_user); whom a connection is opened as is a
    database role or the superuser, never an app role's name."""
    app = set(roles.ROLES)
    database = set(get_args(connect.DbRole)) | {connect.SUPERUSER}
    assert app == set(get_args(roles.AppRole)) == {"partner", "board", "analyst", "admin"}
    assert set(connect.ROLE_LOGINS) == set(get_args(connect.DbRole))
    assert not app & database
    assert not app & set(connect.ROLE_LOGINS.values())


def test_an_app_role_is_refused_as_a_database_role() -> None:
    """Asking for a connection as an app role fails at once, saying why (a caller still
    writing the superuser's old name, "admin")."""
    s = Settings(database_url="postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(ValueError, match="app's roles"):
        connect.dsn("admin", s)  # type: ignore[arg-type]
    assert connect.dsn(connect.SUPERUSER, s) == "postgresql://nobody@127.0.0.1:1/none"
