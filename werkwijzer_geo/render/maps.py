"""Folium maps of a workspace: a stable base map, and layer groups that follow the filter.

Every script and stylesheet comes from the app's own server (see `assets`); user text is
escaped before it reaches a tooltip.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xyzservices.providers as xyz
from branca.element import Element, MacroElement
from jinja2 import Template

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.aggregate import DEFAULT_CELL_M, aggregate_to_grid

from .assets import DEFAULT_URL_PREFIX, get_map_css, get_map_js

# Above this many observations in a selection, the map shows grid cells, not points.
AGGREGATE_ABOVE = 1000
TILES = xyz.nlmaps.grijs
DEFAULT_VISIBLE_LAYERS = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS)
MAP_LAYERS = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS, s.ROUNDS, s.EVENTS, s.STORIES)
# Bottom to top: areas first, people last so nothing hides them.
DRAW_ORDER = (s.EXPERIMENTS, s.ROUNDS, s.HANGOUTS, s.SPOTS, s.EVENTS, s.STORIES, s.OBSERVATIONS)

_MAP_CSS = """
<style>
.leaflet-container { background: #eef0ec; font-size: 14px; }
.leaflet-control-attribution { font-size: 11px; line-height: 1.3; }
@media (max-width: 640px) { .leaflet-control-attribution { font-size: 9px; max-width: 70%; } }
.bk-legend { background: rgba(255,255,255,0.94); padding: 6px 10px; border-radius: 6px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); line-height: 1.3; max-height: 60vh; overflow-y: auto;
  font-size: 12px; }
