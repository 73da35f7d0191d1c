"""The Store (issue #32): database access is owned by objects, not module globals.

Every piece of routing state (replica down since, last tried, the read-your-writes mark,
lagging since, where reads ran), the pools and the area passes are fields of a
:class:`geo.store.store.Store` and its :class:`geo.store.routing.ReadRouter`; the modules of
``geo/store`` that hold the database access keep none at module level.
"""

from __future__ import annotations
import __future__

import importlib
import logging
import re
import types
from functools import _lru_cache_wrapper
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pytest

from geo.store.store import Store

MODULES = ("geo.store.db", "geo.store.connect", "geo.store.named", "geo.store.migrate",
           "geo.store.routing", "geo.store.store")
#: what a module-level name may hold: code, types and values that cannot change
IMMUTABLE = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, str,
             bytes, int, float, bool, tuple, frozenset, Path, re.Pattern, type(None),
             types.MappingProxyType, logging.Logger, TypeVar, ParamSpec,
             _lru_cache_wrapper,  # (the memo of a named query's file text)
             __future__._Feature)


def _kind(value: Any) -> bool:
    return isinstance(value, IMMUTABLE) or type(value).__module__ == "typing"


@pytest.mark.parametrize("name", MODULES)
def test_the_store_modules_hold_no_mutable_state(name: str) -> None:
    module = importlib.import_module(name)
    held = {k: type(v).__name__ for k, v in vars(module).items()
            if not k.startswith("__") and not _kind(v)}
    assert not held, f"{name} holds module-level state: {held}"


def test_two_stores_share_no_routing_state() -> None:
    a, b = Store(), Store()
    a.router.note_write("0/10")
    a.router.note_write("0/8")  # the mark only rises
    assert a.router.seen_lsn() == "0/10" and b.router.seen_lsn() is None
    assert a.pools is not b.pools and a.passes is not b.passes
    assert a.router.read_counts() == b.router.read_counts() == {}
