"""End a command's process without running native libraries' teardown.

Arrow's thread pools (``pyarrow.csv.read_csv`` reads with threads) are torn down by C++
static destructors when the interpreter exits. If a worker thread is still alive then,
``std::terminate`` aborts the process (SIGABRT, "terminate called without an active
exception"; apache/arrow#34314) after all its work is done and its output written: a
load that succeeded exits -6, and the Upload page's reader child looked as if it had died.
Seen here: 2 of 240 reads of a police.uk street file under load.

:func:`exit_now` flushes what the process wrote and logged, then leaves with
``os._exit``: the kernel closes files and sockets, and no destructor runs. It is for
the end of a process's main function only (the ``contexts`` command and the reader
child), never inside a server or a test.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn


def exit_now(code: int) -> NoReturn:
    """Flush standard output, standard error and logging, then end the process with
    ``code`` at once (``os._exit``)."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (output piped into head)
            pass
    os._exit(code)