.bk-legend .bk-cols { display: grid; grid-template-columns: auto auto; column-gap: 10px; }
.bk-legend summary { font-weight: 600; cursor: pointer; }
.bk-legend h4 { margin: 6px 0 2px; font-size: 13px; }
.bk-swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: -1px; border: 1px solid rgba(0,0,0,0.35); }
.bk-swatch.round { border-radius: 50%; }
.bk-locate a { width: auto !important; padding: 0 8px; font-size: 14px; white-space: nowrap; }
.bk-locate-note { max-width: 220px; background: #fff; font-size: 13px; padding: 0 4px; }
.bk-locate-note:empty { display: none; }
.bk-stack div { width: 100%; height: 100%; border-radius: 50%; display: flex;
  align-items: center; justify-content: center; box-shadow: 0 0 0 2px #fff,
  0 1px 4px rgba(0,0,0,0.45); }
.bk-stack span { background: #fff; color: #1a1a1a; font-weight: 700; font-size: 12px;
  line-height: 1; border-radius: 50%; min-width: 58%; height: 58%; display: flex;
  align-items: center; justify-content: center; }
.bk-experiment-label span { display: inline-block; transform: translate(-50%, -50%);
  font-weight: 700; color: #0d5c43; white-space: nowrap; font-size: 13px; padding: 1px 6px;
  background: rgba(255,255,255,0.9); border: 2px dashed #1B9E77; border-radius: 6px; }
.bk-place-label span { display: inline-block; transform: translate(-50%, -50%);
  font-weight: 600; color: #1d4f4d; white-space: nowrap; font-size: 13px;
  text-shadow: 0 0 2px #fff, 0 0 3px #fff, 0 0 4px #fff, 0 0 6px #fff; }
</style>
"""


_LARGE_CSS = """
<style>
.bk-legend { font-size: 20px; max-height: 85vh; }
.bk-legend h4 { font-size: 20px; }
.bk-swatch { width: 20px; height: 20px; }
.bk-stack div { width: 100%; height: 100%; border-radius: 50%; display: flex;
  align-items: center; justify-content: center; box-shadow: 0 0 0 2px #fff,
  0 1px 4px rgba(0,0,0,0.45); }
.bk-stack span { background: #fff; color: #1a1a1a; font-weight: 700; font-size: 12px;
  line-height: 1; border-radius: 50%; min-width: 58%; height: 58%; display: flex;
  align-items: center; justify-content: center; }
.bk-place-label span, .bk-experiment-label span { font-size: 22px; }
/* A smaller projector (1280 x 720): names a little smaller, so they leave the data visible. */
@media (max-width: 1000px) {
  .bk-place-label span, .bk-experiment-label span { font-size: 18px; } }
.leaflet-tooltip { font-size: 20px; }
.leaflet-control-attribution, .leaflet-control-scale-line { font-size: 16px !important; }
</style>
"""


# The map fills the frame the page gives it (st_folium sets a fixed height on its div).
_FILL_CSS = """
<style>
html, body { height: 100%; margin: 0; }
#map_div, .folium-map { height: 100vh !important; }
</style>
"""


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_IN_STRING_ESCAPES = {"{": "\\u007b", "}": "\\u007d", "<": "\\u003c", ">": "\\u003e",
                      "&": "\\u0026", "'": "\\u0027", "%": "\\u0025", "#": "\\u0023"}
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")


def to_script_json(value: object) -> str:
    """`value` as JSON for a map script, with user text that can never become template source.

    branca renders a map's script once more as a Jinja2 template, so `{{`, `{%` or `{#` in a
    place name or note would run on the server. Inside JSON strings every brace, and every
    character HTML or Jinja gives meaning to, is written as a `\\u` escape; the browser reads
    the same text.

    Parameters
    ----------
    value
        Anything `json.dumps` takes.

    Returns
    -------
    str
        JSON without `{{`, `{%`, `{#`, `<` or `&` inside strings.

    Raises
    ------
    ValueError
        Should template syntax turn up anyway.

    Examples
    --------
    >>> import json
    >>> text = to_script_json({"name": "{{7*7}}"})
    >>> "{{" in text, json.loads(text)["name"]
    (False, '{{7*7}}')
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    text = _JSON_STRING.sub(
        lambda match: "".join(_IN_STRING_ESCAPES.get(c, c) for c in match.group(0)), text)
    if _TEMPLATE_SYNTAX.search(text):  # structure alone never makes these; keep it that way
        raise ValueError("map data would contain template syntax")
    return text


class GeoJsonLayer(MacroElement):
    """A GeoJSON layer styled per feature (`properties.style`), with an escaped tooltip.

    Points become circle markers, or metre circles when the style holds `radius_m`. With
    `stack`, markers that would cover each other at the current zoom become one stack: a
    disc sized by the people in it, its ring divided by group (`style.people`,
    `style.fillColor`, `style.group`), the number of people in the middle, a tooltip that
    adds them up; a click zooms in, and at the closest zoom the markers fan out.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJSON({{ this.data_json }}, {
    bkLayer: {{ this.layer_name_json }},
    pointToLayer: function (feature, latlng) {
        var style = feature.properties.style || {};
        if (style.label) {
            return L.marker(latlng, {interactive: false, keyboard: false, bkLabel: true,
                bkPriority: style.priority || 0, icon: L.divIcon(
                {className: style.label_class || 'bk-place-label', html: feature.properties.tip,
                 iconSize: null})});
        }
        if (style.radius_m) {
            return L.circle(latlng, Object.assign({radius: style.radius_m}, style));
        }
        return L.circleMarker(latlng, style);
    },
    style: function (feature) { return feature.properties.style || {}; },
    onEachFeature: function (feature, layer) {
        if (feature.properties.tip && !(feature.properties.style || {}).label) {
            layer.bindTooltip(feature.properties.tip, {sticky: true});
        }
    }
});
{% if this.stack %}
{{ this.get_name() }} = (function (markers) {
    function dutchNumber(n) { return String(n).replace(/\\B(?=(\\d{3})+(?!\\d))/g, '.'); }
    var stacks = L.markerClusterGroup({
        bkLayer: {{ this.layer_name_json }},
        // No animation: stacks settle at once, so the place names can move clear of them.
        maxClusterRadius: 48, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
        animate: false,
        iconCreateFunction: function (stack) {
            var people = 0, byColour = {}, colours = [], children = stack.getAllChildMarkers();
            children.forEach(function (marker) {
                var n = marker.options.people || 1, colour = marker.options.fillColor;
                if (!(colour in byColour)) {
                    byColour[colour] = {people: 0, group: marker.options.group || ''};
                    colours.push(colour);
                }
                byColour[colour].people += n;
                people += n;
            });
            colours.sort(function (a, b) { return byColour[b].people - byColour[a].people; });
            var stops = [], lines = [], at = 0;
            colours.forEach(function (colour) {
                var share = 100 * byColour[colour].people / people;
                stops.push(colour + ' ' + at.toFixed(2) + '% ' + (at + share).toFixed(2) + '%');
                at += share;
                lines.push(dutchNumber(byColour[colour].people) + ' \u00d7 '
                           + byColour[colour].group);
            });
            // The size a single marker of this many people would have, so stacks compare.
            var size = Math.max(28, Math.round(2 * Math.min(32, 4 + 2 * Math.sqrt(people))));
            stack.bindTooltip('<b>' + dutchNumber(people) + ' mensen in '
                + dutchNumber(children.length) + ' waarnemingen</b><br>' + lines.join('<br>')
                + '<br><i>Tik of klik om in te zoomen</i>', {direction: 'top'});
            return L.divIcon({className: 'bk-stack', iconSize: [size, size],
                html: '<div style="background: conic-gradient(' + stops.join(', ') + ')">'
                    + '<span>' + dutchNumber(people) + '</span></div>'});
        }
    });
    stacks.addLayer(markers);
    stacks.on('animationend spiderfied unspiderfied', function () {
        if (stacks._map) { stacks._map.fire('bkrelabel'); }
    });
    return stacks;
})({{ this.get_name() }});
{% endif %}
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, data: dict, *, name: str, stack: bool = False) -> None:
        super().__init__()
        self._name = "GeoJsonLayer"
        self.stack = bool(stack)
        self.layer_name_json = to_script_json(name)
        self.data = data
        self.data_json = to_script_json(data)

    def _get_self_bounds(self) -> list[list[float | None]]:
        coords = _all_coordinates(self.data)
        if coords.size == 0:
            return [[None, None], [None, None]]
        return [[float(coords[:, 1].min()), float(coords[:, 0].min())],
                [float(coords[:, 1].max()), float(coords[:, 0].max())]]


class Legend(MacroElement):
    """A Dutch legend on the map, collapsible, closed by default on narrow screens and on
    screens under 1000 px high (unless `always_open`)."""

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: 'bottomright'});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create('div', 'bk-legend');
    div.innerHTML = {{ this.legend_json }};
    var screenHeight = window.innerHeight;
    try { screenHeight = window.top.innerHeight; } catch (error) { /* another origin */ }
    // Folded on a phone or a screen under 1000 px high: the map first, the legend a tap away.
    if ((window.innerWidth < 640 || screenHeight < 1000) && !{{ this.always_open_json }}) {
        div.querySelector('details').open = false;
    }
    L.DomEvent.disableClickPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, legend_html: str, *, always_open: bool = False) -> None:
        super().__init__()
        self._name = "Legend"
        self.legend_json = to_script_json(legend_html)
        self.always_open_json = to_script_json(bool(always_open))


class LabelDeclutter(MacroElement):
    """Place names that never cover each other and cover as little data as they can: after
    every zoom or move each label, biggest place first, takes the spot (on its place, above,
    below, left, right) that touches no label already shown and the fewest markers; a label
    with no spot clear of other labels hides (its place still names itself on hover). When
    `refit` holds bounds (or a view: `{"centre": [lat, lon], "zoom": z}`), the map fits them
    again whenever its frame changes size (a projector, a phone turned)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    var refit = {{ this.refit_json }};
    function overlaps(a, b) {
        return !(a.right <= b.left || a.left >= b.right || a.bottom <= b.top || a.top >= b.bottom);
    }
    function declutter() {
        var labels = [], obstacles = [];
        map.eachLayer(function (layer) {
            if (layer instanceof L.Marker && layer.options.bkLabel) {
                labels.push(layer);
            } else if (layer instanceof L.CircleMarker && !(layer instanceof L.Circle)
                    && layer._path) {
                obstacles.push(layer._path.getBoundingClientRect());
            } else if (layer instanceof L.Marker && layer._icon) {  // a stack of sightings
                obstacles.push(layer._icon.getBoundingClientRect());
            }
        });
        labels.sort(function (a, b) { return b.options.bkPriority - a.options.bkPriority; });
        var shown = [], frame = map.getContainer().getBoundingClientRect();
        // [share of the label's width, of its height, extra pixels]: on the place, above,
        // below, beside it, then further out, clear of a stack on the place.
        var offsets = [[0, 0, 0, 0]];
        [0, 24, 44].forEach(function (extra) {
            offsets.push([0, -1.1, 0, -extra], [0, 1.1, 0, extra],
                         [-0.5, 0, -extra - 8, 0], [0.5, 0, extra + 8, 0]);
        });
        function place(span, offset, box) {
            span.style.marginLeft = (offset[0] * box.width + offset[2]) + 'px';
            span.style.marginTop = (offset[1] * box.height + offset[3]) + 'px';
        }
        labels.forEach(function (marker) {
            var element = marker.getElement();
            if (!element) { return; }
            var span = element.querySelector('span');
            element.style.visibility = 'visible';
            // Another label is a hard no; markers are avoided where a spot allows it.
            var best = null;
            for (var i = 0; i < offsets.length; i++) {
                span.style.marginLeft = '0px';
                span.style.marginTop = '0px';
                var box = span.getBoundingClientRect();
                place(span, offsets[i], box);
                box = span.getBoundingClientRect();
                var inside = box.left >= frame.left && box.right <= frame.right
                    && box.top >= frame.top && box.bottom <= frame.bottom;
                if (!inside || shown.some(function (other) { return overlaps(box, other); })) {
                    continue;
                }
                var hits = obstacles.filter(function (other) { return overlaps(box, other); })
                    .length;
                if (best === null || hits < best.hits) { best = {i: i, hits: hits, box: box}; }
                if (hits === 0) { break; }
            }
            if (best === null) {
                element.style.visibility = 'hidden';
            } else {
                span.style.marginLeft = '0px';
                span.style.marginTop = '0px';
                place(span, offsets[best.i], span.getBoundingClientRect());
                shown.push(best.box);
            }
        });
    }
    // Once after a burst of changes (a stack adds hundreds of markers one by one).
    var pending = null;
    function schedule() {
        if (pending === null) {
            pending = setTimeout(function () { pending = null; declutter(); }, 0);
        }
    }
    map.on('zoomend moveend layeradd resize bkrelabel', schedule);
    if (refit) {
        // The page sizes the frame (a projector, a phone turned): fit the neighbourhood again
        // whenever the map's box changes, also when it was made before its final size.
        var fit = function () {
            map.invalidateSize();
            if (refit.centre) {  // the scene's own view, chosen by the team
                map.setView(refit.centre, refit.zoom, {animate: false});
            } else {
                map.fitBounds(refit, {paddingTopLeft: [16, 16], paddingBottomRight: [16, 34]});
            }
        };
        if (window.ResizeObserver) {
            new ResizeObserver(fit).observe(map.getContainer());
        } else {
            window.addEventListener('resize', fit);
        }
    }
    setTimeout(declutter, 0);
    window.bkDeclutter = declutter;
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, refit: list | None = None) -> None:
        super().__init__()
        self._name = "LabelDeclutter"
        self.refit_json = to_script_json(refit)


class LocateButton(MacroElement):
    """A "Mijn locatie" button on the map: the phone's position (the browser's geolocation,
    Leaflet's own `map.locate`, nothing fetched from elsewhere) centres the map; with
    `record` it also taps the map there, so the page opens its form at that point. A phone
    that refuses gets a Dutch line instead."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function (map) {
    var record = {{ this.record_json }};
    var control = L.control({position: 'topleft'});
    control.onAdd = function () {
        var box = L.DomUtil.create('div', 'leaflet-bar bk-locate');
        var button = L.DomUtil.create('a', '', box);
        button.href = '#'; button.setAttribute('role', 'button');
        button.textContent = 'Mijn locatie';
        var note = L.DomUtil.create('div', 'bk-locate-note', box);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(button, 'click', function (event) {
            L.DomEvent.preventDefault(event);
            note.textContent = 'Locatie zoeken…';
            map.locate({setView: true, maxZoom: 18, enableHighAccuracy: true, timeout: 15000});
        });
        map.on('locationfound', function (event) {
            note.textContent = '';
            if (record) {
                map.fire('click', {latlng: event.latlng,
                                   containerPoint: map.latLngToContainerPoint(event.latlng)});
            }
        });
        map.on('locationerror', function () {
            note.textContent = 'Je telefoon gaf geen locatie. Sta locatie toe voor deze ' +
                'pagina, of tik op de kaart waar het is.';
        });
        return box;
    };
    control.addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self, *, record: bool = False) -> None:
        super().__init__()
        self._name = "LocateButton"
        self.record_json = to_script_json(bool(record))


def _all_coordinates(data: dict) -> np.ndarray:
    found: list[list[float]] = []

    def walk(value: object) -> None:
        if isinstance(value, list) and value and isinstance(value[0], (int, float)):
            found.append([float(value[0]), float(value[1])])
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for feature in data.get("features", []):
        if feature.get("geometry"):
            walk(feature["geometry"]["coordinates"])
    return np.array(found).reshape(-1, 2)


def escape_text(value: object) -> str:
    """User text made safe for a tooltip: HTML-escaped, backticks neutralised.

    Parameters
    ----------
    value
        The text (None is "").

    Returns
    -------
    str
        Escaped text.

    Examples
    --------
    >>> escape_text("<b>Plein</b> & `x`")
    '&lt;b&gt;Plein&lt;/b&gt; &amp; &#96;x&#96;'
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True).replace("`", "&#96;")


def _tip(title: str, lines: Iterable[tuple[str, object]]) -> str:
    """A tooltip: a bold title and 'label: value' lines; every value escaped."""
    parts = [f"<b>{escape_text(title)}</b>"]
    for label, value in lines:
        text = escape_text(value)
        if text:
            parts.append(f"{escape_text(label)}: {text}")
    return "<br>".join(parts)


def _feature_collection(frame: gpd.GeoDataFrame, tips: list[str], styles: list[dict],
                        ) -> dict:
    geometries = json.loads(gpd.GeoSeries(frame.geometry.to_numpy()).to_json(drop_id=True))
    features = []
    for geometry, tip, style in zip(geometries["features"], tips, styles, strict=True):
        if geometry["geometry"] is None:
            continue
        features.append({"type": "Feature", "geometry": _round_geometry(geometry["geometry"]),
                         "properties": {"tip": tip, "style": style}})
    return {"type": "FeatureCollection", "features": features}


def _round_geometry(geometry: dict) -> dict:
    """Six decimals (about 10 cm) are plenty and keep the map small."""
    def rounded(value):
        if isinstance(value, list):
            return [rounded(item) for item in value]
        return round(value, 6)

    return {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.drop(columns=frame.geometry.name).to_dict("records")


def build_observation_features(observations: gpd.GeoDataFrame) -> dict:
    """Each observation a circle coloured by group, sized by count.

    Parameters
    ----------
    observations
        The observations layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_observation_features(layers["observations"])
    >>> len(collection['features']) == len(layers['observations'])
    True
    """
    tips, styles = [], []
    for row in _records(observations):
        group = row[s.GROUP]
        count = int(row[s.COUNT])
        lines = [
            ("tijd", labels.format_datetime(row[s.OBSERVED_AT])),
            ("activiteit", labels.ACTIVITY_LABELS.get(row[s.ACTIVITY], row[s.ACTIVITY])),
            ("rol", labels.ROLE_LABELS.get(row.get(s.ROLE))),
            ("interactie", labels.INTERACTION_LABELS.get(row.get(s.INTERACTION))),
            ("plek", row.get(s.PLACE)),
            ("notitie", row.get(s.NOTE)),
        ]
        tips.append(_tip(f"{count} × {labels.GROUP_LABELS[group].lower()}", lines))
        colour = labels.GROUP_COLOURS[group]
        styles.append({"radius": round(4 + 2 * np.sqrt(count), 1), "color": "#ffffff",
                       "weight": 1, "fillColor": colour, "fillOpacity": 0.85,
                       "people": count, "group": labels.GROUP_LABELS[group].lower()})
    return _feature_collection(observations, tips, styles)


def build_grid_features(cells: gpd.GeoDataFrame, cell_m: float, *, public: bool = False,
                        ) -> dict:
    """Grid cells coloured by the group with most persons; stronger where more people.

    Parameters
    ----------
    cells
        From `aggregate.aggregate_to_grid` (or the public cells).
    cell_m
        The cell size, for the tooltip.
    public
        Cells for residents: no per-group detail beyond what the cells hold.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection of squares.

    Examples
    --------
    >>> from werkwijzer_geo.analysis.aggregate import aggregate_to_grid
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> cells = aggregate_to_grid(layers["observations"], cell_m=50)
    >>> len(build_grid_features(cells, 50)["features"]) == len(cells)
    True
    """
    tips, styles = [], []
    most = float(cells["persons"].max()) if len(cells) else 1.0
    for row in _records(cells):
        lines = [
            (labels.GROUP_LABELS[group], f"{int(row[f'persons_{group}'])} personen")
            for group in s.GROUP_CODES
            if row.get(f"persons_{group}", 0)
        ]
        if not public:
            lines.append(("waarnemingen", f"{int(row['records'])} op {int(row['dates'])} dagen"))
        tips.append(_tip(f"{int(row['persons'])} personen in dit vak ({cell_m:g} m)", lines))
        share = float(row["persons"]) / most
        styles.append({"color": labels.GROUP_COLOURS[row["top_group"]], "weight": 0.5,
                       "fillColor": labels.GROUP_COLOURS[row["top_group"]],
                       "fillOpacity": round(0.2 + 0.6 * share, 2)})
    return _feature_collection(cells, tips, styles)


def build_hangout_features(hangouts: gpd.GeoDataFrame) -> dict:
    """Hangouts, dashed in the colour of their group.

    Parameters
    ----------
    hangouts
        The hangouts layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_hangout_features(layers["hangouts"])
    >>> len(collection['features']) == len(layers['hangouts'])
    True
    """
    tips, styles = [], []
    for row in _records(hangouts):
        group = row[s.GROUP]
        days = row[s.WEEKDAYS].split(",")
        day_names = labels.format_weekdays(days)
        lines = [
            ("groep", labels.GROUP_LABELS[group]),
            ("wanneer", f"{day_names} {labels.format_hours(row[s.START_HOUR], row[s.END_HOUR])}"),
            ("omvang", row[s.SIZE]),
            ("sinds", labels.format_date(row[s.SINCE])),
            ("tot", labels.format_date(row[s.UNTIL])),
            ("notitie", row[s.NOTE]),
        ]
        tips.append(_tip(row[s.NAME], lines))
        colour = labels.GROUP_COLOURS[group]
        styles.append({"radius": 14, "color": colour, "weight": 3, "dashArray": "6 4",
                       "fillColor": colour, "fillOpacity": 0.12})
    return _feature_collection(hangouts, tips, styles)


def build_spot_features(spots: gpd.GeoDataFrame) -> dict:
    """Litter, graffiti and the like: filled while open, hollow once resolved.

    Parameters
    ----------
    spots
        The spots layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_spot_features(layers["spots"])
    >>> len(collection['features']) == len(layers['spots'])
    True
    """
    tips, styles = [], []
    for row in _records(spots):
        kind = row[s.KIND]
        is_open = row[s.RESOLVED_AT] is None or pd.isna(row[s.RESOLVED_AT])
        lines = [
            ("gemeld", labels.format_datetime(row[s.REPORTED_AT])),
            ("opgelost", "nog open" if is_open else labels.format_datetime(row[s.RESOLVED_AT])),
            ("ernst", f"{int(row[s.SEVERITY])} van 3"),
            ("notitie", row[s.NOTE]),
        ]
        tips.append(_tip(labels.SPOT_KIND_LABELS[kind], lines))
        styles.append(_spot_style(kind, int(row[s.SEVERITY]), is_open))
    return _feature_collection(spots, tips, styles)


def _spot_style(kind: str, severity: int, is_open: bool) -> dict:
    """Filled while open, hollow once resolved; bigger when more severe."""
    colour = labels.SPOT_KIND_COLOURS[kind]
    return {"radius": 3 + 2 * severity, "color": colour, "weight": 2, "fillColor": colour,
            "fillOpacity": 0.8 if is_open else 0.0}


def _experiment_period_radius(row: dict) -> tuple[str, float]:
    """'dd-mm-jjjj t/m dd-mm-jjjj' and the radius in metres (default when empty)."""
    period = labels.format_period(row[s.START_DATE], row[s.END_DATE])
    radius = row[s.RADIUS_M]
    return period, float(s.DEFAULT_RADIUS_M if radius is None or pd.isna(radius) else radius)


def build_experiment_features(experiments: gpd.GeoDataFrame) -> dict:
    """Each experiment or action with the circle of its `radius_m`.

    Parameters
    ----------
    experiments
        The experiments layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_experiment_features(layers["experiments"])
    >>> len(collection['features']) >= len(layers['experiments'])
    True
    """
    tips, styles = [], []
    for row in _records(experiments):
        period, radius = _experiment_period_radius(row)
        lines = [
            ("soort", labels.EXPERIMENT_STEP_LABELS[row[s.STEP]]),
            ("object", labels.EXPERIMENT_OBJECT_LABELS.get(row[s.OBJECT], row[s.OBJECT])),
            ("status", labels.EXPERIMENT_STATUS_LABELS[row[s.STATUS]]),
            ("periode", period),
            ("doel", row[s.GOAL]),
            ("trekker", row[s.OWNER]),
        ]
        tips.append(_tip(row[s.NAME], lines))
        colour = labels.LAYER_COLOURS[s.EXPERIMENTS]
        styles.append({"radius_m": radius, "color": colour, "weight": 2, "dashArray": "2 6",
                       "fillColor": colour, "fillOpacity": 0.08})
    return _feature_collection(experiments, tips, styles)


def build_round_features(rounds: gpd.GeoDataFrame) -> dict:
    """The routes walked (rounds without a route are not drawn).

    Parameters
    ----------
    rounds
        The rounds layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_round_features(layers["rounds"])
    >>> len(collection['features']) <= len(layers['rounds'])
    True
    """
    tips, styles = [], []
    for row in _records(rounds):
        lines = [("einde", labels.format_datetime(row[s.ENDED_AT])),
                 ("waarnemers", row[s.OBSERVERS]), ("notitie", row[s.NOTE])]
        tips.append(_tip(f"Ronde {labels.format_datetime(row[s.STARTED_AT])}", lines))
        styles.append({"color": labels.LAYER_COLOURS[s.ROUNDS], "weight": 2, "opacity": 0.5,
                       "dashArray": "4 6", "fill": False})
    return _feature_collection(rounds, tips, styles)


def build_event_features(events: gpd.GeoDataFrame) -> dict:
    """Dated events from the timeline.

    Parameters
    ----------
    events
        The events layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_event_features(layers["events"])
    >>> len(collection['features']) == int(layers['events'].geometry.notna().sum())  # with a point
    True
    """
    tips, styles = [], []
    for row in _records(events):
        lines = [("datum", labels.format_date(row[s.DATE])),
                 ("soort", labels.EVENT_KIND_LABELS[row[s.KIND]]), ("notitie", row[s.NOTE])]
        tips.append(_tip(row[s.TITLE], lines))
        colour = labels.LAYER_COLOURS[s.EVENTS]
        styles.append({"radius": 6, "color": colour, "weight": 2, "fillColor": "#ffffff",
                       "fillOpacity": 1})
    return _feature_collection(events, tips, styles)


def build_story_features(stories: gpd.GeoDataFrame) -> dict:
    """Stories from residents, youths and others.

    Parameters
    ----------
    stories
        The stories layer (or a selection of it), in EPSG:4326.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection whose features carry their style and a Dutch tooltip
        (user text HTML-escaped).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> collection = build_story_features(layers["stories"])
    >>> len(collection['features']) == int(layers['stories'].geometry.notna().sum())
    True
    """
    tips, styles = [], []
    for row in _records(stories):
        lines = [("datum", labels.format_date(row[s.DATE])), ("thema's", row[s.THEMES]),
                 ("verhaal", row[s.TEXT])]
        tips.append(_tip(f"Verhaal van {labels.STORY_SOURCE_LABELS[row[s.SOURCE]]}", lines))
        colour = labels.LAYER_COLOURS[s.STORIES]
        styles.append({"radius": 6, "color": colour, "weight": 2, "fillColor": colour,
                       "fillOpacity": 0.5})
    return _feature_collection(stories, tips, styles)


_FEATURE_BUILDERS = {
    s.HANGOUTS: build_hangout_features,
    s.SPOTS: build_spot_features,
    s.EXPERIMENTS: build_experiment_features,
    s.ROUNDS: build_round_features,
    s.EVENTS: build_event_features,
    s.STORIES: build_story_features,
}


def build_layer_groups(selected: Mapping[str, gpd.GeoDataFrame], visible: Iterable[str], *,
                       aggregate_above: int = AGGREGATE_ABOVE,
                       cell_m: float = DEFAULT_CELL_M,
                       cells: gpd.GeoDataFrame | None = None) -> list[folium.FeatureGroup]:
    """One feature group per visible layer, for `st_folium(feature_group_to_add=...)`.

    Observations become grid cells when the selection holds more than `aggregate_above`.

    Parameters
    ----------
    selected
        Layers after `selection.select_layers`.
    visible
        The layers to draw, in drawing order.
    aggregate_above
        More observations than this are drawn as cells of `cell_m` metres.
    cell_m
        The cell size.
    cells
        The observations' cells already summed (`cube.cube_to_grid`: same numbers, much
        faster); then `selected` need not hold the observations' rows.

    Returns
    -------
    list of folium.FeatureGroup
        One per visible layer that has rows.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> groups = build_layer_groups(layers, ["observations", "spots"], aggregate_above=10)
    >>> len(groups)
    2
    """
    groups = []
    for name in DRAW_ORDER:
        drawn_as_cells = name == s.OBSERVATIONS and cells is not None
        if name not in visible or (name not in selected and not drawn_as_cells):
            continue
        frame = selected.get(name)
        stack = False
        if name == s.OBSERVATIONS:
            if drawn_as_cells or len(frame) > aggregate_above:
                if cells is None:
                    cells = aggregate_to_grid(frame, cell_m=cell_m)
                data = build_grid_features(cells, cell_m)
            else:
                data = build_observation_features(frame)
                stack = True  # sightings at one spot would pile up into one dot
        else:
            data = _FEATURE_BUILDERS[name](frame)
        group = folium.FeatureGroup(name=labels.LAYER_LABELS[name])
        GeoJsonLayer(data, name=name, stack=stack).add_to(group)
        groups.append(group)
    return groups


def build_sketch_group(corners: list[tuple[float, float]]) -> folium.FeatureGroup:
    """The area being drawn: its corners and the outline so far.

    Parameters
    ----------
    corners
        The (lon, lat) corners tapped so far.

    Returns
    -------
    folium.FeatureGroup
        Corner dots and the outline.

    Examples
    --------
    >>> build_sketch_group([(4.677, 52.493), (4.678, 52.493)]).layer_name
    'Tekening'
    """
    colour = labels.LAYER_COLOURS[s.PLACES]
    ring = [list(c) for c in corners] + ([list(corners[0])] if len(corners) > 2 else [])
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(c)},
                 "properties": {"tip": f"hoek {i + 1}", "style": {
                     "radius": 6, "color": colour, "weight": 2, "fillColor": "#ffffff",
                     "fillOpacity": 1}}} for i, c in enumerate(corners)]
    if len(corners) > 1:
        features.insert(0, {"type": "Feature", "geometry": {"type": "LineString",
                                                          "coordinates": ring},
                            "properties": {"tip": "", "style": {"color": colour, "weight": 3,
                                                                "dashArray": "6 4"}}})
    group = folium.FeatureGroup(name="Tekening")
    GeoJsonLayer({"type": "FeatureCollection", "features": features}, name="sketch").add_to(group)
    return group


