"""Validate the next chunk of a file while the database takes in the last one.

Validation is Python (numpy, pandas, Arrow) and the load is PostgreSQL: on two cores they
can run at once. :func:`ahead` runs an iterator of validated chunks in a thread, a few
chunks ahead of the caller, which copies each one into the database as it comes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def ahead(items: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
    """Yield ``items``, computed in a background thread at most ``depth`` ahead.

    An exception in the thread is raised in the caller, at the item it stopped at; if the
    caller stops early (an error while loading), the thread stops after its current item.
    """
    out: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:
            put(exc)
            return
        put(_DONE)

    thread = threading.Thread(target=work, name="contexts-validate", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
