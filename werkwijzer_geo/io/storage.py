"""A workspace's layers, read and saved the same way wherever it is kept: validated, ids
given inside the write lock, only the difference written, instants in UTC, every save one
transaction with its audit line.

Where it is kept is a `stores.Store`: a GeoPackage file or a PostgreSQL + PostGIS schema,
picked from the location (`stores.open_store`). Every function here takes that location: a
path, or a ``postgresql://...?workspace=name`` address."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from werkwijzer_geo import __version__, labels, schema
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.analysis.aggregate import add_metric_xy
from werkwijzer_geo.io import audit
from werkwijzer_geo.io.gpkg_store import GeoPackageStore
from werkwijzer_geo.io.stores import (
    INFO_TABLE,
    ROLE_COLUMNS,
    ROLES_TABLE,
    SAVES_KEY,
    Backup,
    Reader,
    Store,
    Writer,
    open_store,
    to_storage_form,
)
from werkwijzer_geo.io.stores import is_database_url as is_database_url  # for pages, CLI
from werkwijzer_geo.logbook import LOG
from werkwijzer_geo.metric import ATTR, choose_metric_crs
from werkwijzer_geo.roles import LOCAL, Action, Actor, check
from werkwijzer_geo.schema import Kind
from werkwijzer_geo.timefilter import add_local_time
from werkwijzer_geo.validate import make_empty_layer, validate_layer

SCHEMA_VERSION = "1"
Location = str | os.PathLike | Store | Backup


@dataclass(frozen=True)
class WorkspaceInfo:
    """What a workspace says about itself."""

    location: str  # a GeoPackage path or a postgresql:// address
    tz: str
    name: str
    created_at: str
    schema_version: str
    is_demo: bool
    metric_crs: str | None = None  # None: chosen from where the data lies (see `metric`)
    saves: int = 0  # how many saves Buurtkaart made; changes with every one


def check_time_zone(tz: str) -> str:
    """Return `tz` when it names a known time zone; else a Dutch error.

    Parameters
    ----------
    tz
        An IANA zone name.

    Returns
    -------
    str
        The same name.

    Raises
    ------
    WerkwijzerError
        When the zone is unknown.

    Examples
    --------
    >>> check_time_zone("America/Los_Angeles")
    'America/Los_Angeles'
    """
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise WerkwijzerError(
            f"Tijdzone '{tz}' is onbekend. Gebruik een naam als Europe/Amsterdam."
        ) from None
    return tz


def create_workspace(
    path: Location,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    tz: str = schema.DEFAULT_TZ,
    name: str = "Buurtkaart",
    is_demo: bool = False,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
) -> WorkspaceInfo:
    """Create a new workspace GeoPackage with every layer, empty unless given.

    Refuses to overwrite an existing file, so a team's data is never replaced.

    Parameters
    ----------
    path
        Where the GeoPackage goes (its folder is made when missing), or a PostgreSQL
        address with the workspace's name (``postgresql://...?workspace=oosterwijk``).
    boundary
        The neighbourhood's outline (one polygon); also decides the metric CRS.
    tz
        The workspace's time zone: local hours and weekdays are counted in it.
    name
        The neighbourhood's name, shown in the sidebar.
    is_demo
        Whether this is the demo neighbourhood.
    layers
        Rows to start with, per layer.

    Returns
    -------
    WorkspaceInfo
        What was stored in the workspace's information table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> info = create_workspace(folder / "buurt.gpkg", tz="Europe/Amsterdam")
    >>> info.tz, len(read_layer(folder / "buurt.gpkg", "observations"))
    ('Europe/Amsterdam', 0)
    """
    store = open_store(path)
    if store.exists():
        raise WerkwijzerError(
            f"{_shown(store)} bestaat al. Kies een nieuwe naam; een bestaande werkruimte "
            "wordt nooit overschreven."
        )
    check_time_zone(tz)
    tables = {layer: make_empty_layer(layer) for layer in schema.LAYER_NAMES}
    for layer_name, frame in (layers or {}).items():
        tables[layer_name] = validate_layer(layer_name, frame)
    if boundary is not None:
        tables[schema.BOUNDARY] = validate_layer(schema.BOUNDARY, boundary)
    info = {
        "tz": tz,
        "name": name,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "is_demo": "1" if is_demo else "0",
    }
    if len(tables[schema.BOUNDARY]):
        info["metric_crs"] = choose_metric_crs([tables[schema.BOUNDARY]])
    store.create({name: to_storage_form(name, frame) for name, frame in tables.items()}, info)
    return get_workspace_info(store)


def workspace_exists(path: Location) -> bool:
    """Whether there is something at the workspace's location (a file, a database schema).

    Parameters
    ----------
    path
        A GeoPackage path or a PostgreSQL address.

    Returns
    -------
    bool
        False when nothing is there yet.

    Examples
    --------
    >>> workspace_exists("/bestaat/niet.gpkg")
    False
    """
    return open_store(path).exists()


def parse_database_url(url: str):
    """A PostgreSQL address split into libpq's part and the workspace's name.

    Parameters
    ----------
    url
        ``postgresql://...?workspace=name``.

    Returns
    -------
    werkwijzer_geo.io.postgis.Address
        With `workspace` None when the address names none.

    Examples
    --------
    >>> parse_database_url("postgresql://db/buurten?workspace=oosterwijk").workspace
    'oosterwijk'
    """
    from werkwijzer_geo.io import postgis

    return postgis.parse_address(url)


def shown_location(path: Location) -> str:
    """A workspace's location as logs and messages may show it: without a password.

    Parameters
    ----------
    path
        A GeoPackage path or a PostgreSQL address.

    Returns
    -------
    str
        The path, or the address without its password.

    Examples
    --------
    >>> shown_location("postgresql://jan:geheim@db/buurten?workspace=oosterwijk")
    'postgresql://jan@db/buurten?workspace=oosterwijk'
    """
    return open_store(path).shown


def _shown(store: Store) -> str:
    """The workspace as messages name it: the path of a file, the name of a database's."""
    return store.location if isinstance(store, GeoPackageStore) else store.name


