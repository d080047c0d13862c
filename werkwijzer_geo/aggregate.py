"""Aggregate people-layers on a metric grid (RD New), so large layers stay small on a map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from . import schema as s

DEFAULT_CELL_M = 50
_TO_RD = Transformer.from_crs(s.STORAGE_CRS, s.METRIC_CRS, always_xy=True)
_TO_WGS84 = Transformer.from_crs(s.METRIC_CRS, s.STORAGE_CRS, always_xy=True)


def add_rd_xy(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with the points' RD New coordinates in `rd_x` and `rd_y`."""
    result = points.copy()
    x, y = _TO_RD.transform(shapely.get_x(points.geometry.to_numpy()),
                            shapely.get_y(points.geometry.to_numpy()))
    result[s.RD_X], result[s.RD_Y] = x, y
    return result


def get_rd_xy(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """RD New coordinates of points: from `add_rd_xy` when loaded with them, else computed."""
    if s.RD_X in points.columns:
        return points[s.RD_X].to_numpy(), points[s.RD_Y].to_numpy()
    frame = add_rd_xy(points)
    return frame[s.RD_X].to_numpy(), frame[s.RD_Y].to_numpy()


def aggregate_to_grid(observations: gpd.GeoDataFrame, *, cell_m: float = DEFAULT_CELL_M,
                      ) -> gpd.GeoDataFrame:
    """Sum people per grid cell and group.

    Parameters
    ----------
    observations
        The observations layer (any selection of it).
    cell_m
        Cell size in metres, in RD New (EPSG:28992); cells are aligned to multiples of it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell: `cell_x`, `cell_y` (RD lower-left corner), `persons` (sum of
        counts), `records` (observations), `dates` (distinct local dates), `top_group`
        (group with most persons), and a `persons_<group>` column per group; geometry is
        the cell's square in EPSG:4326.
    """
    if observations.empty:
        columns = ["cell_x", "cell_y", "persons", "records", "dates", "top_group"]
        return gpd.GeoDataFrame(columns=columns, geometry=[], crs=s.STORAGE_CRS)
    x, y = get_rd_xy(observations)
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
    return gpd.GeoDataFrame(cells, geometry=_cell_squares(cells, cell_m), crs=s.STORAGE_CRS)


def _cell_squares(cells: pd.DataFrame, cell_m: float) -> np.ndarray:
    x0, y0 = cells["cell_x"].to_numpy(), cells["cell_y"].to_numpy()
    corners_x = np.stack([x0, x0 + cell_m, x0 + cell_m, x0, x0], axis=1)
    corners_y = np.stack([y0, y0, y0 + cell_m, y0 + cell_m, y0], axis=1)
    lon, lat = _TO_WGS84.transform(corners_x.ravel(), corners_y.ravel())
    coords = np.stack([lon, lat], axis=1).reshape(len(cells), 5, 2)
    return shapely.polygons(np.round(coords, 6))
