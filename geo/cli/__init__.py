"""The ``contexts`` command (:func:`geo.cli.main.main`): one console script for every job.

The command parses arguments and calls services (and ingest for loads, the store for the
private cluster); it holds no SQL and no statistics. It is the top layer: nothing imports it.
"""
