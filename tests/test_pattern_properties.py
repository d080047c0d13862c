"""Whatever rounds and sightings a team records, a pattern never claims more rounds with the
group than rounds that looked, and moments add up the way the counting rules say."""

from __future__ import annotations

import datetime as dt
import re

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_patterns import PLACES, _obs, _rounds

from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import patterns as p
from werkwijzer_geo.analysis.placing import locate_places

FIRST_DAY = dt.datetime(2026, 9, 4, 17, 0)  # a Friday (no night here crosses a DST change)
LOOSE = p.PatternSettings(min_share=0.1, min_rounds=1, min_dates=1)
IN_SQUARE, ELSEWHERE = (4.677, 52.493), (4.690, 52.500)

round_spec = st.tuples(st.builds(lambda week, day: 7 * week + day, st.integers(0, 9),
                                 st.sampled_from([0, 0, 3])),  # Fridays, some Mondays
                       st.integers(0, 6 * 60),  # minutes after 17:00
                       st.integers(10, 4 * 60))  # 10 minutes to 4 hours
sighting_spec = st.tuples(st.integers(-30, 270),  # minutes after its round began
                          st.integers(1, 9), st.booleans(), st.booleans(),
                          st.sampled_from(["youth", "young_adults", "professionals"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(round_spec, st.lists(sighting_spec, max_size=4)), min_size=1,
                max_size=25))
def test_present_rounds_never_exceed_covering_rounds(world):
    spans, rows = [], []
    for number, ((day, minute, length), sightings) in enumerate(world, start=1):
        start = FIRST_DAY + dt.timedelta(days=day, minutes=minute)
        spans.append((f"{start:%Y-%m-%d %H:%M}",
                      f"{start + dt.timedelta(minutes=length):%Y-%m-%d %H:%M}"))
        for offset, count, in_square, linked, group in sightings:
            seen = start + dt.timedelta(minutes=min(offset, length + 30))
            lon, lat = IN_SQUARE if in_square else ELSEWHERE
            rows.append((f"{seen:%Y-%m-%d %H:%M}", group, count, lon, lat,
                         number if linked else None))
    rounds = _rounds(spans)
    observations = _obs(rows) if rows else _obs([])
    layers = {s.ROUNDS: rounds, s.OBSERVATIONS: observations, s.PLACES: PLACES}
    report = p.build_report(layers, settings=LOOSE)
    for pattern in report.patterns:
        assert pattern.rounds_present <= pattern.rounds_covering, pattern
        assert 0 < pattern.share <= 1, pattern
    week = p.get_typical_week(report.presence, report.effort)
    assert np.nanmax(week.to_numpy(dtype=float), initial=0) <= 1


def test_rows_of_one_moment_add_up_and_repeats_take_the_largest():
    rounds = _rounds([("2026-09-11 21:00", "2026-09-11 22:00")])
    # 21:10: a file with one row per person (3 rows of 1, and 2 more a minute later);
    # 21:40: the same group seen again, 4 of them.
    observations = _obs([("2026-09-11 21:10", "youth", 1, *IN_SQUARE, 1)] * 3
                        + [("2026-09-11 21:11", "youth", 2, *IN_SQUARE, 1),
                           ("2026-09-11 21:40", "youth", 4, *IN_SQUARE, 1)])
    presence = p.get_presence(observations, rounds, PLACES)
    assert presence[s.COUNT].tolist() == [5]


def _jittered_benches(rng: np.random.Generator, weeks: int = 10):
    """Fridays and Saturdays 20:30-23:30; youths at benches that lie on a 50 m grid line,
    scattered 15 m around them, in 9 of 10 rounds at 21 and 22 o'clock."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
    spans, rows = [], []
    for week in range(weeks):
        for day in (0, 1):
            date = FIRST_DAY.date() + dt.timedelta(days=7 * week + day)
            spans.append((f"{date} 20:30", f"{date} 23:30"))
            if (week * 2 + day) % 10 == 3:
                continue  # one round in ten without them
            for hour in (21, 22):
                x, y = 104_050 + rng.uniform(-15, 15), 500_000 + rng.uniform(-15, 15)
                lon, lat = to_wgs84.transform(x, y)
                rows.append((f"{date} {hour}:15", "youth", int(rng.integers(6, 9)), lon, lat,
                             len(spans)))
    return _rounds(spans), _obs(rows)


def test_a_spot_across_a_grid_line_is_one_place_with_one_window():
    rounds, observations = _jittered_benches(np.random.default_rng(5))
    no_places = PLACES.iloc[0:0]
    report = p.build_report({s.ROUNDS: rounds, s.OBSERVATIONS: observations,
                             s.PLACES: no_places})
    assert len(report.patterns) == 1, [x.sentence for x in report.patterns]
    (pattern,) = report.patterns
    assert (pattern.weekdays, pattern.start_hour, pattern.end_hour) == (["fri", "sat"], 21, 23)
    assert (pattern.rounds_present, pattern.rounds_covering) == (18, 20)
    assert pattern.lat == pytest.approx(observations.geometry.y.mean(), abs=1e-4)
    assert pattern.to_dict()["lon"] == pytest.approx(observations.geometry.x.mean(), abs=1e-4)
    # The map behind the pattern shows every sighting of it, on both sides of the line.
    behind = p.select_pattern_observations(observations, pattern, report.places)
    assert len(behind) == len(observations)
    saturday = observations[observations[s.LOCAL_WEEKDAY] == 5].index
    assert len(p.select_pattern_observations(observations, pattern, report.places,
                                             within=saturday)) == len(saturday)
    # The busiest hours describe the same spot, now with enough dates to say it recurs.
    busiest = report.busiest[0]
    assert (busiest.place, busiest.weekday) == (pattern.place, "fri") and busiest.recurs
    assert busiest.hour in (21, 22) and "terugkomt" not in busiest.sentence
    friday_21 = observations[(observations[s.LOCAL_WEEKDAY] == 4)
                             & (observations[s.LOCAL_HOUR] == busiest.hour)]
    assert busiest.people_per_round == pytest.approx(friday_21[s.COUNT].sum() / 10, abs=0.05)


def test_a_written_place_wins_and_a_hangout_area_is_a_place():
    from shapely.geometry import box

    observations = _obs([("2026-09-11 21:10", "youth", 5, *IN_SQUARE, None),
                         ("2026-09-11 21:20", "youth", 5, *IN_SQUARE, None),
                         ("2026-09-11 21:30", "youth", 5, 4.7001, 52.5001, None)])
    observations.loc[observations.index[0], s.PLACE] = "Loc 7"
    hangouts = gpd.GeoDataFrame({s.NAME: ["Bij de tunnel"]},
                                geometry=[box(4.700, 52.500, 4.7005, 52.5005)],
                                crs=s.STORAGE_CRS)
    index = locate_places(observations, PLACES, hangouts)
    assert index.names.tolist() == ["Loc 7", "Het plein", "Bij de tunnel"]
    assert set(index.locations) >= {"Loc 7", "Het plein", "Bij de tunnel"}


def test_an_always_busy_place_reports_its_peak_not_every_hour_walked():
    rng = np.random.default_rng(11)
    spans, rows = [], []
    for day in range(42):  # six weeks, every day, a morning and an afternoon round
        date = FIRST_DAY.date() + dt.timedelta(days=day)
        for start in (10, 14):
            spans.append((f"{date} {start}:00", f"{date} {start + 2}:00"))
            peak = date.weekday() == 2 and start == 14  # Wednesday afternoon: the market
            for hour in (start, start + 1):
                count = int(rng.integers(12, 16)) if peak else int(rng.integers(3, 6))
                rows.append((f"{date} {hour}:20", "adults", count, *IN_SQUARE, len(spans)))
    report = p.build_report({s.ROUNDS: _rounds(spans), s.OBSERVATIONS: _obs(rows),
                             s.PLACES: PLACES})
    kinds = {(x.kind, tuple(x.weekdays), x.start_hour, x.end_hour) for x in report.patterns}
    assert ("busier", ("wed",), 14, 16) in kinds
    assert sum(x.kind == "always" for x in report.patterns) == 1
    assert not any(x.kind == "regular" for x in report.patterns)  # no line per hour walked
    peak = next(x for x in report.patterns if x.kind == "busier")
    assert peak.rate_ratio_low > 2
    assert re.fullmatch(r"Woensdag 14-16 uur: ongeveer 3,5 keer zo druk met volwassenen bij "
                        r"Het plein als op de andere uren die we zagen \(gemiddeld 1\d tegen "
                        r"4,\d per ronde, 6 rondes\)\.", peak.sentence), peak.sentence
    assert report.patterns[0] is peak or report.patterns[1] is peak  # near the top
