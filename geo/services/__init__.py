"""What a page or a command asks for: role checks, audited actions, analysis
orchestration, retention and the pages' reads.

Services open connections (through :mod:`geo.store`), call the statistics of
:mod:`geo.stats` and the loader in :mod:`geo.ingest`, and check roles on the server
(:mod:`geo.roles`). They never render (no folium, no HTML) and know nothing of Streamlit.
The dashboard and the ``contexts`` command call services and :mod:`geo.render` only.
"""
