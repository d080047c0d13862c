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

from . import schema as s
from ._errors import WerkwijzerError
from .storage import read_layer, rewrite_layer

DERIVED_NOTE = "Afgeleid uit waarnemingen"


def derive_rounds(observations: pd.DataFrame, gap_minutes: int) -> gpd.GeoDataFrame:
    """Rounds (without ids) from sessions of sightings: a pause longer than `gap_minutes`
    starts a new one."""
    if gap_minutes < 1:
        raise WerkwijzerError("De pauze tussen twee rondes is minstens 1 minuut.")
    moments = observations[s.OBSERVED_AT].dropna().dt.tz_convert("UTC").sort_values()
    if moments.empty:
        raise WerkwijzerError("Er zijn geen waarnemingen om rondes uit af te leiden.")
    values = moments.dt.tz_localize(None).to_numpy()  # naive UTC, for arithmetic
    starts_new = np.concatenate([[True], np.diff(values) > np.timedelta64(gap_minutes, "m")])
    session = np.cumsum(starts_new)
    frame = pd.DataFrame({"session": session, "moment": values})
    spans = frame.groupby("session")["moment"].agg(["min", "max"])
    note = f"{DERIVED_NOTE} (pauze langer dan {gap_minutes} min = nieuwe ronde)"
    return gpd.GeoDataFrame({
        s.STARTED_AT: spans["min"].dt.floor("h").dt.tz_localize("UTC").to_numpy(),
        s.ENDED_AT: (spans["max"].dt.floor("h") + pd.Timedelta(hours=1)).dt.tz_localize(
            "UTC").to_numpy(),
        s.OBSERVERS: None, s.NOTE: note,
    }, geometry=[None] * len(spans), crs=s.STORAGE_CRS)


def store_derived_rounds(path: str | os.PathLike, gap_minutes: int) -> int:
    """Derive rounds from the workspace's observations and save them, in place of rounds
    derived before (rounds the team recorded stay). Returns how many were stored."""
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

    rewrite_layer(path, s.ROUNDS, replace)
    return len(derived)
