"""Contexts: spatial analysis of extra-familial harm for safeguarding partnerships.

The package keeps three kinds of code apart:

* pure analysis (``geo.stats``: ``geo.stats.hotspots``, ``geo.stats.emerging``,
  ``geo.stats.impact``, ...): arrays or frames in, frames out, no database and no
  Streamlit;
* database access (``geo.store``: ``geo.store.db`` runs the named SQL files in ``sql/``);
  loading files (``geo.ingest``); the questions the pages and commands ask
  (``geo.services``); what they draw and write (``geo.render``);
* the private PostGIS cluster (``geo.store.cluster``) and the command line (``geo.cli``).

docs/architecture.md draws the layers and the imports allowed between them.
"""

__version__ = "0.1.0"
