from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import effects
from werkwijzer_geo.cli import main
from werkwijzer_geo.demo import PLANTED_PATTERNS
from werkwijzer_geo.io import storage
from werkwijzer_geo.render import charts

TZ = "Europe/Amsterdam"


def _spots(rows):
    """rows: (kind, reported local, resolved local or None, lon, lat)."""
    frame = gpd.GeoDataFrame({
        s.ID: range(1, len(rows) + 1), s.KIND: [r[0] for r in rows],
        s.REPORTED_AT: pd.to_datetime([r[1] for r in rows]).tz_localize(TZ),
        s.RESOLVED_AT: pd.to_datetime([r[2] for r in rows]).tz_localize(TZ),
        s.SEVERITY: 2, s.NOTE: None}, geometry=[Point(r[3], r[4]) for r in rows],
        crs=s.STORAGE_CRS)
    return storage.localise_layer(s.SPOTS, frame, TZ)


HERE, FAR = (4.6770, 52.4930), (4.6810, 52.4930)


def test_repeats_from_the_tree_match_every_pair_checked_one_by_one():
    import numpy as np

    from werkwijzer_geo.analysis.aggregate import get_metric_xy

    rng = np.random.default_rng(3)
    rows = [(str(rng.choice(["litter", "graffiti"])),
             str(pd.Timestamp("2026-09-01 08:00") + pd.Timedelta(hours=int(rng.integers(0, 2000)))),
             None, 4.6770 + rng.normal(0, 0.0004), 52.4930 + rng.normal(0, 0.0003))
            for _ in range(400)]
    spots = _spots(rows)
    x, y, _ = get_metric_xy(spots)
    moments = spots[s.REPORTED_AT].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    kinds = spots[s.KIND].to_numpy()
    expected = []
    for i in range(len(spots)):
        gap = moments[i] - moments
        near = np.hypot(x - x[i], y - y[i]) <= effects.REPEAT_M
        expected.append(bool((near & (kinds == kinds[i]) & (gap > np.timedelta64(0))
                              & (gap <= np.timedelta64(effects.REPEAT_DAYS, "D"))).any()))
    found = effects.mark_repeats(spots).tolist()
    assert found == expected
    assert 20 < sum(found) < 380  # the case holds both kinds of answer


def test_hotspots_repeats_and_resolution():
    spots = _spots([
        ("litter", "2026-09-07 09:00", "2026-09-08 09:00", *HERE),
        ("litter", "2026-09-14 09:00", "2026-09-17 09:00", *HERE),  # repeat: 7 days later
        ("litter", "2026-11-14 09:00", None, *HERE),  # same spot, but 2 months later
        ("graffiti", "2026-09-15 09:00", None, *FAR),
    ])
    assert effects.mark_repeats(spots).tolist() == [False, True, False, False]
    hotspots = effects.find_hotspots(spots)
    assert len(hotspots) == 1
    hot = hotspots.iloc[0]
    assert (hot["spots"], hot["open"], hot["repeats"], hot["litter"]) == (3, 1, 1, 3)
    assert hot["lat"] == pytest.approx(52.493, abs=0.0005)
    summary = effects.summarise_resolution(spots)
    assert summary.loc["Zwerfvuil", "reports"] == 3 and summary.loc["Zwerfvuil", "open"] == 1
    assert summary.loc["Zwerfvuil", "median_days"] == 2.0
    trend = effects.get_weekly_trend(spots)
    assert trend.index[0] == pd.Timestamp("2026-09-07") and trend["litter"].sum() == 3
    assert len(trend) == 10  # every week from the first to the last, empty ones too


def test_experiment_needs_enough_rounds(demo_path):
    layers = storage.read_layers(demo_path)
    experiment = layers[s.EXPERIMENTS].iloc[0].copy()
    few = layers[s.ROUNDS][layers[s.ROUNDS][s.LOCAL_DATE] >= "2026-09-26"]
    effect = effects.measure_experiment(experiment, layers[s.OBSERVATIONS], few,
                                        layers[s.SPOTS])
    assert effect.rounds_before < effects.EFFECT_MIN_ROUNDS
    assert effect.verdict.endswith("te weinig rondes om iets te zeggen.")
    assert all(group.verdict == "te weinig rondes" for group in effect.groups)


