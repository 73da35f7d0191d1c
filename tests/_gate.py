"""What the disclosure gate issued, recorded by the tests that need it.

The gate (:mod:`geo.stats.disclosure`) keeps nothing for tests: it raises the audit event
:data:`~geo.stats.disclosure.ISSUED_EVENT` with each text it issues. :class:`Issued`
listens while a ``with`` block runs, in every thread (a page under ``AppTest`` runs in
Streamlit's script thread, impacts in a pool):

    with Issued() as gate:
        ...  # run a page
    assert shown <= gate.texts

An audit hook cannot be removed once added, so one hook per test process is added the first
time a recorder is used; it hands each event to the recorders open at the time (none: it
returns at once).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import Any

from geo.stats.disclosure import ISSUED_EVENT

_LOCK = threading.Lock()
_OPEN: list[Issued] = []
_HOOKED = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != ISSUED_EVENT or not _OPEN:
        return
    texts: Iterable[Any] = args[0]
    with _LOCK:
        for recorder in _OPEN:
            recorder.texts.update(str(t) for t in texts)


class Issued:
    """Every text the gate issues while this recorder is open (a context manager)."""

    def __init__(self) -> None:
        self.texts: set[str] = set()

    def __enter__(self) -> Issued:
        global _HOOKED
        with _LOCK:
            if not _HOOKED:
                sys.addaudithook(_hook)
                _HOOKED = True
            _OPEN.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with _LOCK:
            _OPEN.remove(self)
