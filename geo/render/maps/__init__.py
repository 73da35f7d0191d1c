"""folium maps that work offline and never put unescaped data into the page.

Every map built here loads Leaflet from the project's own static files (see
:mod:`geo.render.assets`) and no other script or style; tiles are a setting and may be off. Every
string that reaches the map (tooltips, popups, labels, legends) goes through one function,
:func:`geo.render.maps.escape.map_text`: Leaflet inserts them as HTML, and folium pastes some of
them (a ``folium.Tooltip``'s text, a ``folium.Popup``'s HTML) into a JavaScript template literal,
where a backtick, ``${`` or a backslash is code. Pages add no folium element of their own
(``tests/test_map_escaping.py`` checks both).

The modules, by what they draw: :mod:`~geo.render.maps.base` (the frame: base map, outline,
names), :mod:`~geo.render.maps.areas` (unit layers), :mod:`~geo.render.maps.places` (places and
incident points), :mod:`~geo.render.maps.networks` (lines between places),
:mod:`~geo.render.maps.legend`; with :mod:`~geo.render.maps.palette` (colours, classes, labels),
:mod:`~geo.render.maps.escape` (what the data may carry) and :mod:`~geo.render.maps.elements`
(the project's own folium elements). Like all of ``geo.render``, imports no database, ingest or
service.
"""
