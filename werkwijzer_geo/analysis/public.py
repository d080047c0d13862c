"""What may be shown to residents: people aggregated to 50 m cells, small counts hidden,
no free text, no observers, no exact times. Presentation and public exports use only this."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import to_degrees
from werkwijzer_geo.timefilter import TimeFilter

from .aggregate import aggregate_to_grid, get_metric_xy
from .selection import select_layers

PUBLIC_CELL_M = 50  # never finer than this
MIN_PUBLIC_COUNT = 5  # any group count below this in a cell is not shown
PUBLIC_LAYERS = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS, s.PLACES, s.BOUNDARY,
                 s.STORIES)


def keep_public_moments(observations: gpd.GeoDataFrame, *, cell_m: float = PUBLIC_CELL_M,
                        min_count: int = MIN_PUBLIC_COUNT) -> gpd.GeoDataFrame:
    """The observations of every moment that may be counted in public: a moment is one 50 m
    cell, one group, one local date and one clock hour, and it is kept only when it holds at
    least `min_count` people.

    Every public number (a scene, an hour of a played-back day, the week chart, an export)
    is a sum over whole moments: filters cut on dates, weekdays and whole hours, never
    inside one. So each public number is a sum of kept moments of 5 or more, and no
    difference between two of them can contain a moment that was left out.
    """
    if observations.empty:
        return observations
    x, y, _ = get_metric_xy(observations)
    moment = pd.DataFrame({
        "cell_x": np.floor(x / cell_m), "cell_y": np.floor(y / cell_m),
        s.GROUP: observations[s.GROUP].to_numpy(),
        s.LOCAL_DATE: observations[s.LOCAL_DATE].to_numpy(),
        s.LOCAL_HOUR: observations[s.LOCAL_HOUR].to_numpy(),
        s.COUNT: observations[s.COUNT].to_numpy(dtype=np.int64)})
    persons = moment.groupby(["cell_x", "cell_y", s.GROUP, s.LOCAL_DATE, s.LOCAL_HOUR],
                             sort=False)[s.COUNT].transform("sum")
    return observations[(persons >= min_count).to_numpy()]


def make_public_cells(observations: gpd.GeoDataFrame, *, cell_m: float = PUBLIC_CELL_M,
                      min_count: int = MIN_PUBLIC_COUNT) -> gpd.GeoDataFrame:
    """People per 50 m cell and group, counted only from moments of `min_count` or more
    people (see `keep_public_moments`), so no published number holds a hidden one and none
    can be found by subtracting shown numbers."""
    if cell_m < PUBLIC_CELL_M:
        raise ValueError(f"public cells are at least {PUBLIC_CELL_M} m")
    cells = aggregate_to_grid(keep_public_moments(observations, cell_m=cell_m,
                                                  min_count=min_count), cell_m=cell_m)
    # Every group has its column (zero where none was shown), so exports look alike.
    group_columns = [f"persons_{g}" for g in s.GROUP_CODES]
    for column in group_columns:
        cells[column] = cells[column].fillna(0).astype(int) if column in cells.columns else 0
    cells["persons"] = cells[group_columns].sum(axis=1) if len(cells) else 0
    cells = cells[cells["persons"] > 0].copy()
    if len(cells):
        cells["top_group"] = cells[group_columns].idxmax(axis=1).str.removeprefix("persons_")
    # What would let someone trace a visit: how many sightings, on how many days.
    cells = cells.drop(columns=["records", "dates"], errors="ignore")
    return cells.reset_index(drop=True)


def make_public_hangouts(hangouts: gpd.GeoDataFrame, *, cell_m: float = PUBLIC_CELL_M,
                         min_count: int = MIN_PUBLIC_COUNT) -> gpd.GeoDataFrame:
    """Hangouts as cells: group, days and hours, summed size; names and notes never shown
    (a name is typed by the team and may name a person), cells under `min_count` hidden."""
    if hangouts.empty:
        return gpd.GeoDataFrame(columns=[s.GROUP, s.WEEKDAYS, s.START_HOUR, s.END_HOUR,
                                         s.SIZE], geometry=[], crs=s.STORAGE_CRS)
    centres = hangouts.copy()
    centres["geometry"] = hangouts.geometry.representative_point()
    x, y, crs = get_metric_xy(centres)
    frame = pd.DataFrame({
        "cell_x": np.floor(x / cell_m) * cell_m, "cell_y": np.floor(y / cell_m) * cell_m,
        s.GROUP: hangouts[s.GROUP].to_numpy(), s.WEEKDAYS: hangouts[s.WEEKDAYS].to_numpy(),
        s.START_HOUR: hangouts[s.START_HOUR].to_numpy(dtype=int),
        s.END_HOUR: hangouts[s.END_HOUR].to_numpy(dtype=int),
        s.SIZE: hangouts[s.SIZE].fillna(0).to_numpy(dtype=int)})
    keys = ["cell_x", "cell_y", s.GROUP, s.WEEKDAYS, s.START_HOUR, s.END_HOUR]
    cells = frame.groupby(keys, as_index=False)[s.SIZE].sum()
    cells = cells[cells[s.SIZE] >= min_count]
    lon, lat = to_degrees(cells["cell_x"].to_numpy() + cell_m / 2,
                          cells["cell_y"].to_numpy() + cell_m / 2, crs)
    return gpd.GeoDataFrame(cells.drop(columns=["cell_x", "cell_y"]).reset_index(drop=True),
                            geometry=gpd.points_from_xy(lon, lat), crs=s.STORAGE_CRS)


def make_public_spots(spots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Litter and graffiti: kind, severity, the dates (no times) and whether still open."""
    public = gpd.GeoDataFrame({
        s.KIND: spots[s.KIND].to_numpy(),
        s.SEVERITY: spots[s.SEVERITY].to_numpy(),
        "reported_on": spots[s.REPORTED_AT].dt.tz_localize(None).dt.normalize().to_numpy(),
        "is_open": spots[s.RESOLVED_AT].isna().to_numpy(),
    }, geometry=spots.geometry.to_numpy(), crs=s.STORAGE_CRS)
    return public


