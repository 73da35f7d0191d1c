"""One owner per concept (issue #32): the app's roles and the database's are named apart;
constants (the hexagon size, the complex-strategy threshold, the k range, the unit labels)
are imported from their owner, never retyped."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

from geo import config, roles
from geo.config import PROJECT_ROOT, Settings
from geo.stats import grid
from geo.stats.complex_strategy import MIN_PEOPLE, WINDOW_DAYS
from geo.store import connect

GEO = PROJECT_ROOT / "geo"
DASHBOARD = PROJECT_ROOT / "dashboard"


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


# --- constants imported, never retyped -------------------------------------------------

#: each constant, its one owner and what a retyping of it looks like (a literal value in
#: an assignment or a parameter default of one of these names)
OWNED = {
    "DEFAULT_SIZE": "geo/stats/grid.py", "HEX_SIZE": "geo/render/words.py",
    "MIN_PEOPLE": "geo/stats/complex_strategy.py",
    "WINDOW_DAYS": "geo/stats/complex_strategy.py",
    "SUPPRESSION_K_RANGE": "geo/config.py", "UNIT_LABELS": "geo/render/words.py",
}
#: parameters whose default is one of the owned constants (a literal of its value there
#: is a retyping; another value is another question, e.g. a network's link of 2 people)
PARAMETERS = {"size": "DEFAULT_SIZE", "min_people": "MIN_PEOPLE",
              "window_days": "WINDOW_DAYS"}
VALUES = {"DEFAULT_SIZE": grid.DEFAULT_SIZE, "MIN_PEOPLE": MIN_PEOPLE,
          "WINDOW_DAYS": WINDOW_DAYS}
#: a number equal to the hexagon size that is something else says so on its line
NOT_THE_SIZE = "# not the hexagon size"


def _code() -> list[Path]:
    return sorted(p for root in (GEO, DASHBOARD) for p in root.rglob("*.py")
                  if "static" not in p.parts)


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                      | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def _literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) or (
        isinstance(node, ast.Tuple | ast.List | ast.Dict) and all(
            _literal(e) for e in ast.iter_child_nodes(node) if not isinstance(e, ast.expr_context)))


def _retyped(source: str, rel: str) -> list[str]:
    """What the module ``rel`` (its ``source``) retypes of the owned constants: "line:
    what"."""
    tree = ast.parse(source)
    lines = source.splitlines()
    docs = _docstrings(tree)
    size, k = f"{grid.DEFAULT_SIZE:g} m", config.SUPPRESSION_K_RANGE
    words = re.compile(
        rf"\b{re.escape(size)}\b"  # "250 m hexagons", "250 m areas"
        rf"|\b{MIN_PEOPLE} or more young|at least {MIN_PEOPLE} distinct"
        rf"|within {WINDOW_DAYS} days"
        rf"|\b{k[0]}\s*(\.\.|–|to)\s*{k[1]}\b")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docs and words.search(node.value):
            found.append(f"{node.lineno}: {node.value.strip()[:60]!r}")
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) \
                and node.value == grid.DEFAULT_SIZE and rel != OWNED["DEFAULT_SIZE"] \
                and NOT_THE_SIZE not in lines[node.lineno - 1]:
            found.append(f"{node.lineno}: the hexagon size {node.value!r}")
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in OWNED and OWNED[t.id] != rel \
                        and _literal(node.value):
                    found.append(f"{node.lineno}: {t.id} = a literal")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            params = a.posonlyargs + a.args
            pairs = list(zip(params[len(params) - len(a.defaults):], a.defaults, strict=True))
            pairs += [(p, d) for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d]
            for p, d in pairs:
                owner = PARAMETERS.get(p.arg)
                if owner and isinstance(d, ast.Constant) and OWNED[owner] != rel \
                        and d.value == VALUES[owner]:
                    found.append(f"{d.lineno}: {p.arg}={d.value!r} (import {owner})")
        if isinstance(node, ast.Dict) and rel != OWNED["UNIT_LABELS"]:
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if {"ward", "lsoa"} <= keys and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str)
                    for v in node.values):
                found.append(f"{node.lineno}: a dict of unit labels (geo.render.words)")
    return found


@pytest.mark.parametrize("path", _code(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_constants_are_imported_from_their_owner(path: Path) -> None:
    """The hexagon size ("250 m" in a text too), the complex-strategy threshold and
    window, the k range and the unit labels are imported from their one owner
    (:data:`OWNED`), never retyped: a text that names them is built from the constant."""
    rel = str(path.relative_to(PROJECT_ROOT))
    found = _retyped(path.read_text(), rel)
    assert not found, f"{rel} retypes an owned constant: {found}"


def test_the_check_finds_a_retyped_constant() -> None:
    """The check above can fail: each kind of retyping is found, and a docstring or an
    owner's own value is not."""
    source = ('"""250 m in a docstring is fine."""\n'
              'UNITS = {"ward": "Wards", "lsoa": "LSOAs"}\n'
              'MIN_PEOPLE = 3\n'
              'TEXT = f"each {1} 250 m area"\n'
              'def f(size: float = 250.0, min_people: int = 3) -> None:\n'
              '    """Within 90 days, in a docstring."""\n')
    some = "geo/services/detail.py"
    found = _retyped(source, some)
    assert sorted(int(f.split(":")[0]) for f in found) == [2, 3, 4, 5, 5, 5], found
    assert _retyped("DEFAULT_SIZE = 250.0\n", "geo/stats/grid.py") == []
    assert _retyped("MIN_PEOPLE = 3\n", "geo/stats/complex_strategy.py") == []
    assert _retyped(f"R = {{'estate': 250.0}}  {NOT_THE_SIZE}: a radius\n", some) == []
    assert _retyped("def f(min_people: int = 2) -> None: ...\n", some) == []
