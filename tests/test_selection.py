from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
from builders import Obs, make_observations
from shapely.geometry import Point

from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.selection import (
    describe_selection,
    get_round_slots,
    select_hangouts,
    select_layers,
    select_rounds,
    select_spots,
    select_timed,
)
from werkwijzer_geo.timefilter import HourRange, TimeFilter, add_local_time

FRI_SAT_NIGHT = TimeFilter(hours=HourRange(21, 2), weekdays=frozenset({4, 5}))


def _local(frame, column):
    return add_local_time(frame, column, "Europe/Amsterdam")


def test_observations_filter_wraps_midnight():
    obs = _local(make_observations([
        Obs(when="2026-09-11 21:30"),  # Friday evening: in
        Obs(when="2026-09-12 01:15"),  # Saturday 01:15: in (a Saturday, hour 1)
        Obs(when="2026-09-12 02:15"),  # out: past 02:00
        Obs(when="2026-09-10 22:00"),  # Thursday: out
        Obs(when="2026-09-11 15:00"),  # afternoon: out
    ]), s.OBSERVED_AT)
    assert select_timed(obs, FRI_SAT_NIGHT)[s.ID].tolist() == [1, 2]


def _rounds(spans):
    frame = pd.DataFrame({
        s.ID: range(1, len(spans) + 1),
        s.STARTED_AT: pd.to_datetime([a for a, _ in spans]).tz_localize("Europe/Amsterdam"),
        s.ENDED_AT: pd.to_datetime([b for _, b in spans]).tz_localize("Europe/Amsterdam"),
    })
    return _local(gpd.GeoDataFrame(frame, geometry=[None] * len(spans)), s.STARTED_AT)


def test_round_slots_count_hours_covered_for_a_quarter_or_more():
    rounds = _rounds([("2026-09-11 20:30", "2026-09-11 23:10"),
                      ("2026-09-12 23:00", "2026-09-13 01:30")])
    slots = get_round_slots(rounds)
    first = slots[slots[s.ROUND_ID] == 1][s.LOCAL_HOUR].tolist()
    assert first == [20, 21, 22]  # 23:00-23:10 is too short to count
    second = slots[slots[s.ROUND_ID] == 2]
    assert second[s.LOCAL_HOUR].tolist() == [23, 0, 1]
    assert second[s.LOCAL_WEEKDAY].tolist() == [5, 6, 6]


def test_round_slots_across_the_end_of_summer_time():
    rounds = _rounds([("2026-10-25 01:00", "2026-10-25 04:00")])  # three local hours, 4 real
    slots = get_round_slots(rounds)
    assert slots[s.LOCAL_HOUR].tolist() == [1, 2, 2, 3]


def test_rounds_are_selected_by_the_hours_they_covered():
    rounds = _rounds([("2026-09-11 20:30", "2026-09-11 23:00"),
                      ("2026-09-11 10:00", "2026-09-11 12:00"),
                      ("2026-09-10 21:00", "2026-09-10 23:00")])
    assert select_rounds(rounds, FRI_SAT_NIGHT)[s.ID].tolist() == [1]


def test_spots_open_during_the_period_are_kept():
    spots = gpd.GeoDataFrame({
        s.ID: [1, 2, 3],
        s.REPORTED_AT: pd.to_datetime(["2026-09-01 09:00", "2026-09-20 09:00",
                                       "2026-08-01 09:00"]).tz_localize("Europe/Amsterdam"),
        s.RESOLVED_AT: pd.to_datetime(["2026-09-03 09:00", None, None]).tz_localize(
            "Europe/Amsterdam"),
    }, geometry=[Point(0, 0)] * 3)
    spots = _local(spots, s.REPORTED_AT)
    september_second_half = TimeFilter(date_from=dt.date(2026, 9, 15),
                                       date_to=dt.date(2026, 9, 30))
    assert select_spots(spots, september_second_half)[s.ID].tolist() == [2, 3]


def test_hangouts_by_weekday_and_hour_window_past_midnight():
    hangouts = gpd.GeoDataFrame({
        s.ID: [1, 2, 3],
        s.WEEKDAYS: ["fri,sat", "mon,tue", "sat"],
        s.START_HOUR: [22, 15, 9],
        s.END_HOUR: [1, 17, 12],
        s.SINCE: pd.to_datetime([None, None, None]),
        s.UNTIL: pd.to_datetime([None, None, None]),
    }, geometry=[Point(0, 0)] * 3)
    after_midnight = TimeFilter(hours=HourRange(0, 2), weekdays=frozenset({5}))
    assert select_hangouts(hangouts, after_midnight)[s.ID].tolist() == [1]
    assert select_hangouts(hangouts, TimeFilter())[s.ID].tolist() == [1, 2, 3]


def test_demo_friday_evening_selection_and_count_line(demo_path):
    from werkwijzer_geo.io import storage

    layers = storage.read_layers(demo_path)
    selected = select_layers(layers, FRI_SAT_NIGHT)
    obs = selected[s.OBSERVATIONS]
    assert set(obs[s.LOCAL_WEEKDAY]) <= {4, 5}
    assert set(obs[s.LOCAL_HOUR]) <= {21, 22, 23, 0, 1}
    assert "youth" in set(obs[s.GROUP]) and "children" not in set(obs[s.GROUP])
    assert len(selected[s.PLACES]) == len(layers[s.PLACES])
    line = describe_selection(selected)
    assert line.startswith(f"{len(obs)} waarnemingen (")
    assert f"{len(selected[s.ROUNDS])} rondes" in line and line.endswith("in deze selectie")


def test_count_line_uses_dutch_thousands_and_singular():
    one = {s.OBSERVATIONS: make_observations([Obs(count=1)]),
           s.ROUNDS: _rounds([("2026-09-11 20:30", "2026-09-11 23:00")])}
    assert describe_selection(one) == "1 waarneming (1 persoon), 1 ronde in deze selectie"
    many = {s.OBSERVATIONS: make_observations([Obs(count=1500)])}
    assert describe_selection(many) == "1 waarneming (1.500 personen) in deze selectie"


def test_a_running_round_counts_its_first_hour():
    rounds = _rounds([("2026-09-11 21:10", "2026-09-11 23:00")])
    rounds[s.ENDED_AT] = pd.Series([pd.NaT], dtype="datetime64[ms, Europe/Amsterdam]")
    assert get_round_slots(rounds)[s.LOCAL_HOUR].tolist() == [21]  # 21:10-22:10 so far
