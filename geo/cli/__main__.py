"""``python -m geo.cli``: the same as the ``contexts`` command."""

from geo.cli.main import run

run()
