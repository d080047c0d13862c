"""Changes to saved rows: edit, delete, move, rounds that start and finish, and undo."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from werkwijzer_geo import access, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.roles import LOCAL, Action, Actor

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


@contextlib.contextmanager
def _editing(path, actor: Actor, layer_name: str, what: str) -> Iterator[None]:
    """The role allows editing, and every save inside is logged as `what` by `actor`."""
    access.require(path, actor, Action.EDIT)
    with access.recorded(actor, Action.EDIT, layer=layer_name, detail=what):
        yield


def add_rows(path: str | os.PathLike, layer_name: str, rows: gpd.GeoDataFrame, *,
             actor: Actor = LOCAL) -> Change:
    """Save new rows; the change remembers their ids so it can be undone.

    Parameters
    ----------
    path
        The workspace.
    layer_name
        The layer.
    rows
        New rows (ids left empty).
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Returns
    -------
    Change
        With the added ids and a Dutch description.

    Raises
    ------
    WerkwijzerError
        Every problem in the rows; nothing is saved then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> spot = make_row("spots", Point(4.677, 52.493), {
    ...     "kind": "litter", "severity": 2, "reported_at": pd.Timestamp(
    ...         "2026-09-11 21:30", tz="Europe/Amsterdam")})
    >>> change = add_rows(path, "spots", spot)
    >>> change.added_ids, change.description
    ([1], '1 rij toegevoegd aan zwerfvuil en graffiti')
    """
    with _editing(path, actor, layer_name, "toegevoegd"):
        ids = append_rows(path, layer_name, rows)
    label = s.get_layer(layer_name).label.lower()
    rows = labels.format_count(len(ids), "rij", "rijen")
    return Change(layer_name, f"{rows} toegevoegd aan {label}", added_ids=ids)


def update_rows(path: str | os.PathLike, layer_name: str, changes: pd.DataFrame, *,
                actor: Actor = LOCAL) -> Change:
    """Set attribute values per id (`changes` has an id column and the columns to change).

    Parameters
    ----------
    path
        The workspace.
    layer_name
        The layer.
    changes
        One row per id to change, with only the columns that change.
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Returns
    -------
    Change
        With the rows as they were, for undo.

    Raises
    ------
    WerkwijzerError
        For an id that is gone, or a value the layer does not take (rows named by id).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> spot = make_row("spots", Point(4.677, 52.493), {
    ...     "kind": "litter", "severity": 2, "reported_at": pd.Timestamp(
    ...         "2026-09-11 21:30", tz="Europe/Amsterdam")})
    >>> _ = add_rows(path, "spots", spot)
    >>> _ = update_rows(path, "spots", pd.DataFrame({"id": [1], "severity": [3]}))
    >>> read_layer(path, "spots")["severity"].tolist()
    [3]
    """
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

    with _editing(path, actor, layer_name, "gewijzigd"):
        before = rewrite_layer(path, layer_name, modify, ids=ids)
    previous = before[before[s.ID].isin(ids)]
    what = "verplaatst" if columns == [s.GEOMETRY] else "gewijzigd"
    rows = labels.format_count(len(ids), "rij", "rijen")
    return Change(layer_name, f"{rows} {what}", previous_rows=previous)


def move_point(path: str | os.PathLike, layer_name: str, row_id: int, lon: float,
               lat: float, *, actor: Actor = LOCAL) -> Change:
    """Put a point somewhere else.

    Parameters
    ----------
    path
        The workspace.
    layer_name
        A point layer.
    row_id
        The row's id.
    lon, lat
        The new place in degrees.
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Returns
    -------
    Change
        With the row as it was, for undo.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> spot = make_row("spots", Point(4.677, 52.493), {
    ...     "kind": "litter", "severity": 2, "reported_at": pd.Timestamp(
    ...         "2026-09-11 21:30", tz="Europe/Amsterdam")})
    >>> _ = add_rows(path, "spots", spot)
    >>> _ = move_point(path, "spots", 1, 4.678, 52.494)
    >>> read_layer(path, "spots").geometry.iloc[0].x
    4.678
    """
    changes = pd.DataFrame({s.ID: [row_id], s.GEOMETRY: [shapely.Point(lon, lat)]})
    return update_rows(path, layer_name, changes, actor=actor)


def delete_rows(path: str | os.PathLike, layer_name: str, ids: list[int], *,
                actor: Actor = LOCAL) -> Change:
    """Remove rows by id; the change keeps them so undo can put them back.

    Parameters
    ----------
    path
        The workspace.
    layer_name
        The layer.
    ids
        The ids to remove.
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Returns
    -------
    Change
        With the removed rows.

    Raises
    ------
    WerkwijzerError
        When an id is not (or no longer) there.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> spot = make_row("spots", Point(4.677, 52.493), {
    ...     "kind": "litter", "severity": 2, "reported_at": pd.Timestamp(
    ...         "2026-09-11 21:30", tz="Europe/Amsterdam")})
    >>> _ = add_rows(path, "spots", spot)
    >>> change = delete_rows(path, "spots", [1])
    >>> len(read_layer(path, "spots")), len(change.previous_rows)
    (0, 1)
    """
    def modify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        _missing_ids(frame, ids, layer_name)
        return frame[~frame[s.ID].isin(ids)]

    with _editing(path, actor, layer_name, "verwijderd"):
        before = rewrite_layer(path, layer_name, modify, ids=ids)
    return Change(layer_name, labels.format_count(len(ids), "rij", "rijen") + " verwijderd",
                  previous_rows=before[before[s.ID].isin(ids)])


def undo_change(path: str | os.PathLike, change: Change, *, actor: Actor = LOCAL) -> None:
    """Undo one change: remove what it added, put back rows as they were before it.

    Parameters
    ----------
    path
        The workspace.
    change
        What `add_rows`, `update_rows`, `move_point`, `delete_rows` or `finish_round`
        returned.
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Raises
    ------
    WerkwijzerError
        When someone else changed those rows since (nothing is undone then).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> spot = make_row("spots", Point(4.677, 52.493), {
    ...     "kind": "litter", "severity": 2, "reported_at": pd.Timestamp(
    ...         "2026-09-11 21:30", tz="Europe/Amsterdam")})
    >>> _ = add_rows(path, "spots", spot)
    >>> undo_change(path, delete_rows(path, "spots", [1]))
    >>> read_layer(path, "spots")["id"].tolist()
    [1]
    """
    restore = change.previous_rows
    restore_ids = [] if restore is None else restore[s.ID].astype(int).tolist()

    def modify(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        kept = frame[~frame[s.ID].isin(change.added_ids + restore_ids)]
        if restore is None or restore.empty:
            return kept
        return gpd.GeoDataFrame(pd.concat([kept, restore], ignore_index=True),
                                crs=frame.crs).sort_values(s.ID, kind="stable")

    with _editing(path, actor, change.layer, "ongedaan gemaakt"):
        rewrite_layer(path, change.layer, modify, ids=change.added_ids + restore_ids)


def start_round(path: str | os.PathLike, *, observers: str = "",
                started_at: pd.Timestamp | None = None, actor: Actor = LOCAL) -> int:
    """Record that the team went out now; returns the round's id.

    Parameters
    ----------
    path
        The workspace.
    observers
        Initials or a count ("JB, AK" or "2").
    started_at
        When; default now.
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Returns
    -------
    int
        The new round's id.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> start_round(path, observers="JB")
    1
    """
    tz = get_workspace_info(path).tz
    begin = started_at if started_at is not None else pd.Timestamp.now(tz=tz).floor("min")
    no_end = pd.Series([pd.NaT], dtype="datetime64[ms, UTC]")
    row = gpd.GeoDataFrame({s.STARTED_AT: [begin], s.ENDED_AT: no_end,
                            s.OBSERVERS: [observers or None]}, geometry=[None],
                           crs=s.STORAGE_CRS)
    with _editing(path, actor, s.ROUNDS, "ronde gestart"):
        return append_rows(path, s.ROUNDS, row)[0]


def get_running_round(rounds: pd.DataFrame, *, now: pd.Timestamp | None = None,
                      ) -> pd.Series | None:
    """The newest round without an end that started less than 12 hours ago, if any.

    Parameters
    ----------
    rounds
        The rounds layer.
    now
        The moment to ask at; default now.

    Returns
    -------
    pandas.Series or None
        That round's row.

    Examples
    --------
    >>> import geopandas as gpd
    >>> rounds = gpd.GeoDataFrame({"id": [1], "ended_at": [pd.NaT], "started_at": [
    ...     pd.Timestamp("2026-09-11 21:00", tz="Europe/Amsterdam")]})
    >>> int(get_running_round(rounds, now=pd.Timestamp("2026-09-11 23:00",
    ...                                                 tz="Europe/Amsterdam"))["id"])
    1
    >>> get_running_round(rounds, now=pd.Timestamp("2026-09-12 12:00", tz="UTC")) is None
    True
    """
    running = rounds[rounds[s.ENDED_AT].isna()]
    if running.empty:
        return None
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    newest = running.sort_values(s.STARTED_AT).iloc[-1]
    if now - newest[s.STARTED_AT] > pd.Timedelta(hours=RUNNING_ROUND_MAX_HOURS):
        return None
    return newest


def finish_round(path: str | os.PathLike, round_id: int, *,
                 ended_at: pd.Timestamp | None = None, actor: Actor = LOCAL) -> Change:
    """Close a running round now (or at `ended_at`).

    Parameters
    ----------
    path
        The workspace.
    round_id
        The running round.
    ended_at
        When; default now.
    actor
        Who does it; their role must allow editing (default: the owner of a personal
        workspace). The save is logged with their name.

    Returns
    -------
    Change
        With the round as it was, for undo.

    Raises
    ------
    WerkwijzerError
        When the round is gone or already finished.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> round_id = start_round(path)
    >>> _ = finish_round(path, round_id)
    >>> read_layer(path, "rounds")["ended_at"].notna().tolist()
    [True]
    """
    tz = get_workspace_info(path).tz
    end = ended_at if ended_at is not None else pd.Timestamp.now(tz=tz).ceil("min")
    return update_rows(path, s.ROUNDS, pd.DataFrame({s.ID: [round_id], s.ENDED_AT: [end]}),
                       actor=actor)


def make_row(layer_name: str, geometry: shapely.Geometry, values: dict) -> gpd.GeoDataFrame:
    """One new row from form values (column -> value) and a shape; id left empty.

    Parameters
    ----------
    layer_name
        The layer.
    geometry
        The point or area (EPSG:4326).
    values
        Column -> value as the form gave it.

    Returns
    -------
    geopandas.GeoDataFrame
        One row with the given columns (no id: storage numbers it).

    Raises
    ------
    WerkwijzerError
        When a value is for a column the layer does not have.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> row = make_row("spots", Point(4.677, 52.493), {"kind": "graffiti"})
    >>> row["kind"].tolist(), "id" in row.columns
    (['graffiti'], False)
    """
    layer = s.get_layer(layer_name)
    unknown = set(values) - set(layer.column_names)
    if unknown:
        raise WerkwijzerError(f"Laag '{layer_name}' heeft geen kolom(men) "
                              f"{', '.join(sorted(unknown))}.")
    row = {column: [values.get(column)] for column in layer.column_names if column != s.ID}
    return gpd.GeoDataFrame(row, geometry=[geometry], crs=s.STORAGE_CRS)


def make_polygon(corners: list[tuple[float, float]]) -> shapely.Polygon:
    """A drawn area from the corners tapped on the map (lon, lat), in order.

    Parameters
    ----------
    corners
        Three or more (lon, lat) pairs, around the area.

    Returns
    -------
    shapely.Polygon
        The closed area.

    Raises
    ------
    WerkwijzerError
        With fewer than three corners, or when the edges cross.

    Examples
    --------
    >>> make_polygon([(4.0, 52.0), (4.1, 52.0), (4.1, 52.1)]).is_valid
    True
    """
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
    with only the columns that changed somewhere.

    Parameters
    ----------
    original
        The table as shown.
    edited
        The same table after editing (same rows and order).

    Returns
    -------
    pandas.DataFrame
        `id` and the changed columns, one row per changed id.

    Examples
    --------
    >>> before = pd.DataFrame({"id": [1, 2], "note": ["a", "b"], "severity": [1, 2]})
    >>> after = before.assign(note=["a", "c"])
    >>> get_changed_rows(before, after).to_dict("records")
    [{'id': 2, 'note': 'c'}]
    """
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
    refused with a Dutch message instead of guessed.

    Parameters
    ----------
    day
        The date picked.
    clock
        The time picked.
    tz
        The workspace's zone.
    what
        How the field is called in an error.

    Returns
    -------
    pandas.Timestamp
        The moment, in `tz`.

    Raises
    ------
    WerkwijzerError
        For 02:30 on the night the clocks go forward, or twice-existing times in autumn.

    Examples
    --------
    >>> import datetime as dt
    >>> str(make_local_instant(dt.date(2026, 6, 5), dt.time(21, 30), "Europe/Amsterdam"))
    '2026-06-05 21:30:00+02:00'
    """
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
    or hide itself (no separators, no leading dot).

    Parameters
    ----------
    name
        The name the browser sent.

    Returns
    -------
    str
        A name safe to write in a private temporary folder.

    Examples
    --------
    >>> make_safe_file_name("../../etc/.passwd.csv")
    'passwd.csv'
    """
    safe = re.sub(r"[^\w.\- ]", "_", Path(name).name).lstrip(". ")
    return safe[-120:] or "upload"
