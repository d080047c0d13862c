"""People per local date, hour, grid cell and group, summed once when a workspace is read,
so a map of cells for any time filter is a sum over this table instead of a pass over every
observation (1,000,000 observations fold into a few hundred thousand rows or fewer)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import ATTR
from werkwijzer_geo.timefilter import TimeFilter

from .aggregate import DEFAULT_CELL_M, cell_squares, get_metric_xy


@dataclass(frozen=True)
class ObservationCube:
    """One row per (local date, hour, cell, group) that holds observations: how many
    observations and people. Arrays, read-only; build it with `build_cube`."""

    cell_m: float
    crs: str
    date: np.ndarray  # datetime64[D], local
    weekday: np.ndarray  # 0 = Monday
    hour: np.ndarray
    cell: np.ndarray  # index into cell_x / cell_y
    group: np.ndarray  # index into groups
    records: np.ndarray
    persons: np.ndarray
    cell_x: np.ndarray  # metric lower-left corner per cell, sorted by (x, y)
    cell_y: np.ndarray
    groups: tuple[str, ...]

    def select(self, time_filter: TimeFilter) -> np.ndarray:
        """Which rows the filter lets through."""
        if time_filter.is_everything():
            return np.ones(len(self.date), dtype=bool)
        return time_filter.matches(self.hour, self.weekday, self.date)

    def count(self, time_filter: TimeFilter) -> tuple[int, int]:
        """(observations, people) the filter lets through."""
        keep = self.select(time_filter)
        return int(self.records[keep].sum()), int(self.persons[keep].sum())


def build_cube(observations: gpd.GeoDataFrame, *, cell_m: float = DEFAULT_CELL_M,
               ) -> ObservationCube:
    """Sum the observations per local date, hour, cell and group.

    Parameters
    ----------
    observations
        The observations layer as `storage.read_layers` gives it (local time and metric
        coordinates added).
    cell_m
        Cell size in metres, aligned as in `aggregate.aggregate_to_grid`.

    Returns
    -------
    ObservationCube
        Its people add up to the layer's.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> observations = read_demo_layers(seed=3)["observations"]
    >>> cube = build_cube(observations)
    >>> int(cube.persons.sum()) == int(observations["count"].sum())
    True
    """
    groups = tuple(s.GROUP_CODES)
    if observations.empty:
        empty = np.array([], dtype=np.int64)
        return ObservationCube(cell_m, "", np.array([], dtype="datetime64[D]"), empty, empty,
                               empty, empty, empty, empty, np.array([]), np.array([]), groups)
    x, y, crs = get_metric_xy(observations)
    frame = pd.DataFrame({
        "cell_x": np.floor(x / cell_m) * cell_m,
        "cell_y": np.floor(y / cell_m) * cell_m,
        "group": pd.Categorical(observations[s.GROUP].to_numpy(), categories=groups).codes,
        "date": observations[s.LOCAL_DATE].to_numpy().astype("datetime64[D]"),
        "hour": observations[s.LOCAL_HOUR].to_numpy(dtype=np.int16),
        "count": observations[s.COUNT].to_numpy(dtype=np.int64),
    })
    cells = frame[["cell_x", "cell_y"]].drop_duplicates().sort_values(["cell_x", "cell_y"])
    cell_index = pd.MultiIndex.from_frame(cells).get_indexer(
        pd.MultiIndex.from_frame(frame[["cell_x", "cell_y"]]))
    frame["cell"] = cell_index
    summed = frame.groupby(["date", "hour", "cell", "group"], sort=True).agg(
        records=("count", "size"), persons=("count", "sum")).reset_index()
    date = summed["date"].to_numpy().astype("datetime64[D]")
    arrays = {
        "date": date,
        "weekday": ((date.astype(np.int64) - 4) % 7).astype(np.int8),  # 1970-01-01 a Thursday
        "hour": summed["hour"].to_numpy(dtype=np.int8),
        "cell": summed["cell"].to_numpy(dtype=np.int32),
        "group": summed["group"].to_numpy(dtype=np.int8),
        "records": summed["records"].to_numpy(dtype=np.int64),
        "persons": summed["persons"].to_numpy(dtype=np.int64),
        "cell_x": cells["cell_x"].to_numpy(),
        "cell_y": cells["cell_y"].to_numpy(),
    }
    for array in arrays.values():
        array.setflags(write=False)  # shared by every session: nobody changes it
    return ObservationCube(cell_m=cell_m, crs=crs, groups=groups, **arrays)


def cube_to_grid(cube: ObservationCube, time_filter: TimeFilter) -> gpd.GeoDataFrame:
    """The cells of the observations the filter lets through, as `aggregate_to_grid` makes
    them from those observations (same columns, same order, same numbers).

    Parameters
    ----------
    cube
        From `build_cube`.
    time_filter
        The filter.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell with people: `cell_x`, `cell_y`, `persons`, `records`, `dates`,
        `top_group`, `persons_<group>`; the cell's square in EPSG:4326.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> cube = build_cube(read_demo_layers(seed=3)["observations"])
    >>> cells = cube_to_grid(cube, TimeFilter.from_text(hours="21-2"))
    >>> int(cells["persons"].sum()) == cube.count(TimeFilter.from_text(hours="21-2"))[1]
    True
    """
    keep = cube.select(time_filter)
    n_cells, n_groups = len(cube.cell_x), len(cube.groups)
    if not keep.any():
        columns = ["cell_x", "cell_y", "persons", "records", "dates", "top_group"]
        return gpd.GeoDataFrame(columns=columns, geometry=[], crs=s.STORAGE_CRS)
    cell, group = cube.cell[keep], cube.group[keep]
    persons = np.bincount(cell, weights=cube.persons[keep], minlength=n_cells)
    records = np.bincount(cell, weights=cube.records[keep], minlength=n_cells)
    per_group = np.bincount(cell.astype(np.int64) * n_groups + group,
                            weights=cube.persons[keep],
                            minlength=n_cells * n_groups).reshape(n_cells, n_groups)
    # Distinct dates per cell: each (cell, date) pair once.
    pairs = np.unique(np.stack([cell.astype(np.int64), cube.date[keep].astype(np.int64)]),
                      axis=1)
    dates = np.bincount(pairs[0], minlength=n_cells)
    seen = records > 0
    seen_groups = [g for g in range(n_groups) if per_group[seen, g].any()]
    table = pd.DataFrame({
        "cell_x": cube.cell_x[seen], "cell_y": cube.cell_y[seen],
        "persons": persons[seen].astype(np.int64), "records": records[seen].astype(np.int64),
        "dates": dates[seen].astype(np.int64),
    })
    chosen = per_group[np.ix_(seen, seen_groups)].astype(np.int64)
    # The group with most people; a tie goes to the first in GROUP_CODES, as idxmax does.
    table["top_group"] = np.array([cube.groups[g] for g in seen_groups])[chosen.argmax(axis=1)]
    for column, g in enumerate(seen_groups):
        table[f"persons_{cube.groups[g]}"] = chosen[:, column]
    result = gpd.GeoDataFrame(table, geometry=cell_squares(table, cube.cell_m, cube.crs),
                              crs=s.STORAGE_CRS)
    result.attrs[ATTR] = cube.crs
    return result
