"""A command's process ends with its own exit code, whatever native libraries do at the
interpreter's teardown (geo.process).

Arrow's thread pools can abort the exit (SIGABRT, apache/arrow#34314) after the work is
done: CI once refused a police.uk archive because the reader child, its table written,
died so at exit (-6). That abort comes and goes with the machine's load, so these tests
plant one that always happens: an ``atexit`` hook that aborts, which runs in the
interpreter's teardown just as the destructors do. A process that ends by ``sys.exit``
dies of it; one that ends by :func:`geo.process.exit_now` does not.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from geo.config import PROJECT_ROOT


def _run_planted(module: str, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    code = ("import atexit, os, runpy, sys\n"
            "atexit.register(os.abort)\n"
            f"sys.argv = [{module!r}, *sys.argv[1:]]\n"
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, cwd=PROJECT_ROOT, check=False, timeout=120, **kw)


def test_the_planted_abort_kills_a_process_that_ends_by_sys_exit() -> None:
    """The test's own check: the plant does abort an ordinary exit."""
    done = subprocess.run([sys.executable, "-c", "import atexit, os, sys\n"
                           "atexit.register(os.abort)\nsys.exit(0)"],
                          capture_output=True, check=False, timeout=60)
    assert done.returncode == -6


def test_the_upload_reader_child_ends_with_its_code_despite_a_teardown_abort(
        tmp_path: Path) -> None:
    src = tmp_path / "rows.csv"
    src.write_text("Month,Crime type\n2017-10,Burglary\n", encoding="utf-8")
    out = tmp_path / "table.pickle"
    done = _run_planted("geo.ingest._isolated", "table", str(src), str(out), "upload.csv",
                        "", "60", str(4 * 2**30), "",
                        env=os.environ | {"CONTEXTS_PARSE_NAME": "rows.csv"})
    assert done.returncode == 0, done.stderr[-2000:]
    with out.open("rb") as f:
        kind, table = pickle.load(f)
    assert kind == "ok"
    assert len(table) == 1


@pytest.mark.db
def test_the_contexts_command_ends_with_its_code_despite_a_teardown_abort(settings) -> None:
    """(``settings``: the cluster is up, started under the tests' lock, before the
    command looks for it: a command would start it without that lock.)"""
    done = _run_planted("geo.cli", "db", "url")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("postgresql://")
    # an error's code and message come through too
    bad = _run_planted("geo.cli", "load", "incidents", "/nonexistent/file.csv")
    assert bad.returncode == 2
    assert "contexts:" in bad.stderr


def test_the_console_script_is_the_ending_entry() -> None:
    """``contexts`` (pyproject's script) is :func:`geo.cli.main.run`, which ends by
    :func:`geo.process.exit_now`, not :func:`geo.cli.main.main`, which returns."""
    import tomllib

    with (PROJECT_ROOT / "pyproject.toml").open("rb") as f:
        scripts = tomllib.load(f)["project"]["scripts"]
    assert scripts == {"contexts": "geo.cli.main:run"}