def build_public_groups(public: Mapping, visible: Iterable[str]) -> list[folium.FeatureGroup]:
    """Feature groups for a residents' evening from `public.make_public_layers` only.

    Parameters
    ----------
    public
        What `make_public_layers` returned (cells, never single observations).
    visible
        The layers to draw.

    Returns
    -------
    list of folium.FeatureGroup
        One per visible layer.

    Examples
    --------
    >>> from werkwijzer_geo.analysis.public import make_public_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> public = make_public_layers(layers, TimeFilter())
    >>> len(build_public_groups(public, ["observations"]))
    1
    """
    visible = set(visible)
    groups = []

    def add(name: str, data: dict) -> None:
        group = folium.FeatureGroup(name=labels.LAYER_LABELS[name])
        GeoJsonLayer(data, name=name).add_to(group)
        groups.append(group)

    if s.EXPERIMENTS in visible:
        add(s.EXPERIMENTS, _public_experiment_features(public[s.EXPERIMENTS]))
    if s.HANGOUTS in visible:
        add(s.HANGOUTS, _public_hangout_features(public[s.HANGOUTS]))
    if s.SPOTS in visible:
        add(s.SPOTS, _public_spot_features(public[s.SPOTS]))
    if s.OBSERVATIONS in visible:
        from werkwijzer_geo.analysis.public import PUBLIC_CELL_M

        add(s.OBSERVATIONS, build_grid_features(public["cells"], PUBLIC_CELL_M, public=True))
    return groups