def test_demo_container_thinned_the_youth_group_at_the_square(demo_path):
    layers = storage.read_layers(demo_path)
    container = layers[s.EXPERIMENTS][layers[s.EXPERIMENTS][s.OBJECT] == "container"].iloc[0]
    effect = effects.measure_experiment(container, layers[s.OBSERVATIONS], layers[s.ROUNDS],
                                        layers[s.SPOTS])
    youth = next(g for g in effect.groups if g.group == "youth")
    assert youth.verdict == "minder" and youth.inside_during < youth.inside_before
    assert effect.during == ("28-09-2026", "08-11-2026")
    assert effect.rounds_before >= 10 and effect.rounds_during >= 10
    assert "minder jongeren binnen 60 m" in effect.verdict


def test_week_heatmap_marks_unknown_slots():
    table = pd.DataFrame(float("nan"), index=range(7), columns=range(24))
    table.loc[4, 21] = 0.8
    table.loc[4, 22] = 0.0
    figure = charts.plot_week_heatmap(table, title="t", value_label="%", percent=True)
    (heat,) = figure.data
    assert list(heat.y) == ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag",
                            "zaterdag", "zondag"]
    assert heat.z[4][21] == 80 and heat.z[4][22] == 0 and heat.z[0][0] is None
    assert heat.text[0][0] == "niet gekeken" and heat.text[4][22] == "0%"
    assert figure.layout.plot_bgcolor == charts.UNKNOWN_COLOUR


def test_weekly_trend_chart_has_a_line_per_kind_in_dutch():
    trend = pd.DataFrame({"litter": [3, 1], "graffiti": [0, 2]},
                         index=pd.to_datetime(["2026-09-07", "2026-09-14"]))
    figure = charts.plot_weekly_trend(trend)
    assert [trace.name for trace in figure.data] == ["Zwerfvuil", "Graffiti"]
    assert [day.date().isoformat() for day in figure.data[0].x] == ["2026-09-07", "2026-09-14"]
    # Weeks read dd-mm-jjjj on the axis and in the hover, not as plotly's default dates.
    assert figure.layout.xaxis.tickformat == "%d-%m-%Y"
    assert "%{x|%d-%m-%Y}" in figure.data[0].hovertemplate


def test_patterns_json_lets_a_script_find_the_planted_patterns(demo_path, capsys):
    assert main(["patterns", "--db", str(demo_path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == "buurtkaart.patterns/2"
    found = {(p["group"], p["place"]) for p in report["patterns"]}
    assert found == {(group, place) for group, place, *_ in PLANTED_PATTERNS}
    youth = next(p for p in report["patterns"] if p["group"] == "youth")
    assert youth["weekdays"] == ["fri", "sat"] and youth["start_hour"] == 21
    (gap,) = report["gaps"]  # the evening youths at the benches, with nobody there
    assert (gap["place"], gap["weekdays"]) == ("Europaplein", ["fri", "sat"])
    assert gap["lat"] == youth["lat"] and gap["rounds_with_professionals"] <= 2
    assert any(c["group"] == "youth" and c["place"] == "Europaplein" for c in report["claims"])
    assert [e["name"] for e in report["experiments"]] == ["Zeecontainer op het Europaplein",
                                                         "Koffietafel op woensdag"]


def test_patterns_text_follows_the_filters(demo_path, capsys):
    assert main(["patterns", "--db", str(demo_path), "--hours", "21-2", "--weekdays",
                 "fri,sat"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Selectie: 21:00-02:00, vr, za;")
    assert "Vrijdag en zaterdag 21-23 uur:" in out and "kinderen" not in out.split(
        "Geen professional")[0]
    assert main(["patterns", "--db", str(demo_path), "--from", "31-02-2026"]) == 2
    assert "--from '31-02-2026' is geen bestaande datum" in capsys.readouterr().err
