from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from werkwijzer_geo import demo
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import patterns as p
from werkwijzer_geo.analysis.placing import locate_places
from werkwijzer_geo.io import storage

TZ = "Europe/Amsterdam"
SQUARE = box(4.676, 52.492, 4.678, 52.494)


def _local(name, frame):
    return storage.localise_layer(name, frame, TZ)


def _rounds(spans):
    frame = gpd.GeoDataFrame({
        s.ID: range(1, len(spans) + 1),
        s.STARTED_AT: pd.to_datetime([a for a, _ in spans]).tz_localize(TZ).tz_convert("UTC"),
        s.ENDED_AT: pd.to_datetime([b for _, b in spans]).tz_localize(TZ).tz_convert("UTC"),
        s.OBSERVERS: None, s.NOTE: None}, geometry=[None] * len(spans), crs=s.STORAGE_CRS)
    return _local(s.ROUNDS, frame)


def _obs(rows):
    """rows: (local time, group, count, lon, lat, round id or None)."""
    frame = gpd.GeoDataFrame({
        s.ID: range(1, len(rows) + 1),
        s.ROUND_ID: pd.array([r[5] for r in rows], dtype="Int64"),
        s.OBSERVED_AT: pd.to_datetime([r[0] for r in rows]).tz_localize(TZ).tz_convert("UTC"),
        s.GROUP: [r[1] for r in rows], s.COUNT: [r[2] for r in rows],
        s.ACTIVITY: "hanging_out", s.ROLE: None, s.INTERACTION: None, s.PLACE: None,
        s.NOTE: None}, geometry=[Point(r[3], r[4]) for r in rows], crs=s.STORAGE_CRS)
    return _local(s.OBSERVATIONS, frame)


PLACES = gpd.GeoDataFrame({s.ID: [1], s.NAME: ["Het plein"], s.KIND: ["square"],
                           s.NOTE: [None]}, geometry=[SQUARE], crs=s.STORAGE_CRS)
FRIDAYS = [f"2026-09-{d:02d}" for d in (4, 11, 18, 25)] + ["2026-10-02", "2026-10-09"]


def _friday_world(youth_on: list[bool], *, pros_on: list[bool] | None = None):
    rounds = _rounds([(f"{d} 20:30", f"{d} 23:00") for d in FRIDAYS])
    rows = []
    for index, (day, present) in enumerate(zip(FRIDAYS, youth_on, strict=True)):
        if present:
            rows += [(f"{day} 21:20", "youth", 7, 4.677, 52.493, index + 1),
                     (f"{day} 22:10", "youth", 8, 4.677, 52.493, index + 1)]
        if pros_on and pros_on[index]:
            rows.append((f"{day} 21:40", "professionals", 1, 4.677, 52.493, index + 1))
    rows.append(("2026-09-12 03:00", "youth", 5, 4.677, 52.493, None))  # nobody looked
    return rounds, _obs(rows)


def test_effort_is_unknown_where_nobody_looked():
    rounds, _ = _friday_world([True] * 6)
    effort = p.get_effort(rounds)
    assert effort.loc[4, 21] == 6 and effort.loc[4, 20] == 6 and effort.loc[4, 22] == 6
    assert np.isnan(effort.loc[4, 12]) and np.isnan(effort.loc[0, 21])


def test_planted_pattern_found_with_place_days_and_hours():
    rounds, obs = _friday_world([True, True, True, True, True, False])
    presence = p.get_presence(obs, rounds, PLACES)
    (pattern,) = p.find_patterns(presence, p.get_covered_slots(rounds))
    assert (pattern.group, pattern.place, pattern.weekdays) == ("youth", "Het plein", ["fri"])
    assert (pattern.start_hour, pattern.end_hour) == (21, 23)
    assert (pattern.rounds_present, pattern.rounds_covering, pattern.dates_seen) == (5, 6, 5)
    assert pattern.typical_count == "8"  # the largest count per round: 7 then 8 each time
    assert pattern.sentence == ("Vrijdag 21-23 uur: 8 jongeren bij Het plein "
                                "(gezien in 5 van 6 rondes).")


def test_uncovered_sightings_and_thin_coverage_make_no_pattern():
    rounds, obs = _friday_world([True] * 6)
    few_rounds = rounds[rounds[s.ID] <= 3]  # only three Fridays were covered
    presence = p.get_presence(obs[obs[s.ROUND_ID].isin([1, 2, 3])], few_rounds, PLACES)
    assert p.find_patterns(presence, p.get_covered_slots(few_rounds)) == []
    # The 03:00 sighting had no round: it is not presence in any covered slot.
    all_presence = p.get_presence(obs, rounds, PLACES)
    assert 3 not in set(all_presence[s.LOCAL_HOUR])