def _public_hangout_features(hangouts: gpd.GeoDataFrame) -> dict:
    tips, styles = [], []
    for row in _records(hangouts):
        days = labels.format_weekdays(row[s.WEEKDAYS].split(","))
        tips.append(_tip(f"Hangplek: {labels.GROUP_LABELS[row[s.GROUP]].lower()}", [
            ("wanneer", f"{days} {labels.format_hours(row[s.START_HOUR], row[s.END_HOUR])}"),
            ("omvang", f"{int(row[s.SIZE])} of meer")]))
        colour = labels.GROUP_COLOURS[row[s.GROUP]]
        styles.append({"radius": 16, "color": colour, "weight": 3, "dashArray": "6 4",
                       "fillColor": colour, "fillOpacity": 0.12})
    return _feature_collection(hangouts, tips, styles)


def _public_spot_features(spots: gpd.GeoDataFrame) -> dict:
    tips, styles = [], []
    for row in _records(spots):
        tips.append(_tip(labels.SPOT_KIND_LABELS[row[s.KIND]], [
            ("gemeld op", labels.format_date(row["reported_on"])),
            ("status", "nog open" if row["is_open"] else "opgelost")]))
        styles.append(_spot_style(row[s.KIND], int(row[s.SEVERITY]), bool(row["is_open"])))
    return _feature_collection(spots, tips, styles)


