"""Rounds derived from the observations themselves, for files that say who was where but not
when the team (or the counter) was out looking, such as Seattle's public-life counts.

A pause of more than `gap_minutes` between two sightings starts a new round; a derived round
covers the whole clock hours of its sightings (a ten-minute count at 10:00 looked at 10:00-11:00,
the unit every pattern is counted in). Derived rounds carry `DERIVED_NOTE` in their note, so
deriving again replaces them and nothing else.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import access
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.io.storage import read_layer, rewrite_layer
from werkwijzer_geo.metric import choose_metric_crs
from werkwijzer_geo.roles import LOCAL, Action, Actor

DERIVED_NOTE = "Afgeleid uit waarnemingen"


PER_PLACE_SHARE = 0.5  # when this share of sightings names its place, count per place


def derive_rounds(observations: gpd.GeoDataFrame, gap_minutes: int) -> gpd.GeoDataFrame:
    """Rounds (without ids) from sessions of sightings: a pause longer than `gap_minutes`
    starts a new one.

    When most sightings name their place (a counter's file: one count at one location at a
    time), sessions are found per place, and each round gets the area it looked at (around
    that session's sightings), so it says nothing about places it did not look at.

    Parameters
    ----------
    observations
        The observations layer.
    gap_minutes
        A pause longer than this starts a new round (at least 1).

    Returns
    -------
    geopandas.GeoDataFrame
        `started_at`, `ended_at` (whole clock hours around the session), `observers`,
        `note` (starting with DERIVED_NOTE) and the area, or no geometry.

    Raises
    ------
    WerkwijzerError
        When there is nothing to derive from, or the pause is under a minute.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> moments = pd.to_datetime(["2026-09-11 21:10", "2026-09-11 21:40",
    ...                           "2026-09-12 10:05"]).tz_localize("Europe/Amsterdam")
    >>> sightings = gpd.GeoDataFrame({"observed_at": moments, "place": [None] * 3},
    ...                              geometry=[Point(4.677, 52.493)] * 3, crs="EPSG:4326")
    >>> rounds = derive_rounds(sightings, 60)
    >>> [str(t.tz_convert("Europe/Amsterdam").time()) for t in rounds["started_at"]]
    ['21:00:00', '10:00:00']
    """
    if gap_minutes < 1:
        raise WerkwijzerError("De pauze tussen twee rondes is minstens 1 minuut.")
    frame = observations[observations[s.OBSERVED_AT].notna()]
    if frame.empty:
        raise WerkwijzerError("Er zijn geen waarnemingen om rondes uit af te leiden.")
    places = frame[s.PLACE].astype("string").str.strip().fillna("") if s.PLACE in frame \
        else pd.Series("", index=frame.index)
    per_place = (places != "").mean() >= PER_PLACE_SHARE
    keys = places if per_place else pd.Series("", index=frame.index)
    table = pd.DataFrame({"key": keys.to_numpy(),
                          "moment": frame[s.OBSERVED_AT].dt.tz_convert("UTC").dt.tz_localize(
                              None).to_numpy(),  # naive UTC, for arithmetic
                          "geometry": frame.geometry.to_numpy()}).sort_values(["key", "moment"])
    gap = np.timedelta64(gap_minutes, "m")
    starts_new = (table["key"] != table["key"].shift()) | (table["moment"].diff() > gap)
    table["session"] = starts_new.cumsum()
    spans = table.groupby("session").agg(key=("key", "first"), first=("moment", "min"),
                                         last=("moment", "max"))
    if per_place:
        crs = choose_metric_crs([frame])  # once: choosing per session is slow
        areas = [_area_around(points, crs) for points in table.groupby("session")["geometry"]
                 .agg(list)]
    else:
        areas = [None] * len(spans)
    note = f"{DERIVED_NOTE} (pauze langer dan {gap_minutes} min = nieuwe ronde" + (
        ", per plek)" if per_place else ")")
    return gpd.GeoDataFrame({
        s.STARTED_AT: spans["first"].dt.floor("h").dt.tz_localize("UTC").to_numpy(),
        s.ENDED_AT: (spans["last"].dt.floor("h") + pd.Timedelta(hours=1)).dt.tz_localize(
            "UTC").to_numpy(),
        s.OBSERVERS: None, s.NOTE: note,
    }, geometry=areas, crs=s.STORAGE_CRS)


def _area_around(points: list, crs: str) -> shapely.Polygon | None:
    """The area a counting session looked at: its sightings' outline, 10 m around it."""
    present = [point for point in points if point is not None and not point.is_empty]
    if not present:
        return None
    hull = gpd.GeoSeries([shapely.MultiPoint(present).convex_hull], crs=s.STORAGE_CRS)
    return hull.to_crs(crs).buffer(10).to_crs(s.STORAGE_CRS).iloc[0]


def store_derived_rounds(path: str | os.PathLike, gap_minutes: int, *,
                         actor: Actor = LOCAL) -> int:
    """Derive rounds from the workspace's observations and save them, in place of rounds
    derived before (rounds the team recorded stay).

    Parameters
    ----------
    path
        The workspace.
    gap_minutes
        See `derive_rounds`.
    actor
        Who does it; their role must allow editing (logged).

    Returns
    -------
    int
        How many rounds were stored.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import create_demo_workspace
    >>> from werkwijzer_geo.io.storage import read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.gpkg"
    >>> _ = create_demo_workspace(path)
    >>> recorded = len(read_layer(path, "rounds"))
    >>> made = store_derived_rounds(path, 30)
    >>> len(read_layer(path, "rounds")) == recorded + made
    True
    """
    derived = derive_rounds(read_layer(path, s.OBSERVATIONS), gap_minutes)

    def replace(rounds: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        kept = rounds[~rounds[s.NOTE].fillna("").str.startswith(DERIVED_NOTE)]
        first_id = int(rounds[s.ID].max()) + 1 if len(rounds) else 1
        new = derived.assign(**{s.ID: range(first_id, first_id + len(derived))})
        new[s.STARTED_AT] = new[s.STARTED_AT].astype("datetime64[ms, UTC]").dt.tz_convert(
            rounds[s.STARTED_AT].dt.tz)
        new[s.ENDED_AT] = new[s.ENDED_AT].astype("datetime64[ms, UTC]").dt.tz_convert(
            rounds[s.STARTED_AT].dt.tz)
        columns = [c for c in kept.columns if c not in s.DERIVED_COLUMNS]
        return pd.concat([kept[columns], new[[c for c in columns if c in new.columns]]],
                         ignore_index=True)

    access.require(path, actor, Action.EDIT)
    with access.recorded(actor, Action.EDIT, layer=s.ROUNDS,
                         detail=f"rondes afgeleid (pauze {gap_minutes} min)"):
        rewrite_layer(path, s.ROUNDS, replace)
    return len(derived)
