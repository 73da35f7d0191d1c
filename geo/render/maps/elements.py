"""The project's own folium/branca elements: a GeoJSON layer styled by its data, scripts run
with the map or a layer and their data (as JSON, never pasted into code), and the assets
every map shares (the popup function and the styles of labels, icons and legends).
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Sequence
from typing import Any

import branca.element
import folium
import jinja2

#: line ends as Jinja reads them (its lexer's ``newline_re``)
_NEWLINES = re.compile(r"\r\n|\r|\n")


def _as_jinja_renders(text: str) -> str:
    """``text`` as ``jinja2.Template(text).render()`` gives back text without template syntax:
    line ends as ``\n``, one trailing line end dropped."""
    lines = _NEWLINES.split(text)
    if lines[-1] == "":
        del lines[-1]
    return "\n".join(lines)


class _Text(branca.element.Element):
    """Text on the page as it is: never compiled as a template (see :class:`_AsText`)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _Kept:
    """Stands in for an element's template while branca renders the element: each of its
    macros (header, html, script) is called as branca would, its text kept aside, and
    branca handed ``None`` (an empty element, nothing compiled)."""

    def __init__(self, template: jinja2.Template) -> None:
        self.made: dict[str, str] = {}
        macros = {part: self._keep(part, macro) for part in ("header", "html", "script")
                  if (macro := template.module.__dict__.get(part)) is not None}
        self.module = types.SimpleNamespace(**macros)

    def _keep(self, part: str, macro: Any) -> Any:
        def call(*args: Any) -> None:
            self.made[part] = _as_jinja_renders(str(macro(*args)))
        return call


class _AsText:
    """The project's elements put their rendered text on the page as it is.

    branca renders an element's macros and wraps each text in ``Element(text)``, which
    compiles the text as a Jinja template: for a layer of 5,000 hexagons that is 1.9 MB of
    GeoJSON compiled twice per map (folium renders the figure twice), most of the map's
    render time, and a name with Jinja syntax in it (``{% if``) broke the page. These
    elements keep the same text, in the same place, uncompiled: folium's own elements
    (the map, tooltips) are left as they are, and nothing outside the project changes.
    """

    _template: Any

    def render(self, **kwargs: Any) -> Any:
        own = self.__dict__.get("_template")
        kept = _Kept(self._template)
        self._template = kept
        try:
            super().render(**kwargs)  # type: ignore[misc]
        finally:
            if own is None:
                del self._template
            else:
                self._template = own
        figure = self.get_root()  # type: ignore[attr-defined]
        for part, text in kept.made.items():  # in the empty element's place
            getattr(figure, part).add_child(_Text(text), name=self.get_name())  # type: ignore[attr-defined]


class Layer(_AsText, folium.GeoJson):
    """A GeoJSON layer styled by each feature's own ``style`` property, with its bounds
    given rather than walked.

    folium evaluates a Python ``style_function`` per feature and writes one JavaScript
    ``case`` per feature for it; with the style in the data, Leaflet reads it and the
    page is built in a fraction of the time. With ``classes`` (an area layer's ``styles``
    and ``shared`` properties, sent once) the map's script puts the style and the shared
    properties on every feature itself (:data:`CLASSES_JS`). ``get_bounds`` (branca's
    public method, which streamlit-folium calls on the map) would walk every coordinate;
    we already know them.
    """

    def __init__(self, data: dict[str, Any], bounds: Sequence[float],
                 classes: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self._bounds = [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]]
        if classes is not None:  # styles and shared properties sent once (area_layer)
            self.add_child(LayerScript(CLASSES_JS, classes))

    def get_bounds(self) -> list[list[float | None]]:
        """The layer's bounds as given, [[south, west], [north, east]] (its children, the
        tooltip and highlight, have none)."""
        return [list(corner) for corner in self._bounds]