def _public_experiment_features(experiments: gpd.GeoDataFrame) -> dict:
    """Each action's circle, and its name on the map: a room reads what is tried where."""
    tips, styles = [], []
    for row in _records(experiments):
        period, radius = _experiment_period_radius(row)
        tips.append(_tip(row[s.NAME], [
            ("soort", labels.EXPERIMENT_STEP_LABELS[row[s.STEP]]),
            ("status", labels.EXPERIMENT_STATUS_LABELS[row[s.STATUS]]), ("periode", period)]))
        colour = labels.LAYER_COLOURS[s.EXPERIMENTS]
        styles.append({"radius_m": radius, "color": colour, "weight": 3, "dashArray": "2 6",
                       "fillColor": colour, "fillOpacity": 0.08})
    circles = _feature_collection(experiments, tips, styles)
    # Names go before place names when two would touch (priority above any place's area).
    names = _feature_collection(
        experiments, [f"<span>{escape_text(name)}</span>" for name in experiments[s.NAME]],
        [{"label": True, "priority": 1.0, "label_class": "bk-experiment-label"}]
        * len(experiments))
    circles["features"] += names["features"]
    return circles


def build_legend_html(visible: Iterable[str] = MAP_LAYERS) -> str:
    """The legend's HTML: one colour per group or kind, Dutch labels.

    Parameters
    ----------
    visible
        The layers on the map; only their entries are listed.

    Returns
    -------
    str
        HTML of a folded-open legend (fixed labels only, no user text).

    Examples
    --------
    >>> "Jongeren" in build_legend_html(["observations"])
    True
    """
    visible = set(visible)

    def item(colour: str, text: str, shape: str = "round", hollow: bool = False) -> str:
        fill = "transparent" if hollow else colour
        return (f'<div><span class="bk-swatch {shape}" style="background:{fill};'
                f'border-color:{colour}"></span>{html.escape(text)}</div>')

    parts = ['<details open><summary>Legenda</summary>']
    if s.OBSERVATIONS in visible or s.HANGOUTS in visible:
        parts.append('<h4>Groepen</h4><div class="bk-cols">')
        parts += [item(labels.GROUP_COLOURS[g], labels.GROUP_LABELS[g]) for g in s.GROUP_CODES]
        parts.append("</div>")
    if s.SPOTS in visible:
        parts.append('<h4>Meldingen (vol = open, leeg = opgelost)</h4><div class="bk-cols">')
        parts += [item(labels.SPOT_KIND_COLOURS[k], labels.SPOT_KIND_LABELS[k])
                  for k in s.SPOT_KIND_CODES]
        parts.append("</div>")
    parts.append('<h4>Kaart</h4><div class="bk-cols">')
    parts.append(item(labels.LAYER_COLOURS[s.PLACES], "Plekken", "square"))
    parts.append(item(labels.LAYER_COLOURS[s.BOUNDARY], "Buurtgrens", "square", hollow=True))
    for name in (s.HANGOUTS, s.EXPERIMENTS, s.ROUNDS, s.EVENTS, s.STORIES):
        if name in visible:
            parts.append(item(labels.LAYER_COLOURS[name], labels.LAYER_LABELS[name],
                              hollow=name in (s.HANGOUTS, s.EXPERIMENTS)))
    parts.append("</div></details>")
    return "".join(parts)