def get_workspace_info(path: Location) -> WorkspaceInfo:
    """Read the workspace's own information; a clear error when it is not a workspace.

    Parameters
    ----------
    path
        The workspace's location.

    Returns
    -------
    WorkspaceInfo
        Name, time zone, version, whether it is the demo, and its metric CRS.

    Raises
    ------
    WerkwijzerError
        When the file is missing, unreadable, or another GeoPackage.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> get_workspace_info(path).tz
    'Europe/Amsterdam'
    """
    store = open_store(path)
    try:  # one small query when the workspace is known (every read and save asks)
        state = store.get_saved_state()
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            WerkwijzerError):
        state = None  # missing, or not a workspace: said in Dutch below
    if state is not None and state in _INFOS:
        return _INFOS[state]
    if not store.exists():
        raise WerkwijzerError(f"Werkruimte {_shown(store)} bestaat niet. Maak hem met "
                              f"'python -m werkwijzer_geo init --db {store.shown}'.")
    info = _read_workspace_info(store)
    if state is not None:
        if len(_INFOS) > 64:
            _INFOS.clear()
        _INFOS[state] = info
    return info


_INFOS: dict[tuple, WorkspaceInfo] = {}


def _read_workspace_info(store: Store) -> WorkspaceInfo:
    return _make_info(store.location, store.read(lambda reader: reader.read_info()),
                      store.name.removesuffix(".gpkg"))


def _make_info(location: str, values: Mapping[str, str], fallback_name: str) -> WorkspaceInfo:
    return WorkspaceInfo(
        location=location,
        tz=check_time_zone(values.get("tz", schema.DEFAULT_TZ)),
        name=values.get("name", fallback_name),
        created_at=values.get("created_at", ""),
        schema_version=values.get("schema_version", SCHEMA_VERSION),
        is_demo=values.get("is_demo") == "1",
        metric_crs=values.get("metric_crs") or None,
        saves=int(values.get(SAVES_KEY) or 0),
    )


def read_layer(path: Location, layer_name: str, *, tz: str | None = None,
               ids: Sequence[int] | None = None) -> gpd.GeoDataFrame:
    """Read one layer, instants in the workspace's zone, with local hour, weekday and date.

    The local columns are added for the layer's time column (see `schema.Layer`). The rows
    all come from one saved version, also while someone else saves.

    Parameters
    ----------
    path
        The workspace.
    layer_name
        One of `schema.LAYER_NAMES`.
    tz
        Another zone to read instants in (default: the workspace's).
    ids
        Only the rows with these ids (default: all rows).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer's columns in EPSG:4326, plus `local_hour`, `local_weekday`,
        `local_date` and, for point layers, `metric_x`/`metric_y`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> list(read_layer(path, "spots").columns)[:3]
    ['id', 'kind', 'reported_at']
    """
    store = open_store(path)
    info = get_workspace_info(store)
    return store.read(lambda reader: _read_localised(reader, info, layer_name, tz=tz, ids=ids))