#: the popup of a unit or place; its properties were HTML-escaped on the server. The
#: profile link keeps the page's state (its query parameters) and names the place.
_POPUP_JS = """
window.contextsPopup = function(p) {
  var h = '<div class="ctx-popup"><b>' + p.name + '</b>';
  if (p.what) { h += '<div class="ctx-what">' + p.what + '</div>'; }
  if (p.incidents !== undefined) { h += '<div>Incidents: ' + p.incidents + '</div>'; }
  if (p.hotspot) { h += '<div>' + p.hotspot + '</div>'; }
  if (p.trend) { h += '<div>Trend: ' + p.trend + '</div>'; }
  if (p.note) { h += '<div class="ctx-note">' + p.note + '</div>'; }
  if (p.profile) {
    var href = '#';
    try {
      var top = window.top.location;
      var q = new URLSearchParams(top.search);
      q.set('place', p.profile);
      href = new URL('profile?' + q.toString(), top.href).href;
    } catch (err) { href = 'profile?place=' + encodeURIComponent(p.profile); }
    h += '<a class="ctx-open" target="_blank" href="' + href +
         '" onclick="return contextsOpen(this.href)">Open profile</a>';
  }
  return h + '</div>';
};
// the map's frame may not navigate the page (Streamlit sandboxes it), so the link is
// followed by the page itself: an anchor in the page's document, clicked there. Where the
// page cannot be reached, the link opens in a new tab.
window.contextsOpen = function(href) {
  try {
    var doc = window.top.document;
    var a = doc.createElement('a');
    a.href = href;
    a.style.display = 'none';
    doc.body.appendChild(a);
    a.click();
    return false;
  } catch (err) { return true; }
};
"""

_MAP_CSS = """
<style>
.area-label {pointer-events: none;}
.area-label span {position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 11px/1.1 system-ui, sans-serif; color: #222;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff;}
.area-label.lsoa span {font-weight: 500; font-size: 10px; color: #444;}
.place-icon {border-radius: 50%; border: 2px solid #000; color: #fff; text-align: center;
  font: 700 11px/16px system-ui, sans-serif; width: 16px; height: 16px;}
.ctx-legend {background: rgba(255,255,255,.94); padding: 5px 7px; border-radius: 4px;
  font: 11px/1.3 system-ui, sans-serif; color: #222; max-width: 215px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3);}
.ctx-legend b {display: block; margin-top: 3px;}
.ctx-legend i {display: inline-block; width: 14px; height: 12px; margin-right: 5px;
  vertical-align: -1px; border: 1px solid #777;}
.ctx-legend .place-icon {display: inline-block; width: 14px; height: 14px; line-height: 14px;
  font-size: 9px; margin-right: 5px; vertical-align: -2px; border-width: 1px;}
.ctx-legend p {margin: 4px 0 0; color: #555; font-size: 11px;}
.ctx-popup a {display: inline-block; margin-top: 4px; font-weight: 600;}
.ctx-arrow div {font-size: 16px; line-height: 16px; text-align: center;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff;}
.ctx-popup .ctx-note {color: #555; max-width: 220px;}
.ctx-legend summary {cursor: pointer; font-weight: 600;}
.ctx-legend details:not([open]) summary {padding: 2px 4px;}
.ctx-legend-body {max-height: 70vh; overflow-y: auto;}
@media (max-width: 559px) {
  .ctx-legend {max-width: 58vw;}
  .ctx-legend-body {max-height: 45vh;}
}
</style>
"""


class Script(_AsText, branca.element.MacroElement):
    """A script run with the map (``{map}`` is the map's JavaScript name) and data."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "(function(map, data) { {{ this.code }} })({{ this._parent.get_name() }}, "
        "{{ this.data_json }});"
        "{% endmacro %}")

    def __init__(self, code: str, data: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "ContextsScript"
        self.code = code
        self.data_json = json.dumps(data).replace("</", "<\\/")


class LayerScript(Script):
    """A script run with a layer (``layer`` is the layer's JavaScript name) and data."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "(function(layer, data) { {{ this.code }} })({{ this._parent.get_name() }}, "
        "{{ this.data_json }});"
        "{% endmacro %}")


#: an area layer's features carry the index ``s`` of their style class, not the style, and
#: not the properties every feature shares: both are sent once (:func:`area_layer`) and put
#: back on each feature here, before any tooltip or popup reads them
CLASSES_JS = """
layer.eachLayer(function(l) {
  var p = l.feature.properties;
  for (var k in data.shared) { p[k] = data.shared[k]; }
  p.style = data.styles[p.s];
});
layer.setStyle(function(f) { return f.properties.style; });
"""


def page_assets(m: folium.Map) -> None:
    """The popup function and the styles of labels, icons and legend (once per map)."""
    root = m.get_root()
    assert isinstance(root, branca.element.Figure)
    if getattr(root, "_contexts_assets", False):
        return
    root.header.add_child(branca.element.Element(_MAP_CSS))
    # scripts in the page's header do not run in streamlit-folium's frame: with the map's own
    m.add_child(Script(_POPUP_JS, None))
    root._contexts_assets = True  # type: ignore[attr-defined]
