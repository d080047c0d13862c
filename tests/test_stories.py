"""Stories as themes for the team: per month and per place, the short list first."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from werkwijzer_geo.analysis import stories as st
from werkwijzer_geo.demo import read_demo_layers

PLEIN = box(4.6760, 52.4920, 4.6780, 52.4940)
TUNNEL = box(4.6830, 52.4930, 4.6835, 52.4935)


def _stories() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "date": pd.to_datetime(["2026-09-02", "2026-09-20", "2026-10-05", "2026-10-06",
                                "2026-11-01"]),
        "themes": ["Overlast; geluid", "overlast,overlast", "verlichting, veiligheid",
                   "veiligheid", None],
        "text": ["a", "b", "c", "d", "e"],
    }, geometry=[Point(4.6770, 52.4930), Point(4.6772, 52.4932), Point(4.6832, 52.4932),
                 None, Point(4.6770, 52.4930)], crs="EPSG:4326")


def test_themes_are_counted_once_per_story_per_month_short_list_first():
    table = st.count_themes_per_month(_stories())
    assert list(table.columns) == ["09-2026", "10-2026", "totaal"]
    # "overlast" twice in one story counts once; the free tag "geluid" after the short list.
    assert table.loc["overlast"].tolist() == [2, 0, 2]
    assert table.loc["veiligheid"].tolist() == [0, 2, 2]
    assert table.index.tolist() == ["veiligheid", "overlast", "verlichting", "geluid"]
    assert table["totaal"].sum() == 6  # a story without themes adds nothing


def test_themes_belong_to_the_nearest_place_within_the_radius():
    places = gpd.GeoDataFrame({"name": ["Europaplein", "Voetgangerstunnel"]},
                              geometry=[PLEIN, TUNNEL], crs="EPSG:4326")
    table = st.count_themes_per_place(_stories(), places)
    assert table.loc["overlast", "Europaplein"] == 2
    assert table.loc["verlichting", "Voetgangerstunnel"] == 1
    assert table.loc["veiligheid", "zonder plek"] == 1  # the story told without a point
    far = st.count_themes_per_place(_stories(), places, radius_m=0)
    assert far.loc["overlast", "Europaplein"] == 2  # inside the place: distance 0
    moved = _stories().set_geometry([Point(4.70, 52.50)] * 5, crs="EPSG:4326")
    assert st.count_themes_per_place(moved, places).columns.tolist() == ["elders", "totaal"]


def test_the_demo_stories_read_as_a_sentence_and_keep_no_text():
    layers = read_demo_layers()
    table = st.count_themes_per_month(layers["stories"])
    sentence = st.describe_theme_counts(table)
    assert sentence.startswith("Het vaakst gehoord: ")
    for text in layers["stories"]["text"]:
        assert text not in sentence and text not in table.to_string()
