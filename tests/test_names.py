"""No stale names: every ``geo.x.y`` named in the docs (``docs/*.md``, ``README.md``), in
the docstrings, comments and other strings (messages, help, captions) of ``geo/``,
``dashboard/``, ``tests/`` and ``bench/``, and in the comments of ``sql/queries``,
``sql/functions``, ``pyproject.toml`` and the ``Makefile`` resolves (the module imports,
the attribute exists), and every project file they name by path (``geo/x/y.py``,
``docs/x.md``, ``sql/queries/x.sql``; in a docstring or comment also ``services/x.py``,
relative to ``geo/``) exists. (``sql/migrations`` are history, kept as applied: their
recorded checksums forbid editing a stale name there.)"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.config import PROJECT_ROOT

#: where a path named in a text may live (the project's own folders)
TOP = ("geo", "dashboard", "docs", "tests", "bench", "sql", "sample_data")
GEO_PACKAGES = tuple(sorted(p.name for p in (PROJECT_ROOT / "geo").iterdir()
                            if (p / "__init__.py").is_file()))
DOTTED = re.compile(r"(?<![\w./-])((?:geo|dashboard)(?:\.[A-Za-z_]\w*)+)")
PATH = re.compile(r"(?<![\w./-])((?:[\w-]+/)+[\w.-]*\.(?:py|md|sql|toml))(?![\w/])")


def _file_texts(path: Path) -> Iterator[tuple[str, bool]]:
    """The texts of a module, each with whether it is a docstring or comment: its comments,
    its docstrings (its own, its classes' and functions', and the strings under its
    assignments), then all its strings (messages, help texts, captions; an f-string's
    literal parts too; docstrings again). One parse and one walk of the tree: the
    collection of every test process runs this over every module."""
    text = path.read_text(encoding="utf-8")
    if "#" in text:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.string, True
    strings: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                strings.append(node.value)
            continue
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                      | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                yield doc, True
        # attribute docstrings: a string statement right after an assignment
        for field in ("body", "orelse"):
            body = getattr(node, field, None)
            if not isinstance(body, list):
                continue
            for before, after in zip(body, body[1:], strict=False):
                if (isinstance(before, ast.Assign | ast.AnnAssign)
                        and isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)):
                    yield after.value.value, True
    for string in strings:
        yield string, False


def _texts() -> Iterator[tuple[str, str, bool]]:
    """(file relative to the project, its text, whether it is a docstring or comment)."""
    for md in [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]:
        yield str(md.relative_to(PROJECT_ROOT)), md.read_text(encoding="utf-8"), False
    for folder in ("geo", "dashboard", "tests", "bench"):
        for py in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if "static" in py.parts or py == Path(__file__):  # this file's are examples
                continue
            rel = str(py.relative_to(PROJECT_ROOT))
            for text, docstring in _file_texts(py):
                yield rel, text, docstring
    sql = PROJECT_ROOT / "sql"
    for other in [*sorted((sql / "queries").glob("*.sql")),
                  *sorted((sql / "functions").glob("*.sql")),
                  PROJECT_ROOT / "pyproject.toml", PROJECT_ROOT / "Makefile"]:
        yield str(other.relative_to(PROJECT_ROOT)), other.read_text(encoding="utf-8"), False


def _names() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for rel, text, docstring in _texts():
        for m in DOTTED.finditer(text):
            found.add((rel, m.group(1).rstrip(".")))
        for m in PATH.finditer(text):
            path = m.group(1)
            first = path.split("/", 1)[0]
            if first in TOP or (docstring and first in GEO_PACKAGES):
                found.add((rel, path))
    return sorted(found)


def _resolves(name: str) -> bool:
    """A dotted name: the longest importable module prefix, then attributes."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _exists(rel: str, path: str) -> bool:
    first = path.split("/", 1)[0]
    if first in TOP:
        return (PROJECT_ROOT / path).exists()
    return (PROJECT_ROOT / "geo" / path).exists()


NAMES = _names()


def test_the_texts_name_things() -> None:
    """The scan finds the names it is for (so an empty scan cannot pass)."""
    names = {n for _, n in NAMES}
    assert "geo.stats.disclosure" in names or any(
        n.startswith("geo.stats.disclosure.") for n in names)
    assert "geo/store/db.py" in names or "docs/disclosure.md" in names
    texts = {rel for rel, _ in NAMES}
    assert "pyproject.toml" in texts  # its comments name files (the import contracts')
    assert any(rel.startswith("sql/") for rel in texts)


@pytest.mark.parametrize(("rel", "name"), NAMES, ids=lambda v: v)
def test_a_named_module_or_file_exists(rel: str, name: str) -> None:
    if "/" in name:
        assert _exists(rel, name), f"{rel} names {name}, which does not exist"
    else:
        assert _resolves(name), f"{rel} names {name}, which does not resolve"


#: the layers of docs/architecture.md's drawing, and the shared modules it leaves out
LAYERS = ("dashboard", "geo.cli", "geo.services", "geo.render", "geo.ingest", "geo.sample",
          "geo.store", "geo.stats")
SHARED = ("geo.config", "geo.roles", "geo.filters", "geo.kinds", "geo.process")


def _layer_of(module: str) -> str | None:
    return next((layer for layer in LAYERS if module == layer
                 or module.startswith(layer + ".")), None)


def _imports(layer: str) -> set[str]:
    """The other layers a layer's files import (at any level: a function's imports too)."""
    found: set[str] = set()
    for py in sorted((PROJECT_ROOT / layer.replace(".", "/")).rglob("*.py")):
        if "static" in py.parts:
            continue
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                other = _layer_of(name)
                if other is not None and other != layer:
                    found.add(other)
    return found


def test_the_architecture_table_is_the_imports() -> None:
    """docs/architecture.md's table of arrows is what each layer imports, no more, no less
    (so the drawing above it cannot keep an arrow no import has)."""
    text = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w.]+)` \|([^|\n]*)\|$", text, flags=re.MULTILINE)
    table = {layer: set(re.findall(r"`([\w.]+)`", cell)) for layer, cell in rows}
    assert set(table) == set(LAYERS), "the table lists every layer once"
    for layer in LAYERS:
        assert table[layer] == _imports(layer), f"{layer}'s row is not its imports"
