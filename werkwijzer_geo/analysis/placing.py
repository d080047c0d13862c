"""Which place an observation belongs to, for patterns: what the file says, else the drawn
place or hangout area it lies in, else the group of sightings close to it.

Sightings outside drawn areas are grouped by distance (about `CLUSTER_M` metres), never by
where a grid happens to lie, so one bench is one place even when the sightings around it
straddle a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import schema as s

from .aggregate import get_metric_xy

CLUSTER_M = 30  # sightings closer than about this (through each other) are one place
CELL_M = 10  # sightings are first gathered in cells this size; cells link within CLUSTER_M
# Sightings within reach that make a cell link others. 3, 5 and 8 scored the same as 1 (plain
# connected cells) on evaluation seeds 200-219, so the simplest stays until data says more.
MIN_CORE = 1
NAME_NEAR_M = 250  # an unnamed place is named after a drawn one this close
_DIRECTIONS = ("oost", "noordoost", "noord", "noordwest", "west", "zuidwest", "zuid",
               "zuidoost")


@dataclass(frozen=True)
class PlaceIndex:
    """Per observation its place name, and per place name where it is."""

    names: pd.Series  # indexed like the observations
    locations: dict[str, tuple[float, float]]  # name -> (lat, lon)


def _link_cells(cell_x: np.ndarray, cell_y: np.ndarray, min_core: int = 1) -> np.ndarray:
    """Connected groups of occupied cells, two cells linked when their centres lie within
    CLUSTER_M. Only cells with at least `min_core` sightings within reach (their own
    included) link others, so a thin trail of stray sightings cannot chain two spots into
    one; a cell with too few joins a neighbouring group or stands alone (as in DBSCAN).
    Returns a group number per given cell."""
    keys = cell_x.astype(np.int64) * (1 << 32) + cell_y.astype(np.int64)
    unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    labels = np.arange(len(unique))
    reach = int(CLUSTER_M // CELL_M)
    pairs = []
    for dx in range(-reach, reach + 1):
        for dy in range(-reach, reach + 1):
            if (dx or dy) and (dx * dx + dy * dy) * CELL_M ** 2 <= CLUSTER_M ** 2:
                wanted = unique + dx * (1 << 32) + dy
                found = np.clip(np.searchsorted(unique, wanted), 0, len(unique) - 1)
                hit = unique[found] == wanted
                pairs.append(np.stack([np.flatnonzero(hit), found[hit]], axis=1))
    edges = np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=int)
    nearby = counts.copy()
    np.add.at(nearby, edges[:, 0], counts[edges[:, 1]])
    core = nearby >= min_core
    links = edges[core[edges[:, 0]] & core[edges[:, 1]]]
    while len(links):  # spread the smallest label through every link until nothing changes
        before = labels.copy()
        np.minimum.at(labels, links[:, 0], labels[links[:, 1]])
        np.minimum.at(labels, links[:, 1], labels[links[:, 0]])
        labels = labels[labels]
        if np.array_equal(labels, before):
            break
    # A cell that is not a core joins the group of a core cell it touches.
    border = edges[~core[edges[:, 0]] & core[edges[:, 1]]]
    if len(border):
        joined = labels.copy()
        np.minimum.at(joined, border[:, 0], labels[border[:, 1]])
        labels = np.where(core, labels, joined)
    return labels[inverse]


def _areas(places: gpd.GeoDataFrame, hangouts: gpd.GeoDataFrame | None,
           ) -> gpd.GeoDataFrame:
    """Drawn areas with a name: places first, then hangouts drawn as areas."""
    frames = [places[[s.NAME, "geometry"]]] if len(places) else []
    if hangouts is not None and len(hangouts):
        drawn = hangouts[hangouts.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
        frames.append(drawn[[s.NAME, "geometry"]])
    if not frames:
        return gpd.GeoDataFrame({s.NAME: []}, geometry=[], crs=s.STORAGE_CRS)
    areas = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(areas[areas[s.NAME].notna()], geometry="geometry",
                            crs=s.STORAGE_CRS)


def _describe_nearby(x: float, y: float, areas_metric: gpd.GeoDataFrame) -> str | None:
    """'bij Cafetaria De Hoek (40 m noordoost)' for the nearest named area, if near."""
    if areas_metric.empty:
        return None
    point = shapely.Point(x, y)
    distances = areas_metric.distance(point).to_numpy()
    nearest = int(np.argmin(distances))
    if distances[nearest] > NAME_NEAR_M:
        return None
    anchor = areas_metric.geometry.iloc[nearest].representative_point()
    angle = np.degrees(np.arctan2(y - anchor.y, x - anchor.x)) % 360
    direction = _DIRECTIONS[int(((angle + 22.5) % 360) // 45)]
    metres = max(10, round(float(distances[nearest]) / 10) * 10)
    return f"bij {areas_metric[s.NAME].iloc[nearest]} ({metres} m {direction})"


def name_spots(lat: Sequence[float], lon: Sequence[float], places: gpd.GeoDataFrame,
               ) -> list[str]:
    """A readable name for each spot on the map: the drawn place it lies in ("Europaplein"),
    else the nearest one within NAME_NEAR_M ("bij Cafetaria De Hoek (40 m noordoost)"),
    else its coordinates.

    Parameters
    ----------
    lat, lon
        The spots in degrees.
    places
        Drawn places with a name.

    Returns
    -------
    list of str
        One Dutch name per spot.

    Examples
    --------
    >>> from werkwijzer_geo.demo import build_places
    >>> name_spots([52.49298, 52.5], [4.67705, 4.7], build_places())
    ['Europaplein', '52,5000, 4,7000']
    """
    from werkwijzer_geo.metric import choose_metric_crs, to_metric

    named = _areas(places, None)
    crs = choose_metric_crs([named]) if len(named) else choose_metric_crs([])
    areas_metric = named.to_crs(crs) if len(named) else named
    xs, ys = to_metric(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), crs)
    names = []
    for x, y, la, lo in zip(xs, ys, lat, lon, strict=True):
        inside = areas_metric[areas_metric.contains(shapely.Point(x, y))] if len(
            areas_metric) else areas_metric
        if len(inside):
            names.append(str(inside[s.NAME].iloc[0]))
            continue
        names.append(_describe_nearby(x, y, areas_metric)
                     or f"{la:.4f}, {lo:.4f}".replace(".", ","))
    return names


def locate_places(observations: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                  hangouts: gpd.GeoDataFrame | None = None) -> PlaceIndex:
    """The place of every observation.

    In this order: the observation's own `place` text (an imported place column wins); the
    drawn place, then the hangout area, it lies in; else the group of sightings within
    about CLUSTER_M metres of each other, named after the nearest drawn place ("bij
    Europaplein (40 m noord)") or by its coordinates.

    Parameters
    ----------
    observations
        The observations layer (all of it: a filter must not move a place).
    places
        Drawn places (polygons with a name).
    hangouts
        Hangouts; those drawn as an area are places too.

    Returns
    -------
    PlaceIndex
        `names`: the place of each observation (same index); `locations`: per place its
        (lat, lon), a drawn area's inner point or the middle of the sightings.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> sightings = gpd.GeoDataFrame({"place": [None, None, None]}, geometry=[
    ...     Point(4.6770, 52.4930), Point(4.6772, 52.4931), Point(4.6900, 52.4990)],
    ...     crs="EPSG:4326")
    >>> no_places = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    >>> index = locate_places(sightings, no_places)
    >>> index.names.iloc[0] == index.names.iloc[1] != index.names.iloc[2]
    True
    """
    names = pd.Series([None] * len(observations), index=observations.index, dtype=object)
    locations: dict[str, tuple[float, float]] = {}
    if observations.empty:
        return PlaceIndex(names, locations)
    if s.PLACE in observations.columns:
        given = observations[s.PLACE].astype("string").str.strip()
        given = given.where(given != "")
        names[given.notna().to_numpy()] = given[given.notna()].to_numpy()
    areas = _areas(places, hangouts)
    todo = names.isna().to_numpy()
    if todo.any() and len(areas):
        tree = shapely.STRtree(areas.geometry.to_numpy())
        points, hits = tree.query(observations.geometry.to_numpy()[todo], predicate="within")
        first = pd.Series(hits, index=points).groupby(level=0).min()
        rows = np.flatnonzero(todo)[first.index.to_numpy()]
        names.iloc[rows] = areas[s.NAME].to_numpy()[first.to_numpy()]
        for name, geometry in zip(areas[s.NAME], areas.geometry, strict=True):
            point = geometry.representative_point()
            locations.setdefault(name, (round(point.y, 6), round(point.x, 6)))
    todo = names.isna().to_numpy()
    if todo.any():
        x, y, crs = get_metric_xy(observations[todo])
        group = _link_cells(np.floor(x / CELL_M), np.floor(y / CELL_M), MIN_CORE)
        areas_metric = areas.to_crs(crs) if len(areas) else areas
        cluster_names = {}
        taken = set(names.dropna())
        for label in np.unique(group):
            members = group == label
            name = _describe_nearby(float(x[members].mean()), float(y[members].mean()),
                                    areas_metric)
            if name is None or name in taken:
                lat = float(observations.geometry.y.to_numpy()[todo][members].mean())
                lon = float(observations.geometry.x.to_numpy()[todo][members].mean())
                name = f"bij {lat:.4f}, {lon:.4f}"
            while name in taken:
                name += "'"
            taken.add(name)
            cluster_names[label] = name
        names[todo] = [cluster_names[label] for label in group]
    for name, members in observations.geometry.groupby(names.to_numpy()):
        if name not in locations:
            locations[name] = (round(float(members.y.mean()), 6),
                               round(float(members.x.mean()), 6))
    return PlaceIndex(names, locations)
