from __future__ import annotations

import pandas as pd
from geopandas.testing import assert_geodataframe_equal

from werkwijzer_geo import demo
from werkwijzer_geo import schema as s
from werkwijzer_geo.io import storage
from werkwijzer_geo.validate import validate_layer


def test_demo_is_deterministic_for_a_seed():
    first = demo.build_demo_layers(seed=3)
    second = demo.build_demo_layers(seed=3)
    for name in s.LAYER_NAMES:
        assert_geodataframe_equal(first[name], second[name])
    other = demo.build_demo_layers(seed=4)
    assert not first[s.OBSERVATIONS][s.OBSERVED_AT].equals(other[s.OBSERVATIONS][s.OBSERVED_AT])


def test_outline_is_cbs_oosterwijk_and_everything_lies_inside(demo_path):
    layers = storage.read_layers(demo_path)
    outline = layers[s.BOUNDARY].geometry.iloc[0]
    assert layers[s.BOUNDARY][s.NAME].iloc[0] == "Oosterwijk (Beverwijk)"
    assert outline.bounds == (4.67, 52.489, 4.684, 52.497)
    for name in (s.PLACES, s.OBSERVATIONS, s.SPOTS, s.HANGOUTS, s.EXPERIMENTS):
        assert layers[name].within(outline).all(), name
    kinds = set(layers[s.PLACES][s.KIND])
    assert {"square", "playground", "school", "shops", "park", "street"} <= kinds


def test_demo_has_every_layer_filled_and_valid(demo_path):
    layers = storage.read_layers(demo_path)
    for name in s.LAYER_NAMES:
        assert len(layers[name]) > 0, name
        validate_layer(name, layers[name])
    statuses = set(layers[s.EXPERIMENTS][s.STATUS])
    assert {"evaluated", "running", "planned"} <= statuses
    spots = layers[s.SPOTS]
    assert spots[s.RESOLVED_AT].isna().any() and spots[s.RESOLVED_AT].notna().any()


def test_twelve_weeks_of_rounds_at_varied_hours_with_days_nobody_looked(demo_path):
    rounds = storage.read_layer(demo_path, s.ROUNDS)
    days = rounds[s.LOCAL_DATE]
    assert (days.max() - days.min()).days <= 12 * 7
    assert (days.max() - days.min()).days > 10 * 7
    hours = set(rounds[s.LOCAL_HOUR])
    assert {9, 10, 14, 15, 19, 20, 21, 23} <= hours  # mornings, after school, evenings, late
    looked = set(days.dt.date)
    all_days = set(pd.date_range(days.min(), days.max()).date)
    assert len(all_days - looked) >= 10


def test_youths_at_the_benches_on_friday_and_saturday_evenings(demo_path):
    obs = storage.read_layer(demo_path, s.OBSERVATIONS)
    rounds = storage.read_layer(demo_path, s.ROUNDS)
    youth_evening = obs[(obs[s.GROUP] == "youth") & obs[s.LOCAL_WEEKDAY].isin([4, 5])
                        & obs[s.LOCAL_HOUR].between(21, 22)
                        & obs[s.PLACE].eq("Europaplein")]
    evening_rounds = rounds[rounds[s.LOCAL_WEEKDAY].isin([4, 5])
                            & rounds[s.LOCAL_HOUR].between(20, 21)]
    assert youth_evening[s.LOCAL_DATE].nunique() >= 0.7 * len(evening_rounds) >= 9
    assert youth_evening[s.COUNT].median() >= 5
    pros_evening = obs[(obs[s.GROUP] == "professionals") & (obs[s.LOCAL_HOUR] >= 19)]
    pros_day = obs[(obs[s.GROUP] == "professionals") & obs[s.LOCAL_HOUR].between(9, 16)
                   & (obs[s.LOCAL_WEEKDAY] < 5)]
    assert len(pros_day) > 5 * max(len(pros_evening), 1)


def test_litter_is_heavier_after_weekends():
    spots = demo.build_demo_layers()[s.SPOTS]
    litter = spots[spots[s.KIND] == "litter"]
    weekday = litter[s.REPORTED_AT].dt.tz_convert(demo.TZ).dt.day_of_week
    assert weekday.isin([6, 0]).sum() > 2 * weekday.isin([2, 3]).sum()
    graffiti = spots[spots[s.KIND] == "graffiti"]
    assert len(graffiti) >= 3


def test_observations_scale_to_an_exact_size():
    layers = demo.build_demo_layers(n_observations=5000)
    obs = layers[s.OBSERVATIONS]
    assert len(obs) == 5000
    assert obs[s.ID].is_unique
    validate_layer(s.OBSERVATIONS, obs)
    assert set(obs[s.GROUP]) == set(s.GROUP_CODES)


def test_planted_patterns_are_listed_for_analysis():
    groups = {(group, place) for group, place, *_ in demo.PLANTED_PATTERNS}
    assert ("youth", demo.SQUARE) in groups
    assert ("children", demo.PLAYGROUND) in groups
    assert ("elderly", demo.SHOPS) in groups
    assert all(group != "adults" for group, *_ in demo.PLANTED_PATTERNS)
