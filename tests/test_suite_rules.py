"""Rules of the test suite itself, read from its source (``ast``): no test asserts on
elapsed wall-clock time, and no test sleeps but the one wait-for-condition helper.

A test that asserts "this took under 2 s", or that sleeps a second and then looks, passes
on a quiet machine and fails on a busy one (CI, two cores shared by several people):
linear time is shown by counting work, a wait is for a condition
(:func:`_wait.wait_for`), and timings belong in ``bench/`` (docs/architecture.md, "How
make test runs").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

#: clock functions: ``time.perf_counter()``, ``time.monotonic()``, ``time.time()``, ...
CLOCKS = frozenset({"perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns", "time",
                    "time_ns", "process_time", "default_timer", "timeit", "repeat"})
#: where a sleep is allowed: (file, function): the helper that waits for a condition
SLEEP_ALLOWED = {("_wait.py", "wait_for")}


def _is_clock(node: ast.AST, timers: frozenset[str] = frozenset()) -> bool:
    """A call of a clock: ``time.perf_counter()``, ``timeit.timeit(...)``, ``monotonic()``
    (imported from ``time``), or of a function of ``timers`` (one that returns a duration);
    ``datetime.now()`` is not one (a date, not a duration)."""
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
        return f.value.id in ("time", "timeit") and f.attr in CLOCKS
    return isinstance(f, ast.Name) and (f.id in CLOCKS - {"time", "repeat"} or f.id in timers)


def _names(node: ast.AST) -> set[str]:
    """The names ``node`` uses, but a comprehension's own (``t`` of ``[t for t in x]``)."""
    own = {n.id for c in ast.walk(node) if isinstance(c, ast.comprehension)
           for n in ast.walk(c.target) if isinstance(n, ast.Name)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - own


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _own(scope: ast.AST) -> list[ast.AST]:
    """The nodes of ``scope`` (the module or a function), not those of the functions
    defined inside it (each is a scope of its own)."""
    out, todo = [], list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, _SCOPES):
            todo += ast.iter_child_nodes(node)
    return out


def clock_asserts(source: str) -> list[int]:
    """Lines of the ``assert`` statements of ``source`` that involve a clock: one called
    in the assert, a variable whose value came from one (``took = perf_counter() - t``,
    and any variable computed from such a variable) in the same function, or a call of a
    function that returns such a value."""
    tree = ast.parse(source)
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, _SCOPES))]
    timers: frozenset[str] = frozenset()
    found: set[int] = set()
    for _ in range(3):  # functions returning durations, then their callers' variables
        for scope in scopes:
            body = _own(scope)
            tainted: set[str] = set()

            def timed(node: ast.AST, tainted: set[str] = tainted,
                      timers: frozenset[str] = timers) -> bool:
                return any(_is_clock(n, timers) for n in ast.walk(node)) or bool(
                    _names(node) & tainted)

            for _ in range(3):  # a variable computed from a timed one is timed too
                for node in body:
                    value = getattr(node, "value", None)
                    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign
                                  | ast.NamedExpr) and value is not None and timed(value):
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        for t in targets:
                            tainted |= _names(t)
            found |= {n.lineno for n in body if isinstance(n, ast.Assert) and timed(n.test)}
            if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    isinstance(n, ast.Return) and n.value is not None and timed(n.value)
                    for n in body):
                timers |= {scope.name}
    return sorted(found)


def sleeps(source: str, file: str) -> list[int]:
    """Lines of ``source`` that sleep (``time.sleep``, ``asyncio.sleep``, a ``sleep``
    imported from ``time``, Playwright's ``page.wait_for_timeout``) outside
    :data:`SLEEP_ALLOWED`."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (file, node.name) in SLEEP_ALLOWED:
            allowed |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno in allowed:
            continue
        f = node.func
        if (isinstance(f, ast.Attribute) and f.attr == "sleep"
                and isinstance(f.value, ast.Name) and f.value.id in ("time", "asyncio")) or (
                isinstance(f, ast.Name) and f.id == "sleep") or (
                isinstance(f, ast.Attribute) and f.attr == "wait_for_timeout"):
            out.append(node.lineno)
    return out


def _files() -> list[Path]:
    return sorted(TESTS.rglob("*.py"))


def test_the_rules_catch_what_they_are_for() -> None:
    """The checks themselves, on code that breaks each rule (and code that does not)."""
    timed = (
        "import time\n"
        "def test_a():\n"
        "    t = time.perf_counter()\n"
        "    work()\n"
        "    took = time.perf_counter() - t\n"
        "    ratio = took / 2\n"
        "    assert ratio < 1.0\n"          # line 7: through two variables
        "    assert time.monotonic() > 0\n"  # line 8: a clock in the assert
        "    n = 3\n"
        "    assert n == 3\n"
        "    names = [t for t in 'ab']\n"
        "    assert names\n"
        "def test_b():\n"
        "    def timed(n):\n"
        "        t = time.perf_counter()\n"
        "        return time.perf_counter() - t\n"
        "    small, large = timed(1), timed(2)\n"
        "    assert large < 3 * small\n"     # line 18: through a function's result
        "    t = [1]\n"
        "    assert t\n"
    )
    assert clock_asserts(timed) == [7, 8, 18]
    assert clock_asserts("from timeit import timeit\nassert timeit('1') < 1\n") == [2]
    assert clock_asserts("import datetime\nassert datetime.date.today().year > 2000\n") == []
    slept = "import time, asyncio\ntime.sleep(1)\nasync def f():\n    await asyncio.sleep(1)\n"
    assert sleeps(slept, "test_x.py") == [2, 4]
    assert sleeps("from time import sleep\nsleep(0.5)\n", "test_x.py") == [2]
    # Playwright's fixed wait is a sleep too: a browser test waits for what it needs
    assert sleeps("page.goto(u)\npage.wait_for_timeout(800)\n", "test_x.py") == [2]
    helper = "import time\ndef wait_for():\n    time.sleep(0.1)\n"
    assert sleeps(helper, "_wait.py") == [] and sleeps(helper, "test_x.py") == [3]


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_no_test_asserts_on_elapsed_time(path: Path) -> None:
    assert clock_asserts(path.read_text()) == [], (
        f"{path.name}: an assert on elapsed wall-clock time (count the work instead, or "
        "move the timing to bench/)")


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_no_test_sleeps_but_the_wait_helper(path: Path) -> None:
    assert sleeps(path.read_text(), path.name) == [], (
        f"{path.name}: a bare sleep (wait for a condition: tests/_wait.py wait_for)")


def test_the_wait_helper_is_documented_and_waits_for_a_condition() -> None:
    tree = ast.parse((TESTS / "_wait.py").read_text())
    helper = next(n for n in tree.body if isinstance(n, ast.FunctionDef)
                  and n.name == "wait_for")
    assert ast.get_docstring(helper) and ast.get_docstring(tree)
    assert helper.args.args[0].arg == "predicate"
