"""Changes to saved rows: edit, delete, move, rounds that start and finish, and undo."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError

from .parsing import describe_dst_problem
from .storage import append_rows, get_workspace_info, rewrite_layer

# A round still running after this long was forgotten; it is not offered as the current one.
RUNNING_ROUND_MAX_HOURS = 12


@dataclass
class Change:
    """One saved change and what undoes it: the rows as they were (and ids that were added)."""

    layer: str
    description: str
    previous_rows: gpd.GeoDataFrame | None = None  # rows to put back as they were
    added_ids: list[int] = field(default_factory=list)  # rows to remove again


def _missing_ids(frame: pd.DataFrame, ids: list[int], layer_name: str) -> None:
    absent = sorted(set(ids) - set(frame[s.ID].dropna().astype(int)))
    if absent:
        raise WerkwijzerError(f"Nummer(s) {', '.join(map(str, absent))} bestaan niet (meer) in "
                              f"laag '{layer_name}'. Misschien heeft iemand ze net verwijderd.")


def add_rows(path: str | os.PathLike, layer_name: str, rows: gpd.GeoDataFrame) -> Change:
    """Save new rows; the change remembers their ids so it can be undone."""
    ids = append_rows(path, layer_name, rows)
    label = s.get_layer(layer_name).label.lower()
    return Change(layer_name, f"{len(ids)} rij(en) toegevoegd aan {label}", added_ids=ids)


def update_rows(path: str | os.PathLike, layer_name: str, changes: pd.DataFrame) -> Change:
    """Set attribute values per id (`changes` has an id column and the columns to change)."""
    ids = changes[s.ID].astype(int).tolist()
    columns = [c for c in changes.columns if c != s.ID]
    geometry_change = s.GEOMETRY in columns

    def modify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        _missing_ids(frame, ids, layer_name)
        position = frame.reset_index(drop=True).set_index(s.ID)
        keyed = changes.set_index(changes[s.ID].astype(int))
        for column in columns:
            if column == s.GEOMETRY:
                continue
            position[column] = position[column].astype(object)
            position.loc[keyed.index, column] = keyed[column].to_numpy()
        result = gpd.GeoDataFrame(position.reset_index(), geometry=frame.geometry.name,
                                  crs=frame.crs)
        if geometry_change:
            lookup = dict(zip(keyed.index, keyed[s.GEOMETRY], strict=True))
            result[s.GEOMETRY] = [lookup.get(i, g) for i, g in
                                  zip(result[s.ID], result.geometry, strict=True)]
        return result

    before = rewrite_layer(path, layer_name, modify)
    previous = before[before[s.ID].isin(ids)]
    what = "verplaatst" if columns == [s.GEOMETRY] else "gewijzigd"
    return Change(layer_name, f"{len(ids)} rij(en) {what}", previous_rows=previous)


def move_point(path: str | os.PathLike, layer_name: str, row_id: int, lon: float,
               lat: float) -> Change:
    """Put a point somewhere else."""
    changes = pd.DataFrame({s.ID: [row_id], s.GEOMETRY: [shapely.Point(lon, lat)]})
    return update_rows(path, layer_name, changes)


def delete_rows(path: str | os.PathLike, layer_name: str, ids: list[int]) -> Change:
    """Remove rows by id; the change keeps them so undo can put them back."""
    def modify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        _missing_ids(frame, ids, layer_name)
        return frame[~frame[s.ID].isin(ids)]

    before = rewrite_layer(path, layer_name, modify)
    return Change(layer_name, f"{len(ids)} rij(en) verwijderd",
                  previous_rows=before[before[s.ID].isin(ids)])


def undo_change(path: str | os.PathLike, change: Change) -> None:
    """Undo one change: remove what it added, put back rows as they were before it."""
    restore = change.previous_rows
    restore_ids = [] if restore is None else restore[s.ID].astype(int).tolist()

    def modify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        kept = frame[~frame[s.ID].isin(change.added_ids + restore_ids)]
        if restore is None or restore.empty:
            return kept
        return gpd.GeoDataFrame(pd.concat([kept, restore], ignore_index=True),
                                crs=frame.crs).sort_values(s.ID, kind="stable")

    rewrite_layer(path, change.layer, modify)


def start_round(path: str | os.PathLike, *, observers: str = "",
                started_at: pd.Timestamp | None = None) -> int:
    """Record that the team went out now; returns the round's id."""
    tz = get_workspace_info(path).tz
    begin = started_at if started_at is not None else pd.Timestamp.now(tz=tz).floor("min")
    no_end = pd.Series([pd.NaT], dtype="datetime64[ms, UTC]")
    row = gpd.GeoDataFrame({s.STARTED_AT: [begin], s.ENDED_AT: no_end,
                            s.OBSERVERS: [observers or None]}, geometry=[None],
                           crs=s.STORAGE_CRS)
    return append_rows(path, s.ROUNDS, row)[0]


