"""Aggregate people-layers on a metric grid (see `metric`), so large layers stay small on a
map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import ATTR, get_metric_crs, to_degrees, to_metric

DEFAULT_CELL_M = 50


def add_metric_xy(points: gpd.GeoDataFrame, crs: str | None = None) -> gpd.GeoDataFrame:
    """Return a copy with the points' metric coordinates in `metric_x` and `metric_y`, in
    `crs` (default: the frame's own, see `metric.get_metric_crs`), remembered in its attrs.

    Parameters
    ----------
    points
        A point layer in EPSG:4326.
    crs
        The metric CRS to use.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with `metric_x`, `metric_y` (NaN where a row has no point).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> frame = add_metric_xy(gpd.GeoDataFrame(geometry=[Point(4.677, 52.493)], crs="EPSG:4326"))
    >>> round(float(frame["metric_x"].iloc[0])), frame.attrs["metric_crs"]
    (106767, 'EPSG:28992')
    """
    crs = crs or get_metric_crs(points)
    result = points.copy(deep=False)  # copy-on-write: the caller's frame never changes
    x, y = to_metric(shapely.get_x(points.geometry.to_numpy()),
                     shapely.get_y(points.geometry.to_numpy()), crs)
    result[s.METRIC_X], result[s.METRIC_Y] = x, y
    result.attrs[ATTR] = crs
    return result


def get_metric_xy(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, str]:
    """Metric coordinates of points and their CRS: from `add_metric_xy` when loaded with
    them, else computed.

    Parameters
    ----------
    points
        A point layer in EPSG:4326.

    Returns
    -------
    tuple
        x and y in metres (numpy arrays) and the CRS they are in.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> x, y, crs = get_metric_xy(gpd.GeoDataFrame(geometry=[Point(-71.06, 42.36)],
    ...                                            crs="EPSG:4326"))
    >>> crs, round(float(x[0]))
    ('EPSG:32619', 330357)
    """
    crs = points.attrs.get(ATTR)
    if crs and s.METRIC_X in points.columns:
        return points[s.METRIC_X].to_numpy(), points[s.METRIC_Y].to_numpy(), crs
    frame = add_metric_xy(points)
    return frame[s.METRIC_X].to_numpy(), frame[s.METRIC_Y].to_numpy(), frame.attrs[ATTR]


def aggregate_to_grid(observations: gpd.GeoDataFrame, *, cell_m: float = DEFAULT_CELL_M,
                      ) -> gpd.GeoDataFrame:
    """Sum people per grid cell and group.

    Parameters
    ----------
    observations
        The observations layer (any selection of it).
    cell_m
        Cell size in metres, in the points' metric CRS; cells are aligned to multiples of it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell: `cell_x`, `cell_y` (metric lower-left corner), `persons` (sum of
        counts), `records` (observations), `dates` (distinct local dates), `top_group`
        (group with most persons), and a `persons_<group>` column per group; geometry is
        the cell's square in EPSG:4326.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> observations = read_demo_layers(seed=3)["observations"]
    >>> cells = aggregate_to_grid(observations, cell_m=50)
    >>> int(cells["persons"].sum()) == int(observations["count"].sum())
    True
    """
    if observations.empty:
        columns = ["cell_x", "cell_y", "persons", "records", "dates", "top_group"]
        return gpd.GeoDataFrame(columns=columns, geometry=[], crs=s.STORAGE_CRS)
    x, y, crs = get_metric_xy(observations)
    frame = pd.DataFrame({
        "cell_x": np.floor(x / cell_m) * cell_m,
        "cell_y": np.floor(y / cell_m) * cell_m,
        s.GROUP: observations[s.GROUP].to_numpy(),
        s.COUNT: observations[s.COUNT].to_numpy(dtype=np.int64),
        s.LOCAL_DATE: observations[s.LOCAL_DATE].to_numpy(),
    })
    by_cell = frame.groupby(["cell_x", "cell_y"], sort=True)
    cells = by_cell.agg(persons=(s.COUNT, "sum"), records=(s.COUNT, "size"),
                        dates=(s.LOCAL_DATE, "nunique"))
    per_group = frame.pivot_table(index=["cell_x", "cell_y"], columns=s.GROUP, values=s.COUNT,
                                  aggfunc="sum", fill_value=0)
    per_group = per_group.reindex(columns=[g for g in s.GROUP_CODES if g in per_group.columns])
    cells["top_group"] = per_group.idxmax(axis=1)
    cells = cells.join(per_group.add_prefix("persons_")).reset_index()
    result = gpd.GeoDataFrame(cells, geometry=cell_squares(cells, cell_m, crs),
                              crs=s.STORAGE_CRS)
    result.attrs[ATTR] = crs
    return result


def cell_squares(cells: pd.DataFrame, cell_m: float, crs: str) -> np.ndarray:
    """Each cell's square in EPSG:4326, from its metric lower-left corner.

    Parameters
    ----------
    cells
        A table with `cell_x` and `cell_y` (metres, in `crs`).
    cell_m
        The cells' size in metres.
    crs
        The metric CRS of the corners.

    Returns
    -------
    numpy.ndarray
        shapely Polygons, coordinates rounded to six decimals.

    Examples
    --------
    >>> import pandas as pd
    >>> square = cell_squares(pd.DataFrame({"cell_x": [106750.0], "cell_y": [500850.0]}),
    ...                       50, "EPSG:28992")[0]
    >>> len(square.exterior.coords), round(square.bounds[1], 4)
    (5, 52.4932)
    """
    x0, y0 = cells["cell_x"].to_numpy(), cells["cell_y"].to_numpy()
    corners_x = np.stack([x0, x0 + cell_m, x0 + cell_m, x0, x0], axis=1)
    corners_y = np.stack([y0, y0, y0 + cell_m, y0 + cell_m, y0], axis=1)
    lon, lat = to_degrees(corners_x.ravel(), corners_y.ravel(), crs)
    coords = np.stack([lon, lat], axis=1).reshape(len(cells), 5, 2)
    return shapely.polygons(np.round(coords, 6))
