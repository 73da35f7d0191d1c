"""Analysis subcommands of ``contexts`` (hot spots, impact), kept apart from set-up ones."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the analysis subcommands on the main parser."""
    return None