def _boundary_features(boundary: gpd.GeoDataFrame) -> dict:
    styles = [{"color": labels.LAYER_COLOURS[s.BOUNDARY], "weight": 3, "dashArray": "8 6",
               "fill": False}] * len(boundary)
    return _feature_collection(boundary, [""] * len(boundary), styles)


def _place_features(places: gpd.GeoDataFrame) -> dict:
    """Place areas with their names as labels on the map (readable without tiles)."""
    names = [escape_text(name) for name in places[s.NAME]]
    styles = [{"color": labels.LAYER_COLOURS[s.PLACES], "weight": 1.5,
               "fillColor": labels.LAYER_COLOURS[s.PLACES], "fillOpacity": 0.18}] * len(places)
    areas = _feature_collection(places, names, styles)
    anchors = gpd.GeoDataFrame(geometry=places.geometry.representative_point().to_numpy(),
                               crs=places.crs)
    # Bigger places keep their label when two would touch (area in square degrees will do).
    sizes = np.nan_to_num(shapely.area(places.geometry.to_numpy()))
    label_points = _feature_collection(anchors, [f"<span>{name}</span>" for name in names],
                                       [{"label": True, "priority": float(size)}
                                        for size in sizes])
    areas["features"] += label_points["features"]
    return areas


def build_base_map(boundary: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *,
                   url_prefix: str = DEFAULT_URL_PREFIX, tiles: bool = True,
                   legend_layers: Iterable[str] | None = MAP_LAYERS, large: bool = False,
                   fill: bool = False, focus: gpd.GeoDataFrame | None = None,
                   locate: str | None = None,
                   view: tuple[float, float, float] | None = None) -> folium.Map:
    """The map that stays put while filters change: tiles, outline, places, legend.

    Scripts and stylesheets load from `url_prefix` on the app's own server. Offline, the
    outline and labelled places still orient the reader.

    Parameters
    ----------
    boundary, places
        The outline and the drawn places.
    url_prefix
        Where the app serves Leaflet (`/app/static/vendor/`).
    tiles
        Whether to load PDOK's grey base map from the internet.
    legend_layers
        The layers the legend lists; None for no legend on the map (a projector shows it
        beside the map, never over the data).
    large
        Bigger type, for a projector.
    fill
        The map fills its frame's height (the page sizes the frame) and fits the
        neighbourhood again whenever that size changes.
    focus
        Fit to these shapes (where the people are) instead of the whole neighbourhood.
    locate
        "show": a "Mijn locatie" button that centres on the phone's position; "record":
        it also taps the map there (Invoer opens its form at that point).
    view
        (latitude, longitude, zoom) to show instead of the fitted neighbourhood: a scene's
        own view; with `fill` it is kept when the frame changes size.

    Returns
    -------
    folium.Map
        Fitted to the outline, north up.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> fmap = build_base_map(layers["boundary"], layers["places"], tiles=False)
    >>> "cdn" in render_map_html(fmap, []).lower()
    False
    """
    outline = boundary if len(boundary) else places
    if focus is not None and len(focus):
        outline = focus
    if len(outline):
        west, south, east, north = outline.total_bounds
        if focus is not None and len(focus):  # a few sightings: show their surroundings too
            half = 0.0012  # about 130 m north-south
            middle_lat, middle_lon = (south + north) / 2, (west + east) / 2
            south, north = min(south, middle_lat - half), max(north, middle_lat + half)
            west = min(west, middle_lon - half * 1.6)
            east = max(east, middle_lon + half * 1.6)
    else:  # an empty workspace: the Netherlands
        west, south, east, north = 3.3, 50.75, 7.2, 53.55
    # Fractional zoom: the neighbourhood fills the frame instead of the nearest whole level.
    centre, zoom = [(south + north) / 2, (west + east) / 2], 16
    if view is not None:
        centre, zoom = [float(view[0]), float(view[1])], float(view[2])
    fmap = folium.Map(location=centre, zoom_start=zoom,
                      tiles=None, control_scale=True, max_zoom=20, zoom_snap=0.1,
                      zoom_delta=0.5)
    fmap.default_js = get_map_js(url_prefix)
    fmap.default_css = get_map_css(url_prefix)
    if tiles:
        folium.TileLayer(tiles=TILES.build_url(), attr=labels.ATTRIBUTION_KADASTER + " | "
                         + labels.ATTRIBUTION_CBS, name="PDOK grijs", max_zoom=20,
                         max_native_zoom=TILES.max_zoom, min_zoom=TILES.min_zoom).add_to(fmap)
    fmap.get_root().header.add_child(Element(_MAP_CSS))
    if large:  # a projector: type readable from the back row
        fmap.get_root().header.add_child(Element(_LARGE_CSS))
    if fill:
        fmap.get_root().header.add_child(Element(_FILL_CSS))
    GeoJsonLayer(_boundary_features(boundary), name=s.BOUNDARY).add_to(fmap)
    GeoJsonLayer(_place_features(places), name=s.PLACES).add_to(fmap)
    if legend_layers is not None:
        Legend(build_legend_html(legend_layers), always_open=large).add_to(fmap)
    bounds = [[float(south), float(west)], [float(north), float(east)]]
    refit = bounds if view is None else {"centre": centre, "zoom": zoom}
    LabelDeclutter(refit if fill else None).add_to(fmap)
    if locate:
        LocateButton(record=locate == "record").add_to(fmap)
    if view is None:
        # Room at the bottom for the attribution line, so the outline is never under it.
        fmap.fit_bounds(bounds, padding_top_left=(16, 16), padding_bottom_right=(16, 34))
    return fmap


def render_map_html(fmap: folium.Map, groups: Iterable[folium.FeatureGroup]) -> str:
    """The whole map as one HTML page (layers included), e.g. to measure its size.

    Parameters
    ----------
    fmap
        From `build_base_map`.
    groups
        From `build_layer_groups` or `build_public_groups`.

    Returns
    -------
    str
        The page's HTML.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> html = render_map_html(build_base_map(layers["boundary"], layers["places"]), [])
    >>> html.startswith("<!DOCTYPE html>")
    True
    """
    for group in groups:
        group.add_to(fmap)
    return fmap.get_root().render()
