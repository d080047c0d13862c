"""The cube answers every filter as the selection of observations does, cell for cell."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.aggregate import aggregate_to_grid
from werkwijzer_geo.analysis.cube import build_cube, cube_to_grid
from werkwijzer_geo.analysis.selection import select_timed
from werkwijzer_geo.demo import TZ, build_demo_layers, read_demo_layers
from werkwijzer_geo.io.storage import localise_layer
from werkwijzer_geo.metric import choose_metric_crs
from werkwijzer_geo.render.maps import build_grid_features
from werkwijzer_geo.timefilter import HourRange, TimeFilter
from werkwijzer_geo.validate import validate_layer


def _observations(seed: int, size: int | None):
    """The demo's observations as a workspace read gives them (scaled up when `size`)."""
    if size is None:
        return read_demo_layers(seed=seed)[s.OBSERVATIONS]
    layers = build_demo_layers(seed=seed, n_observations=size)
    crs = choose_metric_crs([layers[s.BOUNDARY]])
    frame = validate_layer(s.OBSERVATIONS, layers[s.OBSERVATIONS], max_messages=None)
    return localise_layer(s.OBSERVATIONS, frame, TZ, metric_crs=crs)


def _random_filters(rng: np.random.Generator, first: dt.date, last: dt.date, n: int):
    yield TimeFilter()
    yield TimeFilter(weekdays=frozenset())
    span = (last - first).days
    for _ in range(n):
        start = int(rng.integers(0, 24))
        end = int(rng.integers(0, 24))
        days = frozenset(int(d) for d in np.flatnonzero(rng.random(7) < 0.6))
        date_from = date_to = None
        if rng.random() < 0.5:
            date_from = first + dt.timedelta(days=int(rng.integers(0, span + 1)))
            date_to = date_from + dt.timedelta(days=int(rng.integers(0, span + 1)))
        yield TimeFilter(hours=HourRange(start, end), weekdays=days, date_from=date_from,
                         date_to=date_to)


@pytest.mark.parametrize("seed, size", [(3, None), (11, None), (5, 20_000)])
def test_the_cube_gives_the_cells_the_selection_gives_for_random_filters(seed, size):
    observations = _observations(seed, size)
    cube = build_cube(observations)
    assert int(cube.persons.sum()) == int(observations[s.COUNT].sum())
    dates = observations[s.LOCAL_DATE]
    rng = np.random.default_rng(seed)
    for time_filter in _random_filters(rng, dates.min().date(), dates.max().date(), 40):
        selected = select_timed(observations, time_filter)
        expected = aggregate_to_grid(selected)
        got = cube_to_grid(cube, time_filter)
        assert cube.count(time_filter) == (len(selected), int(selected[s.COUNT].sum()))
        if expected.empty:
            assert got.empty, time_filter
            continue
        pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                      pd.DataFrame(expected.drop(columns="geometry")))
        assert got.geometry.geom_equals(expected.geometry).all(), time_filter
        # What the map draws is the same, tooltip for tooltip.
        assert build_grid_features(got, cube.cell_m) == build_grid_features(expected, 50)


def test_the_cube_is_read_only():
    cube = build_cube(read_demo_layers(seed=3)[s.OBSERVATIONS])
    with pytest.raises(ValueError):
        cube.persons[0] = 99
