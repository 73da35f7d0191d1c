"""Database access: the private cluster, connections, and reads and writes by topic.

Every statement is a named SQL file in ``sql/`` run by :mod:`geo.store.db` with parameters.
Functions take a connection and return frames (or plain values). May import ``geo.stats``
(pure helpers such as the hexagon grid) and the shared ``geo.config``/``geo.roles``/
``geo.filters``; never services, rendering, ingest or Streamlit. Type-checked with mypy
--strict.
"""
