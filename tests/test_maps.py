from __future__ import annotations

import re

import pytest
from builders import Obs, make_observations

from werkwijzer_geo import demo
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.aggregate import aggregate_to_grid
from werkwijzer_geo.io import storage
from werkwijzer_geo.render import maps
from werkwijzer_geo.timefilter import add_local_time
from werkwijzer_geo.validate import make_empty_layer

NASTY = "<script>alert('x')</script> `${document.cookie}` & \"quotes\""


@pytest.fixture(scope="module")
def demo_layers(demo_path):
    return storage.read_layers(demo_path)


def _html(fmap, groups=()):
    return maps.render_map_html(fmap, groups)


def test_base_map_loads_scripts_only_from_the_app(demo_layers):
    fmap = maps.build_base_map(demo_layers[s.BOUNDARY], demo_layers[s.PLACES])
    page = _html(fmap)
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert sources == ["/app/static/vendor/leaflet/leaflet.js",
                       "/app/static/vendor/markercluster/leaflet.markercluster.js",
                       "/app/static/vendor/leaflet/leaflet.css",
                       "/app/static/vendor/markercluster/MarkerCluster.css"]
    assert "cdn" not in page.lower() and "jquery" not in page.lower()
    assert "service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs" in page
    assert "Kaartgegevens \\u00a9 Kadaster" in page  # JSON-escaped ©
    assert "CBS/Kadaster, wijk- en buurtkaart 2024" in page


def test_base_map_without_tiles_still_has_outline_places_and_legend(demo_layers):
    fmap = maps.build_base_map(demo_layers[s.BOUNDARY], demo_layers[s.PLACES], tiles=False)
    page = _html(fmap)
    assert "tileLayer" not in page
    assert "Europaplein" in page and "Legenda" in page
    bounds = fmap.get_bounds()
    assert bounds == [[52.489, 4.67], [52.497, 4.684]]


def test_layer_groups_follow_visibility_and_are_named_in_dutch(demo_layers):
    groups = maps.build_layer_groups(demo_layers, [s.OBSERVATIONS, s.SPOTS])
    # people are drawn last, on top of everything else
    assert [group.layer_name for group in groups] == ["Zwerfvuil en graffiti", "Waarnemingen"]
    (layer,) = groups[-1]._children.values()
    assert len(layer.data["features"]) == len(demo_layers[s.OBSERVATIONS])
    colours = {f["properties"]["style"]["fillColor"] for f in layer.data["features"]}
    assert "#D55E00" in colours  # youth


def test_user_text_is_escaped_in_every_tooltip():
    obs = add_local_time(make_observations([Obs(note=NASTY)]), s.OBSERVED_AT, "Europe/Amsterdam")
    (group,) = maps.build_layer_groups({s.OBSERVATIONS: obs}, [s.OBSERVATIONS])
    (layer,) = group._children.values()
    tip = layer.data["features"][0]["properties"]["tip"]
    assert "<script>" not in tip and "`" not in tip
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &#96;${document.cookie}&#96;" in tip
    empty = maps.build_base_map(make_empty_layer(s.BOUNDARY), make_empty_layer(s.PLACES),
                                tiles=False)
    page = maps.render_map_html(empty, [group])
    assert "<script>alert" not in page and "`${document" not in page


def test_place_names_are_escaped_in_labels(demo_layers):
    places = demo_layers[s.PLACES].copy()
    places.loc[0, s.NAME] = NASTY
    page = _html(maps.build_base_map(demo_layers[s.BOUNDARY], places))
    assert "<script>alert" not in page


def test_large_selection_becomes_grid_cells_under_one_megabyte():
    layers = demo.build_demo_layers(n_observations=100_000)
    obs = add_local_time(layers[s.OBSERVATIONS], s.OBSERVED_AT, demo.TZ)
    fmap = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES])
    groups = maps.build_layer_groups({**layers, s.OBSERVATIONS: obs}, maps.MAP_LAYERS)
    (layer,) = groups[-1]._children.values()
    assert len(layer.data["features"]) < 500
    assert len(_html(fmap, groups).encode()) < 1_000_000


def test_grid_sums_persons_per_cell_and_names_the_top_group():
    obs = add_local_time(make_observations([
        Obs(group="youth", count=6), Obs(group="youth", count=4), Obs(group="elderly", count=3),
        Obs(group="elderly", count=2, lon=4.680, lat=52.494),
    ]), s.OBSERVED_AT, "Europe/Amsterdam")
    cells = aggregate_to_grid(obs, cell_m=50).sort_values("persons", ascending=False)
    assert cells["persons"].tolist() == [13, 2]
    assert cells["top_group"].tolist() == ["youth", "elderly"]
    assert cells["persons_youth"].tolist() == [10, 0]
    assert (cells["cell_x"] % 50 == 0).all()
    side = cells.to_crs("EPSG:28992").geometry.iloc[0].exterior.length / 4
    assert side == pytest.approx(50, abs=0.5)


def test_legend_lists_groups_and_kinds_in_dutch():
    legend = maps.build_legend_html()
    for word in ("Jongeren", "Professionals", "Zwerfvuil", "Graffiti", "Buurtgrens"):
        assert word in legend
    assert "Meldingen" not in maps.build_legend_html([s.OBSERVATIONS])