def make_public_experiments(experiments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Experiments and actions by name, kind, object, period and status; no goal, evaluation
    or owner text (free text, and an owner may be a person)."""
    keep = [s.ID, s.NAME, s.STEP, s.OBJECT, s.START_DATE, s.END_DATE, s.STATUS, s.RADIUS_M]
    return gpd.GeoDataFrame(experiments[keep].copy(), geometry=experiments.geometry.to_numpy(),
                            crs=s.STORAGE_CRS)


def make_public_places(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Places with their names and kinds, without notes."""
    return gpd.GeoDataFrame(places[[s.ID, s.NAME, s.KIND]].copy(),
                            geometry=places.geometry.to_numpy(), crs=s.STORAGE_CRS)


def count_story_themes(stories: pd.DataFrame) -> pd.Series:
    """Stories only as themes: how often each theme was heard (no text, no source, no date)."""
    themes = stories[s.THEMES].dropna().str.split(",").explode().str.strip()
    return themes[themes != ""].value_counts()


def make_public_layers(layers: dict[str, gpd.GeoDataFrame], time_filter: TimeFilter,
                       ) -> dict[str, gpd.GeoDataFrame | pd.Series]:
    """The public selection of a workspace under a filter: everything a residents' evening or a
    public export may contain, and nothing else.

    Parameters
    ----------
    layers
        The workspace's layers.
    time_filter
        The scene's or export's hours, weekdays and dates.

    Returns
    -------
    dict
        "cells" (people per 50 m cell and group, from moments of 5 or more only), the
        places and outline, hangouts as cells, spots and experiments without notes, and
        "themes" (story themes with their counts); never a note, name or observer.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> public = make_public_layers(read_demo_layers(seed=3), TimeFilter())
    >>> bool((public["cells"]["persons"] >= MIN_PUBLIC_COUNT).all())
    True
    """
    selected = select_layers(layers, time_filter)
    return {
        "cells": make_public_cells(selected[s.OBSERVATIONS]),
        s.HANGOUTS: make_public_hangouts(selected[s.HANGOUTS]),
        s.SPOTS: make_public_spots(selected[s.SPOTS]),
        s.EXPERIMENTS: make_public_experiments(selected[s.EXPERIMENTS]),
        s.PLACES: make_public_places(layers[s.PLACES]),
        s.BOUNDARY: layers[s.BOUNDARY][[s.NAME, "geometry"]],
        "themes": count_story_themes(selected[s.STORIES]),
    }


def get_public_week(observations: gpd.GeoDataFrame, *, group: str | None = None,
                    ) -> pd.DataFrame:
    """People seen per weekday (rows, Monday first) and hour (columns), added up over the
    selection, from public moments only; NaN where nothing may be shown."""
    kept = keep_public_moments(observations)
    if group is not None:
        kept = kept[kept[s.GROUP] == group]
    week = kept.pivot_table(index=s.LOCAL_WEEKDAY, columns=s.LOCAL_HOUR, values=s.COUNT,
                            aggfunc="sum") if len(kept) else pd.DataFrame()
    week = week.reindex(index=range(7), columns=range(24)).astype(float)
    return week.where(week > 0)


DAYTIME = range(6, 18)


def describe_public_effort(rounds: gpd.GeoDataFrame) -> str:
    """When the team looked, only as coarse as residents may know it: how many rounds began
    in the daytime (06-18 uur) and how many in the evening or night."""
    if rounds.empty:
        return "Het buurtteam liep in deze periode geen rondes."
    daytime = int(rounds[s.LOCAL_HOUR].isin(DAYTIME).sum())
    evening = len(rounds) - daytime
    return (f"Het buurtteam liep {len(rounds)} rondes: {daytime} overdag (06-18 uur) en "
            f"{evening} 's avonds en 's nachts.")


def describe_public(public: dict) -> str:
    """A line for residents: how many people in the shown cells (hidden counts excluded)."""
    persons = int(public["cells"]["persons"].sum()) if len(public["cells"]) else 0
    shown = labels.format_number(persons)
    return (f"{shown} mensen gezien in de getoonde vakken van {PUBLIC_CELL_M} m (opgeteld). "
            f"Waar en wanneer minder dan {MIN_PUBLIC_COUNT} mensen van een groep samen waren, "
            "tellen we niet mee.")

