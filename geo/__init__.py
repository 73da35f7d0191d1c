"""Contexts: spatial analysis of extra-familial harm for safeguarding partnerships.

The package keeps three kinds of code apart:

* pure analysis (``geo.hotspots``, ``geo.emerging``, ``geo.impact``, ...): arrays or
  frames in, frames out, no database and no Streamlit;
* database access (``geo.db``): runs the named SQL files in ``sql/``;
* the private PostGIS cluster and the command line (``geo.cluster``, ``geo.cli``).
"""

__version__ = "0.1.0"