def test_occasional_presence_is_no_pattern():
    rounds, obs = _friday_world([True, False, False, True, False, False])
    presence = p.get_presence(obs, rounds, PLACES)
    assert p.find_patterns(presence, p.get_covered_slots(rounds)) == []


def test_points_outside_places_are_grouped_by_proximity():
    rows = [("2026-09-11 21:30", "youth", 4, 4.6800, 52.4900, 1),
            ("2026-09-11 21:40", "youth", 4, 4.68001, 52.49001, 1),
            ("2026-09-11 21:50", "youth", 4, 4.6700, 52.4960, 1)]
    names = locate_places(_obs(rows), PLACES).names
    assert names.iloc[0] == names.iloc[1] != names.iloc[2]
    assert re.fullmatch(r"bij 52\.\d{4}, 4\.\d{4}", names.iloc[0])


def test_presence_gap_when_no_professional_is_seen():
    rounds, obs = _friday_world([True] * 6)
    slots = p.get_covered_slots(rounds)
    (gap,) = p.find_presence_gaps(p.get_presence(obs, rounds, PLACES), slots)
    assert (gap.place, gap.weekdays, gap.start_hour, gap.end_hour) == ("Het plein", ["fri"],
                                                                       21, 23)
    assert gap.sentence == ("Vrijdag 21-23 uur bij Het plein: jongeren in 6 van 6 rondes, "
                            "geen professional gezien.")
    # A youth worker at the square in one of the six rounds: not "no professional" any more.
    rounds, obs = _friday_world([True] * 6, pros_on=[True] + [False] * 5)
    assert p.find_presence_gaps(p.get_presence(obs, rounds, PLACES), slots) == []
    # Youths seen on too few dates make no gap, as they make no pattern.
    rounds, obs = _friday_world([True, True, True, False, False, False])
    assert p.find_presence_gaps(p.get_presence(obs, rounds, PLACES), slots) == []


@pytest.fixture(scope="module")
def demo_patterns(demo_path):
    layers = storage.read_layers(demo_path)
    presence = p.get_presence(layers[s.OBSERVATIONS], layers[s.ROUNDS], layers[s.PLACES])
    return p.find_patterns(presence, p.get_covered_slots(layers[s.ROUNDS]))


def test_demo_patterns_are_the_planted_ones_and_no_others(demo_patterns):
    planted = {}
    for group, place, days, start, end in demo.PLANTED_PATTERNS:
        planted.setdefault((group, place), []).append((set(days), start, end))
    found = {(x.group, x.place) for x in demo_patterns}
    assert found == set(planted)
    for pattern in demo_patterns:
        days = {["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(d)
                for d in pattern.weekdays}
        windows = planted[(pattern.group, pattern.place)]
        assert any(days <= planted_days and start <= pattern.start_hour
                   and pattern.end_hour <= end for planted_days, start, end in windows), pattern


def test_demo_names_the_friday_and_saturday_youths(demo_patterns):
    youth = [x for x in demo_patterns if x.group == "youth"]
    assert len(youth) == 1
    assert youth[0].weekdays == ["fri", "sat"] and (youth[0].start_hour, youth[0].end_hour) == (
        21, 23)
    assert youth[0].sentence.startswith("Vrijdag en zaterdag 21-23 uur: ")
    assert "jongeren bij Europaplein (gezien in" in youth[0].sentence


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_recall_and_precision_over_other_seeds(seed):
    layers = {k: storage.localise_layer(k, v, demo.TZ)
              for k, v in demo.build_demo_layers(seed=seed).items()}
    presence = p.get_presence(layers[s.OBSERVATIONS], layers[s.ROUNDS], layers[s.PLACES])
    found = {(x.group, x.place) for x in p.find_patterns(
        presence, p.get_covered_slots(layers[s.ROUNDS]))}
    planted = {(group, place) for group, place, *_ in demo.PLANTED_PATTERNS}
    recall = len(found & planted) / len(planted)
    precision = len(found & planted) / max(len(found), 1)
    assert recall >= 0.85 and precision >= 0.85, (found - planted, planted - found)


@pytest.mark.both_stores
def test_the_demo_patterns_are_the_same_from_either_store(demo_path, demo_patterns,
                                                         copy_to_store, capsys):
    from werkwijzer_geo.cli import main

    workspace = copy_to_store(demo_path)
    layers = storage.read_layers(workspace)
    presence = p.get_presence(layers[s.OBSERVATIONS], layers[s.ROUNDS], layers[s.PLACES])
    found = p.find_patterns(presence, p.get_covered_slots(layers[s.ROUNDS]))
    assert [x.sentence for x in found] == [x.sentence for x in demo_patterns]
    assert main(["patterns", "--db", str(demo_path)]) == 0
    from_file = capsys.readouterr().out
    assert main(["patterns", "--db", str(workspace)]) == 0
    assert capsys.readouterr().out == from_file and "Europaplein" in from_file
