"""The shape of the code, checked: roles in one place, SQL only in the store and ingest
layers, every package documented, no work at import time."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from geo import roles
from geo.config import PROJECT_ROOT

GEO = PROJECT_ROOT / "geo"
DASHBOARD = PROJECT_ROOT / "dashboard"
#: the layers that may run a named SQL statement
SQL_LAYERS = ("store", "ingest")
DB_CALLS = {"frame", "execute", "scalar", "sql", "copy_rows", "copy"}


def _py(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "static" not in p.parts)


def test_the_database_role_check_holds_the_same_roles() -> None:
    """``app_user.role``'s CHECK in the migrations lists exactly :data:`geo.roles.ROLES`."""
    sql = "\n".join(p.read_text() for p in sorted((PROJECT_ROOT / "sql").rglob("*.sql")))
    checks = re.findall(r"role\s+text NOT NULL CHECK \(role IN \(([^)]*)\)\)", sql)
    assert checks, "no CHECK on app_user.role found"
    found = tuple(v.strip().strip("'") for v in checks[-1].split(","))
    assert found == roles.ROLES


def test_every_page_file_is_a_role_page_and_back() -> None:
    files = {p.stem for p in (DASHBOARD / "views").glob("*.py") if p.stem != "__init__"}
    assert files == {p.name for p in roles.PAGES}
    for page in roles.PAGES:
        text = (DASHBOARD / "views" / f"{page.name}.py").read_text()
        assert f'_state.require("{page.name}")' in text, f"{page.name} does not check its role"


@pytest.mark.parametrize("path", _py(GEO) + _py(DASHBOARD), ids=lambda p: str(
    p.relative_to(PROJECT_ROOT)))
def test_named_sql_runs_only_in_the_store_and_ingest(path: Path) -> None:
    """Outside ``geo/store`` and ``geo/ingest`` no code calls ``db.frame``/``execute``/...:
    services and pages ask the store, which runs the named statement."""
    rel = path.relative_to(PROJECT_ROOT).parts
    if rel[0] == "geo" and len(rel) > 2 and rel[1] in SQL_LAYERS:
        return
    tree = ast.parse(path.read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute) and n.func.attr in DB_CALLS
             and isinstance(n.func.value, ast.Name) and n.func.value.id == "db"]
    assert not calls, f"line {calls[0].lineno} runs SQL outside the store"


def test_every_package_says_what_it_may_import() -> None:
    for init in sorted(GEO.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 80, f"{init} has no docstring worth the name"


def test_importing_the_package_starts_no_thread_and_no_database() -> None:
    """Importing every module does no work: no thread, no connection, no file written."""
    code = (
        "import threading, pkgutil, importlib, geo\n"
        "before = threading.active_count()\n"
        "for m in pkgutil.walk_packages(geo.__path__, 'geo.'):\n"
        "    if m.name.endswith('__main__'): continue\n"
        "    importlib.import_module(m.name)\n"
        "import concurrent.futures as cf, sys\n"
        "made = [f'{n}.{a}' for n, mod in list(sys.modules.items()) if n.startswith('geo')\n"
        "        for a, v in vars(mod).items() if isinstance(v, cf.Executor)]\n"
        "print(made)\n"
        "sys.exit(threading.active_count() - before + len(made))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={"PATH": "/usr/bin:/bin",
                                                 "CONTEXTS_DATABASE_URL": "postgresql://"
                                                 "nobody@127.0.0.1:1/none"})
    assert done.returncode == 0, done.stderr[-2000:] or f"made at import: {done.stdout}"


def test_import_rules_hold() -> None:
    """import-linter's contracts (pyproject.toml): also run by ``make test`` itself."""
    exe = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(exe)], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stdout[-3000:]


def test_every_kind_of_file_has_its_load_spec() -> None:
    """One list of kinds (geo.kinds): the loader has a spec for each and no other."""
    from geo.ingest import SPECS
    from geo.kinds import KINDS

    assert tuple(SPECS) == KINDS


def test_docs_architecture_names_every_module() -> None:
    """docs/architecture.md matches the tree: it names every package and module."""
    doc = (PROJECT_ROOT / "docs" / "architecture.md").read_text()
    missing = [str(p.relative_to(PROJECT_ROOT)) for p in sorted(GEO.rglob("*.py"))
               if p.stem not in ("__init__", "__main__")
               and f"`{p.stem}`" not in doc and f"geo/{p.stem}.py" not in doc]
    assert not missing, f"docs/architecture.md does not name {missing}"


def test_every_sql_file_is_a_query_a_migration_or_a_function() -> None:
    """``sql/`` has three kinds of file (docs/architecture.md, "The SQL"); a function is
    defined in its own file of ``sql/functions/``, never by a query."""
    sql = PROJECT_ROOT / "sql"
    files = sorted(sql.rglob("*.sql"))
    assert {p.parent.name for p in files} == {"queries", "migrations", "functions"}
    assert all(p.parent.parent == sql for p in files)
    defines = re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|PROCEDURE)\b",
                         re.IGNORECASE | re.MULTILINE)
    for p in files:
        if p.parent.name == "queries":
            assert not defines.search(p.read_text()), p.name
        if p.parent.name == "functions":
            assert len(defines.findall(p.read_text())) == 1, p.name


#: the most lines a module of ``geo/`` or ``dashboard/`` may have (issue #32)
MAX_MODULE_LINES = 500


@pytest.mark.parametrize("path", _py(GEO) + _py(DASHBOARD), ids=lambda p: str(
    p.relative_to(PROJECT_ROOT)))
def test_no_module_is_over_500_lines(path: Path) -> None:
    """A module that grows past :data:`MAX_MODULE_LINES` is split by what its parts do."""
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it by what its parts do"