def _read_localised(reader: Reader, info: WorkspaceInfo, layer_name: str, *,
                    tz: str | None = None, ids: Sequence[int] | None = None,
                    ) -> gpd.GeoDataFrame:
    frame = reader.read_layer(layer_name, ids=ids, metric_crs=info.metric_crs)
    crs = info.metric_crs or _choose_stored_crs(reader)
    return localise_layer(layer_name, frame, tz or info.tz, metric_crs=crs)


def _choose_stored_crs(reader: Reader) -> str:
    """The metric CRS for a workspace that has none stored: from the outline or places,
    else from the extent of what was recorded."""
    frames = [reader.read_layer(name) for name in (schema.BOUNDARY, schema.PLACES)]
    for name in (schema.OBSERVATIONS, schema.SPOTS, schema.HANGOUTS, schema.EXPERIMENTS):
        bounds = reader.read_extent(name)
        if bounds is not None:
            frames.append(gpd.GeoSeries([shapely.box(*bounds)], crs=schema.STORAGE_CRS))
    return choose_metric_crs(frames)


def localise_layer(layer_name: str, frame: gpd.GeoDataFrame, tz: str, *,
                   metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """A canonical table as reading gives it: instants in `tz`, local hour, weekday and
    date, and metric coordinates for point layers (in `metric_crs`, default chosen from the
    frame, see `metric`), the CRS remembered in the frame's attrs.

    Parameters
    ----------
    layer_name
        The layer the table is of.
    frame
        The table, instants with a zone.
    tz
        The zone to count hours in.
    metric_crs
        The workspace's metric CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy as `read_layer` would give it.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> frame = gpd.GeoDataFrame({"observed_at": [pd.Timestamp("2026-09-11 19:30", tz="UTC")]},
    ...                          geometry=[Point(4.677, 52.493)], crs="EPSG:4326")
    >>> localise_layer("observations", frame, "Europe/Amsterdam")["local_hour"].tolist()
    [21]
    """
    layer = schema.get_layer(layer_name)
    # A shallow copy is enough: pandas copies on write, so the caller's frame never changes.
    frame = frame.copy(deep=False)
    for column in layer.columns:
        if column.kind is Kind.INSTANT:
            frame[column.name] = frame[column.name].dt.tz_convert(tz)
    if layer.time_column:
        frame = add_local_time(frame, layer.time_column, tz)
    made = metric_crs and frame.attrs.get(ATTR) == metric_crs and schema.METRIC_X in frame
    if layer_name in schema.METRIC_LAYERS and not made:
        frame = add_metric_xy(frame, metric_crs)
    elif metric_crs:
        frame.attrs[ATTR] = metric_crs
    return frame


def read_layers(path: Location, layer_names: tuple[str, ...] = schema.LAYER_NAMES,
                ) -> dict[str, gpd.GeoDataFrame]:
    """Read several layers at once, all from one saved version.

    Parameters
    ----------
    path
        The workspace.
    layer_names
        Which layers; default all.

    Returns
    -------
    dict
        Layer name -> GeoDataFrame, as `read_layer` gives each.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> sorted(read_layers(path, ("spots", "rounds")))
    ['rounds', 'spots']
    """
    store = open_store(path)
    info = get_workspace_info(store)

    def read(reader: Reader) -> dict[str, gpd.GeoDataFrame]:
        names = set(layer_names) | {schema.BOUNDARY, schema.PLACES, schema.OBSERVATIONS,
                                    schema.SPOTS}
        stored = {name: reader.read_layer(name, metric_crs=info.metric_crs)
                  for name in schema.LAYER_NAMES if name in names}
        crs = info.metric_crs or choose_metric_crs(stored[name] for name in (
            schema.BOUNDARY, schema.PLACES, schema.OBSERVATIONS, schema.SPOTS))
        return {name: localise_layer(name, stored[name], info.tz, metric_crs=crs)
                for name in layer_names}

    return store.read(read)


def write_layers(path: Location, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Replace whole layers, all or nothing: validated first, then swapped in together.

    Parameters
    ----------
    path
        The workspace.
    layers
        Layer name -> its complete new rows.

    Raises
    ------
    WerkwijzerError
        Every problem in any layer; nothing is saved then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> write_layers(path, {"spots": read_layer(path, "spots")})
    >>> len(read_layer(path, "spots"))
    0
    """
    store = open_store(path)
    get_workspace_info(store)
    checked = {name: validate_layer(name, frame) for name, frame in layers.items()}
    with store.saving() as writer:
        writer.replace_tables({name: to_storage_form(name, frame)
                               for name, frame in checked.items()})
    LOG.info("opgeslagen: %s, lagen %s vervangen (%s rijen)", _shown(store),
             ", ".join(checked), sum(len(frame) for frame in checked.values()))


def rewrite_layer(path: Location, layer_name: str,
                  modify: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], *,
                  ids: Sequence[int] | None = None) -> gpd.GeoDataFrame:
    """Read a layer, change it with `modify`, check it and save it, all inside the write
    lock, so a change never overwrites what someone else saved a moment before.

    Only the difference is written, in one transaction: rows gone are deleted, new rows
    added, changed rows updated in place (matched by id).

    Parameters
    ----------
    path
        The workspace.
    layer_name
        The layer.
    modify
        Takes the layer as it is now, returns it as it should be.
    ids
        Read and change only the rows with these ids (default: the whole layer); rows
        that `modify` adds are checked against the whole layer's ids.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer (or the rows with `ids`) as it was before the change.

    Raises
    ------
    WerkwijzerError
        Every problem in the changed layer, rows named by id; nothing is saved then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> before = rewrite_layer(path, "places", lambda places: places)
    >>> len(before)
    0
    """
    store = open_store(path)
    info = get_workspace_info(store)
    with store.saving() as writer:
        before = _read_localised(writer, info, layer_name, ids=ids)
        after = validate_layer(layer_name, modify(before.copy()), by_id=True)
        _save_difference(writer, layer_name, before, after)
    LOG.info("opgeslagen: %s, laag %s gewijzigd (%s rijen, was %s)", _shown(store), layer_name,
             len(after), len(before))
    return before


def _save_difference(writer: Writer, layer_name: str,
                     before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> None:
    stored = to_storage_form(layer_name, after)
    if schema.get_layer(layer_name).id_column != schema.ID:  # no ids: replace every row
        writer.delete_rows(layer_name, None)
        writer.insert_rows(layer_name, stored)
        return
    old_ids = set(before[schema.ID].astype(int))
    new_ids = stored[schema.ID].astype(int)
    gone = sorted(old_ids - set(new_ids))
    added = new_ids[~new_ids.isin(old_ids)].tolist()
    audit.add_ids([*gone, *added])
    _refuse_taken_ids(writer, layer_name, added)
    writer.delete_rows(layer_name, gone)
    writer.insert_rows(layer_name, stored[~new_ids.isin(old_ids)])
    kept = stored[new_ids.isin(old_ids)]
    previous = to_storage_form(layer_name, before).set_index(
        before[schema.ID].astype(int).to_numpy())
    changed = [position for position, row_id in enumerate(kept[schema.ID].astype(int))
               if not _same_row(layer_name, kept.iloc[position], previous.loc[row_id])]
    audit.add_ids(kept[schema.ID].astype(int).iloc[changed].tolist())
    writer.update_rows(layer_name, kept.iloc[changed])


def _same_row(layer_name: str, new: pd.Series, old: pd.Series) -> bool:
    for column in schema.get_layer(layer_name).columns:
        a, b = new.get(column.name), old.get(column.name)
        if pd.isna(a) and pd.isna(b):
            continue
        if pd.isna(a) or pd.isna(b) or a != b:
            return False
    a, b = new.get("geometry"), old.get("geometry")
    if a is None or b is None:
        return a is b
    return shapely.equals_exact(a, b, tolerance=0)


def append_rows(path: Location, layer_name: str, rows: gpd.GeoDataFrame) -> list[int]:
    """Add rows to a layer; rows without an id get the next free numbers.

    Ids are taken inside the write lock, so two people saving at once both keep their
    rows. Only the new rows are validated and written, in one transaction.

    Parameters
    ----------
    path
        The workspace.
    layer_name
        One of `schema.LAYER_NAMES`.
    rows
        New rows with the layer's columns; instants with a time zone.

    Returns
    -------
    list of int
        The ids of the added rows.

    Raises
    ------
    WerkwijzerError
        Every problem in the rows, each naming its row and column; nothing is saved.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import Point
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> rows = gpd.GeoDataFrame({
    ...     "observed_at": [pd.Timestamp("2026-09-11 21:30", tz="Europe/Amsterdam")],
    ...     "group": ["youth"], "count": [6], "activity": ["hanging_out"]},
    ...     geometry=[Point(4.677, 52.493)], crs="EPSG:4326")
    >>> append_rows(path, "observations", rows)
    [1]
    """
    store = open_store(path)
    get_workspace_info(store)
    layer = schema.get_layer(layer_name)
    new = rows.copy()
    with store.saving() as writer:
        if layer.id_column == schema.ID:
            new = _assign_ids(writer.get_max_id(layer_name), new)
        checked = validate_layer(layer_name, new)
        if layer.id_column == schema.ID:
            _refuse_taken_ids(writer, layer_name, checked[schema.ID].astype(int).tolist())
        added = writer.insert_rows(layer_name, to_storage_form(layer_name, checked))
        if added != len(checked):  # raised inside the transaction: nothing is saved
            raise WerkwijzerError(f"Opslaan in '{layer_name}' is niet gelukt: {added} van de "
                                  f"{len(checked)} rijen. Er is niets veranderd.")
        if layer.id_column == schema.ID:
            audit.add_ids(checked[schema.ID].astype(int).tolist())
    LOG.info("opgeslagen: %s, laag %s, %s rijen toegevoegd", _shown(store), layer_name,
             len(checked))
    return [] if layer.id_column != schema.ID else checked[schema.ID].astype(int).tolist()


def _refuse_taken_ids(writer: Writer, layer_name: str, ids: list[int]) -> None:
    taken = writer.find_ids(layer_name, ids)
    if taken:
        shown = ", ".join(str(value) for value in sorted(taken)[:20])
        raise WerkwijzerError(f"Nummer(s) {shown} bestaan al in laag '{layer_name}'. "
                              "Laat het nummer leeg; Buurtkaart kiest er een.")


def _assign_ids(max_id: int, new: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if schema.ID not in new.columns:
        new[schema.ID] = pd.Series([pd.NA] * len(new), index=new.index, dtype="Int64")
    ids = pd.to_numeric(new[schema.ID], errors="coerce").astype("Int64")
    start = max(max_id, int(ids.max(skipna=True)) if ids.notna().any() else 0) + 1
    missing = ids.isna()
    ids[missing] = range(start, start + int(missing.sum()))
    new[schema.ID] = ids
    return new


def get_saved_state(path: Location) -> tuple:
    """What changes with every save and not with a read, for cache keys.

    The count of Buurtkaart's saves and the last change another program (GDAL, QGIS) made;
    see each store for how it is read cheaply.

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    tuple
        Equal before and after anything that only reads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> before = get_saved_state(path)
    >>> _ = read_layers(path)
    >>> get_saved_state(path) == before
    True
    """
    return open_store(path).get_saved_state()


def get_backup_dir(path: str | os.PathLike) -> Path:
    """Where a GeoPackage workspace's backups live: beside it, in `<name>.backups/` (those of
    a PostGIS workspace are schemas in its database).

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    pathlib.Path
        The folder (not made here).

    Examples
    --------
    >>> get_backup_dir("/data/buurt.gpkg").as_posix()
    '/data/buurt.backups'
    """
    return GeoPackageStore(path).backup_dir


def backup_workspace(path: Location, *, label: str = "voor-import") -> Backup:
    """Copy the workspace as it is now; keeps the newest BACKUPS_KEPT.

    A GeoPackage is copied with SQLite's online backup API into `get_backup_dir`; a PostGIS
    workspace into a schema of its own in the same database.

    Parameters
    ----------
    path
        The workspace.
    label
        Why, in the file name ("voor-import", "voor-terugzetten").

    Returns
    -------
    Backup
        The copy.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> backup = backup_workspace(path)
    >>> pathlib.Path(backup.location).parent == get_backup_dir(path)
    True
    >>> backup.name.endswith("voor-import")
    True
    """
    store = open_store(path)
    get_workspace_info(store)
    return store.backup(label)


def list_backups(path: Location) -> list[Backup]:
    """The workspace's backups, newest first.

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    list of Backup
        The backups.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> list_backups(path)
    []
    """
    return open_store(path).list_backups()


def delete_backup(path: Location, backup: Backup) -> None:
    """Remove one of the workspace's backups.

    Parameters
    ----------
    path
        The workspace.
    backup
        One of `list_backups(path)`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> delete_backup(path, backup_workspace(path))
    >>> list_backups(path)
    []
    """
    open_store(path).delete_backup(backup)


def _find_backup(store: Store, backup: Backup | str | os.PathLike) -> Backup:
    """A backup given as such, or (for a GeoPackage) as the path of any workspace file."""
    if isinstance(backup, Backup):
        return backup
    for known in store.list_backups():
        if known.location == str(backup):
            return known
    file = Path(backup)
    made = pd.Timestamp(file.stat().st_mtime, unit="s", tz="UTC") if file.exists() else None
    return Backup(name=file.stem, made_at=made, location=str(file))


def restore_backup(path: Location, backup: Backup | str | os.PathLike, *,
                   actor: Actor = LOCAL) -> Backup:
    """Put a backup back ("terugzetten"); the current state is backed up first. The audit
    log and the roles stay as they are now (and the restore is logged).

    Parameters
    ----------
    path
        The workspace.
    backup
        One of `list_backups(path)` (for a GeoPackage also: the path of a workspace file).
    actor
        Who does it; only `beheer` may (or the owner of a personal workspace).

    Returns
    -------
    Backup
        The backup made of the state that was replaced.

    Raises
    ------
    WerkwijzerError
        When `backup` is not a workspace.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> backup = backup_workspace(path)
    >>> restore_backup(path, backup).name.endswith("voor-terugzetten")
    True
    """
    store = open_store(path)
    check(actor, Action.RESTORE, workspace_has_roles=not read_roles(store).empty)
    chosen = _find_backup(store, backup)
    get_workspace_info(chosen)  # refuse anything that is not a workspace
    before = backup_workspace(store, label="voor-terugzetten")

    def log_restore(writer: Writer) -> None:
        audit.write_entry(writer, audit.AuditEntry(
            actor.user, actor.role, actor.via, str(Action.RESTORE),
            detail=f"{chosen.name} teruggezet (de stand daarvoor: {before.name})"))

    store.restore(chosen, log_restore)
    LOG.info("teruggezet: %s uit %s (de stand daarvoor: %s)", _shown(store), chosen.name,
             before.name)
    return before


def read_roles(path: Location) -> pd.DataFrame:
    """Who has which role in the workspace (empty: nobody; the workspace is personal).

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    pandas.DataFrame
        Columns user, role, granted_by, granted_at; by user.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> read_roles(path).empty
    True
    """
    store = open_store(path)
    get_workspace_info(store)
    rows = store.read(lambda reader: reader.read_rows(ROLES_TABLE, ROLE_COLUMNS))
    return pd.DataFrame(rows, columns=list(ROLE_COLUMNS)).sort_values(
        "user", key=lambda users: users.str.casefold(), ignore_index=True)


def write_role(path: Location, user: str, role: str | None, *,
               granted_by: str) -> None:
    """Give `user` a role, or take it away (None), in one save (with its audit line when
    recorded, see `access.set_role`).

    Parameters
    ----------
    path
        The workspace.
    user
        An e-mail address (compared without regard to case).
    role
        A role, or None to take the role away.
    granted_by
        Who did it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> write_role(path, "Jan@Gemeente.nl", "team", granted_by="cli")
    >>> read_roles(path)["role"].tolist()
    ['team']
    """
    store = open_store(path)
    get_workspace_info(store)
    now = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    with store.saving() as writer:
        writer.set_roles([] if role is None else [(user, role, granted_by, now)],
                         only_user=user)


def read_audit_log(path: Location) -> pd.DataFrame:
    """The audit log, oldest first (empty when nothing was logged yet).

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    pandas.DataFrame
        Columns at (UTC), user, role, via, action, layer, ids, detail.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> list(read_audit_log(path).columns)[:3]
    ['at', 'user', 'role']
    """
    store = open_store(path)
    get_workspace_info(store)
    rows = store.read(lambda reader: reader.read_rows(audit.AUDIT_TABLE, audit.COLUMNS))
    frame = pd.DataFrame(rows, columns=list(audit.COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    return frame


def record_event(path: Location, entry: audit.AuditEntry) -> None:
    """Log something that saves nothing (the notes viewed, an export made) in its own
    transaction; the saved state stays the same, so no page reloads for it.

    Parameters
    ----------
    path
        The workspace.
    entry
        The line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> before = get_saved_state(path)
    >>> record_event(path, audit.AuditEntry("a@b.nl", "team", "app", "view_notes"))
    >>> get_saved_state(path) == before, len(read_audit_log(path))
    (True, 1)
    """
    with open_store(path).saving(counted=False) as writer:
        audit.write_entry(writer, entry)


def read_table(path: Location, name: str) -> pd.DataFrame | None:
    """A table without geometry that is not a layer (such as scenes); None when absent.

    Parameters
    ----------
    path
        The workspace.
    name
        The table.

    Returns
    -------
    pandas.DataFrame or None
        Its rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> read_table(path, "scenes") is None
    True
    """
    store = open_store(path)
    get_workspace_info(store)
    return store.read(lambda reader: reader.read_table(name))


def write_table(path: Location, name: str, frame: pd.DataFrame) -> None:
    """Replace a table without geometry, in one transaction like every save.

    Parameters
    ----------
    path
        The workspace.
    name
        The table; a layer's name is refused.
    frame
        Its complete new rows.

    Raises
    ------
    WerkwijzerError
        When `name` is a layer or the workspace's information table.

    Examples
    --------
    >>> import pandas as pd
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> write_table(path, "notes_per_week", pd.DataFrame({"week": [1], "n": [3]}))
    >>> read_table(path, "notes_per_week")["n"].tolist()
    [3]
    """
    if name in schema.LAYERS or name in (INFO_TABLE, ROLES_TABLE, audit.AUDIT_TABLE):
        raise WerkwijzerError(f"'{name}' is een laag van de werkruimte, geen losse tabel.")
    store = open_store(path)
    get_workspace_info(store)
    with store.saving() as writer:
        writer.replace_tables({name: frame})
    LOG.info("opgeslagen: %s, tabel %s vervangen (%s rijen)", _shown(store), name,
             len(frame))


@dataclass
class CopyResult:
    """What `copy_workspace` copied: rows per layer and table, all checked."""

    source: str
    target: str
    rows: dict[str, int]
    roles: int
    audit_lines: int

    def describe(self) -> str:
        """One Dutch line for the command line and the log.

        Returns
        -------
        str
            Where from, where to, and the rows per layer that hold any.

        Examples
        --------
        >>> CopyResult("buurt.gpkg", "oosterwijk", {"observations": 483, "spots": 0}, 2,
        ...            10).describe()
        'buurt.gpkg gekopieerd naar oosterwijk en rij voor rij gecontroleerd: observations 483; 2 rollen, 10 regels logboek.'
        """  # noqa: E501
        counted = ", ".join(f"{name} {count}" for name, count in self.rows.items() if count)
        roles = labels.format_count(self.roles, "rol", "rollen")
        lines = labels.format_count(self.audit_lines, "regel", "regels")
        return (f"{self.source} gekopieerd naar {self.target} en rij voor rij gecontroleerd: "
                f"{counted or 'geen rijen'}; {roles}, {lines} logboek.")


@dataclass
class _Contents:
    info: dict[str, str]
    layers: dict[str, gpd.GeoDataFrame]
    tables: dict[str, pd.DataFrame]
    roles: list[tuple]
    audit_rows: list[tuple]


def _read_contents(reader: Reader) -> _Contents:
    return _Contents(
        info=reader.read_info(),
        layers={name: reader.read_layer(name) for name in schema.LAYER_NAMES},
        tables={name: reader.read_table(name) for name in reader.list_tables()},
        roles=reader.read_rows(ROLES_TABLE, ROLE_COLUMNS),
        audit_rows=reader.read_rows(audit.AUDIT_TABLE, audit.COLUMNS))


COPIED_INFO = ("tz", "name", "created_at", "schema_version", "app_version", "is_demo",
               "metric_crs")


def copy_workspace(source: Location, target: Location, *,
                   actor: Actor = LOCAL) -> CopyResult:
    """Copy a whole workspace to a new place, GeoPackage or PostGIS either way, then read
    both and compare them row for row.

    Everything comes along: every layer with its ids, the tables (scenes, tombstones), the
    roles and the audit log. The copy is logged in the source, then in the target. The
    target is written in one step, so it is there whole or not at all.

    Parameters
    ----------
    source
        The workspace to copy.
    target
        Where to: a new .gpkg path or ``postgresql://...?workspace=name``; must not exist.
    actor
        Who does it; only `beheer` may (or the owner of a personal workspace).

    Returns
    -------
    CopyResult
        Rows per layer, roles and audit lines copied.

    Raises
    ------
    WerkwijzerError
        When the target exists, the role does not allow it, or the copy differs from the
        source (the differences named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "a.gpkg", name="Oosterwijk")
    >>> copy_workspace(folder / "a.gpkg", folder / "b.gpkg").rows["observations"]
    0
    >>> get_workspace_info(folder / "b.gpkg").name
    'Oosterwijk'
    """
    source_store, target_store = open_store(source), open_store(target)
    get_workspace_info(source_store)
    check(actor, Action.COPY, workspace_has_roles=not read_roles(source_store).empty)
    if target_store.exists():
        raise WerkwijzerError(f"{_shown(target_store)} bestaat al. Kies een nieuwe naam; een "
                              "bestaande werkruimte wordt nooit overschreven.")
    # Logged in the source first: when that cannot be written, nothing is made.
    record_event(source_store, audit.AuditEntry(
        actor.user, actor.role, actor.via, str(Action.COPY),
        detail=f"kopie naar {target_store.name}"))
    contents = source_store.read(_read_contents)
    line = audit.AuditEntry(actor.user, actor.role, actor.via, str(Action.COPY),
                            detail=f"gekopieerd uit {source_store.name}").to_row()
    info = {key: value for key, value in contents.info.items() if key in COPIED_INFO}
    tables = {**{name: to_storage_form(name, frame) for name, frame in contents.layers.items()},
              **contents.tables}
    target_store.create(tables, info, roles=contents.roles,
                        audit_rows=[*contents.audit_rows, line])
    copied = target_store.read(_read_contents)
    problems = compare_contents(contents, copied, audit_added=1)
    if problems:
        raise WerkwijzerError(
            f"De kopie in {_shown(target_store)} wijkt af van {source_store.name}:\n"
            + "\n".join(problems[:20]) + "\nDe bron is niet veranderd; verwijder de kopie en "
            "probeer het opnieuw.")
    LOG.info("gekopieerd: %s naar %s", _shown(source_store), _shown(target_store))
    return CopyResult(source_store.name, target_store.name,
                      {name: len(frame) for name, frame in contents.layers.items()},
                      len(contents.roles), len(contents.audit_rows))


def compare_contents(source: _Contents, copy: _Contents, *, audit_added: int = 0,
                     ) -> list[str]:
    """Dutch lines for every difference between two workspaces' contents, row for row.

    Parameters
    ----------
    source, copy
        As read by `_read_contents`.
    audit_added
        Audit lines the copy has at its end that the source lacks.

    Returns
    -------
    list of str
        Empty when every layer, table, role and audit line is the same.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.gpkg"
    >>> _ = create_workspace(path)
    >>> contents = open_store(path).read(_read_contents)
    >>> compare_contents(contents, contents)
    []
    """
    problems = []
    for key in COPIED_INFO:
        if source.info.get(key) != copy.info.get(key):
            problems.append(f"werkruimte-informatie '{key}': {source.info.get(key)!r} werd "
                            f"{copy.info.get(key)!r}")
    for name, frame in source.layers.items():
        problems += [f"laag {name}: {line}" for line in
                     _compare_layer(name, frame, copy.layers.get(name))]
    for name, table in source.tables.items():
        other = copy.tables.get(name)
        if other is None or len(other) != len(table) or not table.reset_index(
                drop=True).astype(str).equals(other.reset_index(drop=True).astype(str)):
            problems.append(f"tabel {name}: niet gelijk")
    if sorted(source.roles) != sorted(copy.roles):
        problems.append("rollen: niet gelijk")
    kept = copy.audit_rows[:len(copy.audit_rows) - audit_added]
    if [tuple(map(str, row)) for row in source.audit_rows] != [
            tuple(map(str, row)) for row in kept]:
        problems.append("logboek: niet gelijk")
    return problems


def _compare_layer(name: str, frame: gpd.GeoDataFrame,
                   other: gpd.GeoDataFrame | None) -> list[str]:
    if other is None or len(other) != len(frame):
        return [f"{len(frame)} rijen werden {0 if other is None else len(other)}"]
    frame, other = frame.reset_index(drop=True), other.reset_index(drop=True)
    problems = []
    for column in schema.get_layer(name).columns:
        a, b = frame[column.name], other[column.name]
        same = (a.isna() & b.isna()) | (a == b).fillna(False).astype(bool)
        if not same.all():
            row = int(np.flatnonzero(~same.to_numpy())[0])
            problems.append(f"kolom {column.name}, rij {row + 1}: {a.iloc[row]!r} werd "
                            f"{b.iloc[row]!r}")
    shapes_a, shapes_b = frame.geometry.to_numpy(), other.geometry.to_numpy()
    missing = pd.isna(shapes_a) & pd.isna(shapes_b)
    equal = missing | shapely.equals_exact(shapes_a, shapes_b, tolerance=0)
    if not np.all(equal):
        row = int(np.flatnonzero(~np.asarray(equal, dtype=bool))[0])
        problems.append(f"vorm in rij {row + 1} verschilt")
    return problems


def list_workspaces(url: str, *, user: str | None = None) -> list[WorkspaceInfo]:
    """The workspaces a PostgreSQL database holds (backups not counted), by name; with
    `user`, only those where that person has a role. One query, however many there are.

    Parameters
    ----------
    url
        ``postgresql://user@host/db`` (a `workspace` in it is ignored).
    user
        An e-mail address; None: every workspace.

    Returns
    -------
    list of WorkspaceInfo
        One per workspace; its `location` opens it.

    Raises
    ------
    WerkwijzerError
        When the database cannot be reached.

    Examples
    --------
    >>> list_workspaces("postgresql://nobody@/none?host=/nergens")
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: De database postgresql://nobody@/none?host=/nergens is niet bereikbaar ...
    """  # noqa: E501
    from werkwijzer_geo.io import postgis

    address = postgis.parse_address(url)
    return [_make_info(address.with_workspace(name), values, name)
            for name, values, role in postgis.read_region(url, user)
            if user is None or role is not None]
