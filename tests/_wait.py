"""The one way tests wait: for a condition, with a generous deadline.

A test never sleeps a fixed time and then looks: on a busy machine (CI, two cores shared
by several people) the thing waited for may take ten times longer than on a quiet one, and
on a quiet one the sleep is time lost. :func:`wait_for` asks the condition again and again
(short pauses between) and returns as soon as it holds; it fails, saying what it waited
for, only after ``timeout`` seconds (60 by default: a minute is "never" for anything a
test waits for, and costs nothing when the condition comes at once).

``tests/test_suite_rules.py`` refuses ``time.sleep`` anywhere else in ``tests/``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: how long a wait may take before it fails: generous on purpose (see the module docstring)
TIMEOUT_S = 60.0


def wait_for(predicate: Callable[[], T], timeout: float = TIMEOUT_S, what: str = "",
             every: float = 0.05, on_each: Callable[[], object] | None = None) -> T:
    """Call ``predicate`` until it returns something true, and return that; raise
    ``AssertionError`` naming ``what`` if it has not after ``timeout`` seconds.

    ``every``: the pause between two tries (it grows to at most 0.5 s, so that a long
    wait does not busy a loaded machine). ``on_each``: called before each pause (e.g. to
    nudge the thing waited for, or to fail at once when a child process died).
    """
    deadline = time.monotonic() + timeout
    pause = every
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what or predicate!r}")
        if on_each is not None:
            on_each()
        time.sleep(pause)  # the one sleep of the tests: between two looks at a condition
        pause = min(pause * 1.5, 0.5)