def get_running_round(rounds: pd.DataFrame, *, now: pd.Timestamp | None = None,
                      ) -> pd.Series | None:
    """The newest round without an end that started less than 12 hours ago, if any."""
    running = rounds[rounds[s.ENDED_AT].isna()]
    if running.empty:
        return None
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    newest = running.sort_values(s.STARTED_AT).iloc[-1]
    if now - newest[s.STARTED_AT] > pd.Timedelta(hours=RUNNING_ROUND_MAX_HOURS):
        return None
    return newest


def finish_round(path: str | os.PathLike, round_id: int, *,
                 ended_at: pd.Timestamp | None = None) -> Change:
    """Close a running round now (or at `ended_at`)."""
    tz = get_workspace_info(path).tz
    end = ended_at if ended_at is not None else pd.Timestamp.now(tz=tz).ceil("min")
    return update_rows(path, s.ROUNDS, pd.DataFrame({s.ID: [round_id], s.ENDED_AT: [end]}))


def make_row(layer_name: str, geometry: shapely.Geometry, values: dict) -> gpd.GeoDataFrame:
    """One new row from form values (column -> value) and a shape; id left empty."""
    layer = s.get_layer(layer_name)
    unknown = set(values) - set(layer.column_names)
    if unknown:
        raise WerkwijzerError(f"Laag '{layer_name}' heeft geen kolom(men) "
                              f"{', '.join(sorted(unknown))}.")
    row = {column: [values.get(column)] for column in layer.column_names if column != s.ID}
    return gpd.GeoDataFrame(row, geometry=[geometry], crs=s.STORAGE_CRS)


def make_polygon(corners: list[tuple[float, float]]) -> shapely.Polygon:
    """A drawn area from the corners tapped on the map (lon, lat), in order."""
    if len(corners) < 3:
        raise WerkwijzerError(f"Een vlak heeft minstens 3 hoeken; je tikte er {len(corners)}. "
                              "Tik nog een hoek op de kaart.")
    polygon = shapely.Polygon(corners)
    if not polygon.is_valid:
        raise WerkwijzerError("De randen van het getekende vlak kruisen elkaar. Kies Opnieuw "
                              "en tik de hoeken rondom, in volgorde.")
    return polygon


def get_changed_rows(original: pd.DataFrame, edited: pd.DataFrame) -> pd.DataFrame:
    """The rows of an edited attribute table that differ from the original, keyed by id,
    with only the columns that changed somewhere."""
    before = original.set_index(s.ID)
    after = edited.set_index(s.ID).reindex(before.index)
    columns = [c for c in after.columns if c in before.columns]

    def differs(column: str) -> pd.Series:
        old, new = before[column].astype(object), after[column].astype(object)
        both_missing = old.isna() & new.isna()
        return ~both_missing & (old != new)

    changed_cells = pd.DataFrame({c: differs(c) for c in columns}, index=before.index)
    rows = changed_cells.any(axis=1)
    cols = [c for c in columns if changed_cells[c].any()]
    return after.loc[rows, cols].reset_index()


def make_local_instant(day: dt.date, clock: dt.time, tz: str, *, what: str = "Tijdstip",
                       ) -> pd.Timestamp:
    """A date and a wall-clock time in `tz` as one moment; the DST gap and overlap are
    refused with a Dutch message instead of guessed."""
    naive = pd.Timestamp.combine(day, clock)
    try:
        return naive.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    except ValueError:
        problem = describe_dst_problem(
            naive, tz, gap_advice="Kies een ander uur",
            overlap_advice="Kies 01:59 of 03:00, of noteer het in de notitie")
        raise WerkwijzerError(f"{what} {naive.strftime('%d-%m-%Y %H:%M')} {problem}.") from None


def make_safe_file_name(name: str) -> str:
    """An uploaded file's name, kept recognisable for messages, that cannot leave its folder
    or hide itself (no separators, no leading dot)."""
    safe = re.sub(r"[^\w.\- ]", "_", Path(name).name).lstrip(". ")
    return safe[-120:] or "upload"
