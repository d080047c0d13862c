"""Metres that are right where the neighbourhood lies: RD New (EPSG:28992) inside the
Netherlands, else the UTM zone of the place. Grids, distances, buffers, scale bars and printed
maps all use it; RD New outside the Netherlands stretches distances and turns north."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from . import schema as s

RD_NEW = "EPSG:28992"
# RD New is defined for the Netherlands (a little beyond its borders).
NETHERLANDS = (3.2, 50.7, 7.3, 53.7)  # west, south, east, north in degrees
ATTR = "metric_crs"  # frames read from a workspace carry their workspace's choice here


def choose_metric_crs(frames: Iterable[gpd.GeoSeries | gpd.GeoDataFrame]) -> str:
    """The metric CRS for the first of `frames` that has a place on the map (in EPSG:4326):
    RD New when its middle lies in the Netherlands, else its UTM zone. RD New when none has.

    Parameters
    ----------
    frames
        Layers or geometries in EPSG:4326, most telling first (the boundary, then places).

    Returns
    -------
    str
        An EPSG code such as "EPSG:28992" (RD New) or "EPSG:32619" (UTM 19N).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> choose_metric_crs([gpd.GeoSeries([Point(4.677, 52.493)], crs="EPSG:4326")])
    'EPSG:28992'
    >>> choose_metric_crs([gpd.GeoSeries([Point(-71.06, 42.36)], crs="EPSG:4326")])
    'EPSG:32619'
    """
    for frame in frames:
        if frame is None or len(frame) == 0:
            continue
        geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else frame
        geometry = geometry[geometry.notna() & ~geometry.is_empty]
        if geometry.empty:
            continue
        west, south, east, north = geometry.total_bounds
        lon, lat = (west + east) / 2, (south + north) / 2
        if not np.all(np.isfinite([lon, lat])):
            continue
        if NETHERLANDS[0] <= lon <= NETHERLANDS[2] and NETHERLANDS[1] <= lat <= NETHERLANDS[3]:
            return RD_NEW
        zone = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs=s.STORAGE_CRS)
        return zone.estimate_utm_crs().to_string()
    return RD_NEW


def get_metric_crs(frame: gpd.GeoSeries | gpd.GeoDataFrame) -> str:
    """The metric CRS of a frame: its workspace's (when read from one), else its own.

    Parameters
    ----------
    frame
        A layer or geometries in EPSG:4326.

    Returns
    -------
    str
        An EPSG code in metres.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> get_metric_crs(gpd.GeoSeries([Point(-122.38, 47.67)], crs="EPSG:4326"))
    'EPSG:32610'
    """
    return frame.attrs.get(ATTR) or choose_metric_crs([frame])


def choose_for_layers(layers: dict) -> str:
    """One metric CRS for a set of layers: the workspace's, else from the boundary, places,
    then the point layers.

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame, as read from a workspace.

    Returns
    -------
    str
        An EPSG code in metres.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> choose_for_layers({"places": gpd.GeoDataFrame(
    ...     geometry=[Point(4.677, 52.493)], crs="EPSG:4326")})
    'EPSG:28992'
    """
    for frame in layers.values():
        if getattr(frame, "attrs", {}).get(ATTR):
            return frame.attrs[ATTR]
    return choose_metric_crs(layers.get(name) for name in (
        s.BOUNDARY, s.PLACES, s.OBSERVATIONS, s.SPOTS, s.HANGOUTS, s.EXPERIMENTS))


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_metric(lon: np.ndarray, lat: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Degrees (EPSG:4326) to metres in `crs`.

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes.
    crs
        The metric CRS (see `choose_metric_crs`).

    Returns
    -------
    tuple of numpy.ndarray
        x and y in metres.

    Examples
    --------
    >>> x, y = to_metric([4.677], [52.493], RD_NEW)
    >>> round(float(x[0])), round(float(y[0]))
    (106767, 500825)
    """
    return _transformer(s.STORAGE_CRS, crs).transform(lon, lat)


def to_degrees(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """Metres in `crs` to longitude and latitude (EPSG:4326).

    Parameters
    ----------
    x, y
        Coordinates in metres.
    crs
        Their CRS.

    Returns
    -------
    tuple of numpy.ndarray
        Longitudes and latitudes.

    Examples
    --------
    >>> lon, lat = to_degrees([155000.0], [463000.0], RD_NEW)  # Amersfoort, RD's origin
    >>> round(float(lon[0]), 3), round(float(lat[0]), 3)
    (5.387, 52.155)
    """
    return _transformer(crs, s.STORAGE_CRS).transform(x, y)
