"""Rendering: maps (folium), the board pack (HTML), CSV exports, the palette, local
Leaflet assets, and the text of counts as a role may see them.

Takes frames made by services and writes what a person sees. May import ``geo.stats``
(the disclosure gate), ``geo.config``/``geo.roles``/``geo.filters``; never the database,
ingest or services.
"""
