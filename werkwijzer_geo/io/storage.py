"""The workspace GeoPackage: one writer at a time, each save one SQLite transaction, UTC on
disk.

The file is in WAL mode (see `gpkg`): a save writes only its rows and commits, readers keep
reading the last committed version meanwhile, and a writer killed at any moment leaves the
file as it was before its save."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import filelock
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from werkwijzer_geo import __version__, schema
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.analysis.aggregate import add_metric_xy
from werkwijzer_geo.io import audit, gpkg
from werkwijzer_geo.logbook import LOG
from werkwijzer_geo.metric import ATTR, choose_metric_crs, to_metric
from werkwijzer_geo.roles import LOCAL, Action, Actor, check
from werkwijzer_geo.schema import Kind
from werkwijzer_geo.timefilter import add_local_time
from werkwijzer_geo.validate import make_empty_layer, validate_layer

INFO_TABLE = "workspace_info"
SCHEMA_VERSION = "1"
OWNER_ONLY = 0o600  # workspaces, backups and exports: read and written by their owner only
LOCK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class WorkspaceInfo:
    """What a workspace says about itself."""

    path: Path
    tz: str
    name: str
    created_at: str
    schema_version: str
    is_demo: bool
    metric_crs: str | None = None  # None: chosen from where the data lies (see `metric`)
    saves: int = 0  # how many saves Buurtkaart made; changes with every one


_HELD_LOCKS = threading.local()


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    """Hold the workspace's write lock; leftovers of killed writers are removed inside it.
    A thread that holds it already goes on (a save reads the layer it changes)."""
    held = _HELD_LOCKS.__dict__.setdefault("paths", set())
    key = str(path.resolve())
    if key in held:
        yield
        return
    lock = filelock.FileLock(str(_lock_path(path)), timeout=LOCK_TIMEOUT_S)
    try:
        with lock:
            held.add(key)
            try:
                for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp*"):
                    stale.unlink(missing_ok=True)
                _remove_stale_pins(path)
                yield
            finally:
                held.discard(key)
    except filelock.Timeout:
        raise WerkwijzerError(
            f"De werkruimte {path.name} is al {LOCK_TIMEOUT_S:.0f} seconden bezet door een "
            "andere opslag. Probeer het zo opnieuw; er is niets opgeslagen."
        ) from None


def _remove_stale_pins(path: Path) -> None:
    """Second names that readers of Buurtkaart 0.x made and left when they were killed."""
    now = dt.datetime.now().timestamp()
    for pin in path.parent.glob(f".{glob.escape(path.name)}.*{PIN_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - pin.stat().st_ctime > STALE_PIN_S:  # linking sets the ctime
                pin.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def _to_storage(layer_name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Canonical table -> what GDAL stores: dates as YYYY-MM-DD text, instants in UTC."""
    layer = schema.get_layer(layer_name)
    stored = frame.copy()
    for column in layer.columns:
        if column.kind is Kind.DATE:
            stored[column.name] = stored[column.name].dt.strftime("%Y-%m-%d").astype(object)
            stored[column.name] = stored[column.name].where(frame[column.name].notna(), None)
        elif column.kind is Kind.INSTANT:
            stored[column.name] = stored[column.name].dt.tz_convert("UTC")
    return stored


def _from_storage(layer_name: str, frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """What GDAL read -> canonical table (the reverse of `_to_storage`)."""
    layer = schema.get_layer(layer_name)
    result = {}
    for column in layer.columns:
        values = frame[column.name] if column.name in frame.columns else pd.Series(
            [None] * len(frame), index=frame.index, dtype=object)
        if column.kind is Kind.INT:
            values = pd.to_numeric(values).round().astype("Int64")
        elif column.kind is Kind.FLOAT:
            values = pd.to_numeric(values).astype("Float64")
        elif column.kind is Kind.INSTANT:
            # Unreadable text (typed in QGIS) becomes missing rather than taking every page
            # down; `quality` names such rows so someone fixes them.
            values = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601"
                                    ).astype("datetime64[ms, UTC]")
        elif column.kind is Kind.DATE:
            values = pd.to_datetime(values, errors="coerce", format="ISO8601"
                                    ).astype("datetime64[ms]")
        else:
            values = values.astype(object).where(values.notna(), None)
        result[column.name] = values
    if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None:
        geometry = frame.geometry.to_numpy()
    else:  # shapes come separately, or there are none
        geometry = np.full(len(frame), None, dtype=object)
    return gpd.GeoDataFrame(result, geometry=geometry, crs=schema.STORAGE_CRS)


def _in_id_order(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows in the order of their numbers: a row put back by undo gets a new place in the
    file, but reads where it was."""
    ids = frame.get(schema.ID)
    if ids is None or ids.is_monotonic_increasing:
        return frame
    order = np.argsort(ids.fillna(0).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def _write_tables(target: Path, layers: Mapping[str, gpd.GeoDataFrame],
                  info: Mapping[str, str] | None, *, append: bool) -> None:
    for name, frame in layers.items():
        layer = schema.get_layer(name)
        pyogrio.write_dataframe(
            _to_storage(name, frame), target, layer=name, driver="GPKG", append=append,
            geometry_type=layer.gpkg_geometry_type, promote_to_multi=False,
        )
    if info is not None:
        table = pd.DataFrame({"key": list(info), "value": [str(v) for v in info.values()]})
        pyogrio.write_dataframe(table, target, layer=INFO_TABLE, driver="GPKG")


def _count_rows(path: Path, layer_name: str, *, where: str | None = None) -> int:
    """Rows as SQLite counts them (through GDAL, see `gpkg.LIBRARY_GUARD`)."""
    query = f'SELECT count(*) AS n FROM "{layer_name}"' + (f" WHERE {where}" if where else "")
    with gpkg.LIBRARY_GUARD.gdal():
        _, table = pyogrio.read_arrow(path, sql=query, read_geometry=False)
    return int(table.column(0)[0].as_py())


SAVES_KEY = "saves"


@contextlib.contextmanager
def _save_transaction(path: Path, *, source: Path | None = None,
                      ) -> Iterator[sqlite3.Connection]:
    """A write transaction that also counts the save in the information table, so a
    reader can tell whether anything was saved while it read (`_read_one_version`)."""
    with gpkg.write_transaction(path, source=source) as connection:
        yield connection
        audit.write_pending(connection)  # who did it, in the same transaction
        counted = connection.execute(
            f"UPDATE {INFO_TABLE} SET value = CAST(value AS INTEGER) + 1 WHERE key = ?",
            (SAVES_KEY,)).rowcount
        if not counted:
            connection.execute(f"INSERT INTO {INFO_TABLE} (key, value) VALUES (?, '1')",
                               (SAVES_KEY,))


def _check_count(scratch: Path, name: str, rows: int) -> None:
    if _count_rows(scratch, name) != rows:
        raise WerkwijzerError(f"Opslaan van '{name}' is niet gelukt: het aantal rijen klopt "
                              "niet. Er is niets veranderd; probeer het opnieuw.")


@contextlib.contextmanager
def _scratch_file(path: Path) -> Iterator[Path]:
    """A new GeoPackage beside `path` for GDAL to write; removed afterwards (a killed
    writer's leftover goes at the next write, see `_writer_lock`)."""
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp.gpkg")
    try:
        yield scratch
    finally:
        for leftover in (scratch, *_sidecars(scratch)):
            leftover.unlink(missing_ok=True)


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _index_ids(connection: sqlite3.Connection, layer_names) -> None:
    """An index on `id`, so the next free number and the taken ones are found at once."""
    for name in layer_names:
        if schema.get_layer(name).id_column == schema.ID:
            connection.execute(f'CREATE INDEX IF NOT EXISTS "{name}_id" ON "{name}" '
                               f'("{schema.ID}")')


def _create_file(path: Path, layers: Mapping[str, gpd.GeoDataFrame],
                 info: Mapping[str, str]) -> None:
    """Write a complete new workspace beside `path`, check it, then give it its name in one
    atomic rename. Called inside the write lock, while `path` does not exist."""
    with _scratch_file(path) as scratch:
        _write_tables(scratch, layers, info, append=False)
        for name, frame in layers.items():
            _check_count(scratch, name, len(frame))
        with gpkg.write_transaction(scratch) as connection:
            _index_ids(connection, layers)
        _fsync(scratch)
        for stale in _sidecars(path):  # of an earlier file by this name: never apply them
            stale.unlink(missing_ok=True)
        os.chmod(scratch, OWNER_ONLY)  # notes about young people: the owner reads them
        os.replace(scratch, path)
        _fsync(path.parent)


def create_workspace(
    path: str | os.PathLike,
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
        Where the GeoPackage goes; its folder is made when missing.
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
    path = Path(path)
    if path.exists():
        raise WerkwijzerError(
            f"{path} bestaat al. Kies een nieuwe bestandsnaam; een bestaande werkruimte "
            "wordt nooit overschreven."
        )
    if path.suffix.lower() != ".gpkg":
        raise WerkwijzerError(f"{path.name}: een werkruimte is een GeoPackage; "
                              "gebruik een naam die eindigt op .gpkg.")
    path.parent.mkdir(parents=True, exist_ok=True)
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
    with _writer_lock(path):
        if path.exists():
            raise WerkwijzerError(f"{path} is net door een ander aangemaakt. "
                                  "Er is niets veranderd.")
        _create_file(path, tables, info)
    return get_workspace_info(path)


def get_workspace_info(path: str | os.PathLike) -> WorkspaceInfo:
    """Read the workspace's own information; a clear error when it is not a workspace.

    Parameters
    ----------
    path
        The GeoPackage.

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
    path = Path(path)
    if not path.exists():
        raise WerkwijzerError(f"Werkruimte {path} bestaat niet. Maak hem met "
                              "'python -m werkwijzer_geo init --db PATH'.")
    try:
        state = get_saved_state(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        state = None  # not a workspace: read below, which says so in Dutch
    if state is not None and state in _INFOS:
        return _INFOS[state]
    info = _read_workspace_info(path)
    if state is not None:
        if len(_INFOS) > 64:
            _INFOS.clear()
        _INFOS[state] = info
    return info


_INFOS: dict[tuple, WorkspaceInfo] = {}


def _read_workspace_info(path: Path) -> WorkspaceInfo:
    try:
        with gpkg.LIBRARY_GUARD.gdal():
            present = {str(row[0]) for row in pyogrio.list_layers(path)}
            table = (pyogrio.read_dataframe(path, layer=INFO_TABLE)
                     if INFO_TABLE in present else None)
    except pyogrio.errors.DataSourceError as error:
        raise WerkwijzerError(
            f"{path.name} is geen leesbare GeoPackage ({error}). Er is niets aan veranderd; "
            "zet een reservekopie terug of kies een ander bestand."
        ) from None
    missing = [layer for layer in schema.LAYER_NAMES if layer not in present]
    if table is None or missing:
        absent = ", ".join(missing or [INFO_TABLE])
        raise WerkwijzerError(
            f"{path.name} is geen Buurtkaart-werkruimte: lagen {absent} ontbreken. "
            "Maak een werkruimte met 'init' en importeer het bestand daarin."
        )
    values = dict(zip(table["key"], table["value"], strict=True))
    return WorkspaceInfo(
        path=path,
        tz=check_time_zone(values.get("tz", schema.DEFAULT_TZ)),
        name=values.get("name", path.stem),
        created_at=values.get("created_at", ""),
        schema_version=values.get("schema_version", SCHEMA_VERSION),
        is_demo=values.get("is_demo") == "1",
        metric_crs=values.get("metric_crs") or None,
        saves=int(values.get(SAVES_KEY) or 0),
    )


READ_ATTEMPTS = 5
T = TypeVar("T")
PIN_SUFFIX = ".reading.gpkg"
STALE_PIN_S = 600


def _read_one_version(path: Path, read: Callable[[Path], T]) -> T:
    """Run `read` on one saved version of the file, never on a mix of two.

    `read` may open the file several times (GDAL does, once per layer), and a save may
    commit between two of them. Every save counts itself in the information table (see
    `_save_transaction`); when the count moved during the read, it is read again, the last
    time holding the write lock. Only a problem found while nothing changed is reported.
    """
    if not path.exists():
        get_workspace_info(path)  # raises the Dutch "bestaat niet" with what to do
    for attempt in range(READ_ATTEMPTS):
        # Saves one after another can overlap every read; the last try holds them back.
        last = attempt == READ_ATTEMPTS - 1
        with _writer_lock(path) if last else contextlib.nullcontext(), \
                gpkg.LIBRARY_GUARD.gdal():
            before = _get_saves(path)
            try:
                result = read(path)
            except (WerkwijzerError, pyogrio.errors.DataSourceError):
                if _get_saves(path) != before:
                    continue
                raise
            if _get_saves(path) == before:
                return result
    raise WerkwijzerError(f"{path.name} werd steeds opnieuw opgeslagen terwijl Buurtkaart hem "
                          "las. Probeer het zo opnieuw; er is niets veranderd.")


def _get_saves(path: Path) -> str | None:
    """The save count alone (one small query); None where the file cannot say."""
    query = f"SELECT value FROM {INFO_TABLE} WHERE key = '{SAVES_KEY}'"
    try:
        with gpkg.LIBRARY_GUARD.gdal():
            _, table = pyogrio.read_arrow(path, sql=query, read_geometry=False)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):  # `read` says why
        return None
    return table.column(0)[0].as_py() if table.num_rows else None


def read_layer(path: str | os.PathLike, layer_name: str, *, tz: str | None = None,
               ids: Sequence[int] | None = None) -> gpd.GeoDataFrame:
    """Read one layer, instants in the workspace's zone, with local hour, weekday and date.

    The local columns are added for the layer's time column (see `schema.Layer`). The rows
    all come from one saved version of the file, also while someone else saves.

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
    path = Path(path)

    def read(current: Path) -> gpd.GeoDataFrame:
        info = get_workspace_info(current)
        frame = _read_stored_layer(current, layer_name, shown_name=path.name,
                                   where=_where_ids(ids), metric_crs=info.metric_crs)
        crs = info.metric_crs or _choose_crs_from_file(current)
        return localise_layer(layer_name, frame, tz or info.tz, metric_crs=crs)

    return _read_one_version(path, read)


def _choose_crs_from_file(path: Path) -> str:
    """The metric CRS for a workspace that has none stored: from the outline or places,
    else from the extent of what was recorded."""
    frames = [_read_stored_layer(path, name, shown_name=path.name)
              for name in (schema.BOUNDARY, schema.PLACES)]
    for name in (schema.OBSERVATIONS, schema.SPOTS, schema.HANGOUTS, schema.EXPERIMENTS):
        bounds = pyogrio.read_info(path, layer=name).get("total_bounds")
        if bounds is not None and np.all(np.isfinite(bounds)):
            frames.append(gpd.GeoSeries([shapely.box(*bounds)], crs=schema.STORAGE_CRS))
    return choose_metric_crs(frames)


def _where_ids(ids: Sequence[int] | None) -> str | None:
    if ids is None:
        return None
    return f'"{schema.ID}" IN ({", ".join(str(int(value)) for value in ids) or "NULL"})'


def _read_stored_layer(path: Path, layer_name: str, *, shown_name: str,
                       where: str | None = None, metric_crs: str | None = None,
                       ) -> gpd.GeoDataFrame:
    """A stored layer as canonical table, all of its rows or an error in Dutch.

    Read through Arrow; the shapes are made from their WKB in a second thread (with
    `metric_crs`, their metric coordinates too: shapely and pyproj let go of the GIL) while
    this thread turns the other columns into the canonical table. At 1,000,000 points
    each side takes most of a second.
    """
    meta, table = pyogrio.read_arrow(path, layer=layer_name, datetime_as_string=True,
                                     where=where)
    name = meta.get("geometry_name") or "wkb_geometry"
    known = metric_crs if layer_name in schema.METRIC_LAYERS else None
    if name not in table.column_names:  # a table without shapes
        frame = _from_storage(layer_name, table.to_pandas())
    else:
        wkb = table.column(name).to_numpy(zero_copy_only=False)

        def make_shapes() -> tuple[np.ndarray, tuple | None]:
            shapes = shapely.from_wkb(wkb)
            if known is None:
                return shapes, None
            return shapes, to_metric(shapely.get_x(shapes), shapely.get_y(shapes), known)

        with ThreadPoolExecutor(max_workers=1) as pool:
            made = pool.submit(make_shapes)
            frame = _from_storage(layer_name, table.drop_columns([name]).to_pandas())
            geometry, metric_xy = made.result()
        frame["geometry"] = gpd.GeoSeries(geometry, index=frame.index, crs=schema.STORAGE_CRS)
        if metric_xy is not None:
            frame[schema.METRIC_X], frame[schema.METRIC_Y] = metric_xy
            frame.attrs[ATTR] = known
    stored_rows = _count_rows(path, layer_name, where=where)
    if len(frame) != stored_rows:
        raise WerkwijzerError(
            f"Laag '{layer_name}' in {shown_name} gaf {len(frame)} van de {stored_rows} rijen. "
            "Het bestand is buiten Buurtkaart om gewijzigd; zet een reservekopie terug."
        )
    return _in_id_order(frame)


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


def read_layers(path: str | os.PathLike, layer_names: tuple[str, ...] = schema.LAYER_NAMES,
                ) -> dict[str, gpd.GeoDataFrame]:
    """Read several layers at once, all from one saved version of the file.

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
    path = Path(path)

    def read(current: Path) -> dict[str, gpd.GeoDataFrame]:
        info = get_workspace_info(current)
        names = set(layer_names) | {schema.BOUNDARY, schema.PLACES, schema.OBSERVATIONS,
                                    schema.SPOTS}
        stored = {name: _read_stored_layer(current, name, shown_name=path.name,
                                           metric_crs=info.metric_crs)
                  for name in schema.LAYER_NAMES if name in names}
        crs = info.metric_crs or choose_metric_crs(stored[name] for name in (
            schema.BOUNDARY, schema.PLACES, schema.OBSERVATIONS, schema.SPOTS))
        return {name: localise_layer(name, stored[name], info.tz, metric_crs=crs)
                for name in layer_names}

    return _read_one_version(path, read)


def write_layers(path: str | os.PathLike, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
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
    path = Path(path)
    get_workspace_info(path)
    checked = {name: validate_layer(name, frame) for name, frame in layers.items()}
    with _writer_lock(path), _scratch_file(path) as scratch:
        # GDAL writes the new layers into a file of their own; one transaction then puts
        # them in place of the old ones (rows, spatial index, triggers, metadata).
        _write_tables(scratch, checked, None, append=False)
        for name, frame in checked.items():
            _check_count(scratch, name, len(frame))
        with _save_transaction(path, source=scratch) as connection:
            gpkg.replace_tables(connection, list(checked))
            _index_ids(connection, checked)
    LOG.info("opgeslagen: %s, lagen %s vervangen (%s rijen)", path,
             ", ".join(checked), sum(len(frame) for frame in checked.values()))


def rewrite_layer(path: str | os.PathLike, layer_name: str,
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
    path = Path(path)
    info = get_workspace_info(path)
    with _writer_lock(path):
        before = read_layer(path, layer_name, tz=info.tz, ids=ids)
        after = validate_layer(layer_name, modify(before.copy()), by_id=True)
        with _save_transaction(path) as connection:
            _save_difference(connection, layer_name, before, after)
    LOG.info("opgeslagen: %s, laag %s gewijzigd (%s rijen, was %s)", path, layer_name,
             len(after), len(before))
    return before


def _save_difference(connection: sqlite3.Connection, layer_name: str,
                     before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> None:
    stored = _to_storage(layer_name, after)
    if schema.get_layer(layer_name).id_column != schema.ID:  # no ids: replace every row
        connection.execute(f'DELETE FROM "{layer_name}"')
        gpkg.insert_rows(connection, layer_name, stored)
        return
    _index_ids(connection, [layer_name])
    old_ids = set(before[schema.ID].astype(int))
    new_ids = stored[schema.ID].astype(int)
    gone = sorted(old_ids - set(new_ids))
    added = new_ids[~new_ids.isin(old_ids)].tolist()
    audit.add_ids([*gone, *added])
    _refuse_taken_ids(connection, layer_name, added)
    gpkg.delete_rows_by_id(connection, layer_name, gone)
    gpkg.insert_rows(connection, layer_name, stored[~new_ids.isin(old_ids)])
    kept = stored[new_ids.isin(old_ids)]
    previous = _to_storage(layer_name, before).set_index(
        before[schema.ID].astype(int).to_numpy())
    changed = [position for position, row_id in enumerate(kept[schema.ID].astype(int))
               if not _same_row(layer_name, kept.iloc[position], previous.loc[row_id])]
    audit.add_ids(kept[schema.ID].astype(int).iloc[changed].tolist())
    gpkg.update_rows_by_id(connection, layer_name, kept.iloc[changed])


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


def append_rows(path: str | os.PathLike, layer_name: str, rows: gpd.GeoDataFrame) -> list[int]:
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
    path = Path(path)
    get_workspace_info(path)
    layer = schema.get_layer(layer_name)
    new = rows.copy()
    with _writer_lock(path), _save_transaction(path) as connection:
        if layer.id_column == schema.ID:
            _index_ids(connection, [layer_name])
            new = _assign_ids(_get_max_id(connection, layer_name), new)
        checked = validate_layer(layer_name, new)
        if layer.id_column == schema.ID:
            _refuse_taken_ids(connection, layer_name,
                              checked[schema.ID].astype(int).tolist())
        added = gpkg.insert_rows(connection, layer_name, _to_storage(layer_name, checked))
        if added != len(checked):  # raised inside the transaction: nothing is saved
            raise WerkwijzerError(f"Opslaan in '{layer_name}' is niet gelukt: {added} van de "
                                  f"{len(checked)} rijen. Er is niets veranderd.")
        if layer.id_column == schema.ID:
            audit.add_ids(checked[schema.ID].astype(int).tolist())
    LOG.info("opgeslagen: %s, laag %s, %s rijen toegevoegd", path, layer_name, len(checked))
    return [] if layer.id_column != schema.ID else checked[schema.ID].astype(int).tolist()


def _get_max_id(connection: sqlite3.Connection, layer_name: str) -> int:
    value = connection.execute(f'SELECT max("{schema.ID}") FROM "{layer_name}"').fetchone()[0]
    return int(value or 0)


def _refuse_taken_ids(connection: sqlite3.Connection, layer_name: str,
                      ids: list[int]) -> None:
    taken: list[int] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        taken += [row[0] for row in connection.execute(
            f'SELECT "{schema.ID}" FROM "{layer_name}" WHERE "{schema.ID}" IN ({marks})',
            tuple(chunk))]
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


def get_saved_state(path: str | os.PathLike) -> tuple:
    """What changes with every save and not with a read, for cache keys.

    The count of Buurtkaart's saves and the last change GDAL or QGIS noted, read again only
    when the file or its write-ahead log changed on disk (a read may tidy the log away, which
    changes the file but not what it holds).

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
    path = Path(path)
    status = path.stat()
    files = [(status.st_ino, status.st_mtime_ns, status.st_size)]
    with contextlib.suppress(FileNotFoundError):
        log = path.with_name(path.name + "-wal").stat()
        files.append((log.st_mtime_ns, log.st_size))
    key = (str(path), tuple(files))
    if key not in _SAVED_STATES:
        query = (f"SELECT (SELECT value FROM {INFO_TABLE} WHERE key = '{SAVES_KEY}') AS saves, "
                 "(SELECT max(last_change) FROM gpkg_contents) AS changed")
        with gpkg.LIBRARY_GUARD.gdal():
            _, table = pyogrio.read_arrow(path, sql=query, read_geometry=False)
        if len(_SAVED_STATES) > 64:
            _SAVED_STATES.clear()
        _SAVED_STATES[key] = tuple(column[0].as_py() for column in table.columns)
    return (str(path), *_SAVED_STATES[key])


_SAVED_STATES: dict[tuple, tuple] = {}


BACKUPS_KEPT = 20


def get_backup_dir(path: str | os.PathLike) -> Path:
    """Where a workspace's backups live: beside it, in `<name>.backups/`.

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
    path = Path(path)
    return path.with_name(path.stem + ".backups")


def backup_workspace(path: str | os.PathLike, *, label: str = "voor-import") -> Path:
    """Copy the workspace with SQLite's online backup API; keeps the newest BACKUPS_KEPT.

    Parameters
    ----------
    path
        The workspace.
    label
        Why, in the file name ("voor-import", "voor-terugzetten").

    Returns
    -------
    pathlib.Path
        The backup.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> backup = backup_workspace(path)
    >>> backup.parent == get_backup_dir(path), backup.stem.endswith("voor-import")
    (True, True)
    """
    path = Path(path)
    get_workspace_info(path)
    folder = get_backup_dir(path)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)  # backups hold every note: the owner only
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}-{label}.gpkg"
    partial = target.with_name(target.name + ".partial")
    # Inside the write lock: the copy is of one saved version, and a `.partial` left here is
    # a backup that was killed half-way (no other backup can be running), so it goes.
    with _writer_lock(path), gpkg.LIBRARY_GUARD.sqlite():
        for stale in folder.glob("*.partial"):
            stale.unlink(missing_ok=True)
        try:
            partial.touch(mode=OWNER_ONLY)
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as \
                    source, contextlib.closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
            os.chmod(partial, OWNER_ONLY)
            os.replace(partial, target)
        finally:
            for leftover in (partial, *_sidecars(partial)):
                leftover.unlink(missing_ok=True)
    for old in list_backups(path)[BACKUPS_KEPT:]:
        old.unlink(missing_ok=True)
    return target


def list_backups(path: str | os.PathLike) -> list[Path]:
    """The workspace's backups, newest first.

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    list of pathlib.Path
        The backups.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> list_backups(path)
    []
    """
    folder = get_backup_dir(path)
    if not folder.exists():
        return []
    return sorted(folder.glob("*.gpkg"), key=lambda p: p.name, reverse=True)


def restore_backup(path: str | os.PathLike, backup: str | os.PathLike, *,
                   actor: Actor = LOCAL) -> Path:
    """Put a backup back ("terugzetten"); the current state is backed up first. The audit
    log and the roles stay as they are now (and the restore is logged).

    Parameters
    ----------
    path
        The workspace.
    backup
        One of `list_backups(path)`.
    actor
        Who does it; only `beheer` may (or the owner of a personal workspace).

    Returns
    -------
    pathlib.Path
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
    >>> restore_backup(path, backup).stem.endswith("voor-terugzetten")
    True
    """
    path, backup = Path(path), Path(backup)
    check(actor, Action.RESTORE, workspace_has_roles=not read_roles(path).empty)
    get_workspace_info(backup)  # refuse anything that is not a workspace
    before = backup_workspace(path, label="voor-terugzetten")
    with _writer_lock(path):
        # The audit log and who has which role are not part of the data put back: an older
        # file must not erase what was done since, nor give back a role taken away.
        kept = {name: _read_plain_rows(path, name, columns)
                for name, columns in KEPT_ON_RESTORE.items()}
        with gpkg.LIBRARY_GUARD.sqlite(), contextlib.closing(sqlite3.connect(
                f"file:{backup}?mode=ro", uri=True)) as source, contextlib.closing(
                sqlite3.connect(path, timeout=gpkg.BUSY_TIMEOUT_S)) as target:
            # SQLite copies the backup's pages into the workspace in one write transaction:
            # readers see the old or the restored state, a kill half-way leaves the old.
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        with _save_transaction(path) as connection:
            audit.copy_rows(connection, kept[audit.AUDIT_TABLE])
            _put_back_roles(connection, kept[ROLES_TABLE])
            audit.write_entry(connection, audit.AuditEntry(
                actor.user, actor.role, actor.via, str(Action.RESTORE),
                detail=f"{backup.name} teruggezet (de stand daarvoor: {before.name})"))
    LOG.info("teruggezet: %s uit %s (de stand daarvoor: %s)", path, backup.name, before.name)
    return before


ROLES_TABLE = "roles"
ROLE_COLUMNS = ("user", "role", "granted_by", "granted_at")
KEPT_ON_RESTORE = {audit.AUDIT_TABLE: audit.COLUMNS, ROLES_TABLE: ROLE_COLUMNS}
_INSERT_ROLE = f"INSERT INTO {ROLES_TABLE} ({', '.join(ROLE_COLUMNS)}) VALUES (?, ?, ?, ?)"
_CREATE_ROLES = (f"CREATE TABLE IF NOT EXISTS {ROLES_TABLE} (user TEXT PRIMARY KEY NOT NULL "
                 "COLLATE NOCASE, role TEXT NOT NULL, granted_by TEXT, granted_at TEXT)")


def _read_plain_rows(path: Path, name: str, columns: Sequence[str]) -> list[tuple]:
    """Rows of a table Buurtkaart writes with SQL (audit log, roles), through GDAL."""
    with gpkg.LIBRARY_GUARD.gdal():
        if name not in {str(row[0]) for row in pyogrio.list_layers(path)}:
            return []
        quoted = ", ".join(f'"{column}"' for column in columns)
        order = " ORDER BY fid" if name == audit.AUDIT_TABLE else ""
        _, table = pyogrio.read_arrow(path, sql=f'SELECT {quoted} FROM "{name}"{order}',
                                      read_geometry=False)
    return [tuple(row[column] for column in columns) for row in table.to_pylist()]


def _put_back_roles(connection: sqlite3.Connection, rows: list[tuple]) -> None:
    _ensure_roles_table(connection)
    connection.execute(f"DELETE FROM {ROLES_TABLE}")
    connection.executemany(_INSERT_ROLE, rows)


def _ensure_roles_table(connection: sqlite3.Connection) -> None:
    connection.execute(_CREATE_ROLES)
    connection.execute(audit.REGISTER, (ROLES_TABLE, ROLES_TABLE))


def read_roles(path: str | os.PathLike) -> pd.DataFrame:
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
    path = Path(path)
    get_workspace_info(path)
    rows = _read_plain_rows(path, ROLES_TABLE, ROLE_COLUMNS)
    return pd.DataFrame(rows, columns=list(ROLE_COLUMNS)).sort_values(
        "user", key=lambda users: users.str.casefold(), ignore_index=True)


def write_role(path: str | os.PathLike, user: str, role: str | None, *,
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
    path = Path(path)
    get_workspace_info(path)
    now = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    with _writer_lock(path), _save_transaction(path) as connection:
        _ensure_roles_table(connection)
        connection.execute(f"DELETE FROM {ROLES_TABLE} WHERE user = ?", (user,))
        if role is not None:
            connection.execute(_INSERT_ROLE, (user, role, granted_by, now))


def read_audit_log(path: str | os.PathLike) -> pd.DataFrame:
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
    path = Path(path)
    get_workspace_info(path)
    frame = pd.DataFrame(_read_plain_rows(path, audit.AUDIT_TABLE, audit.COLUMNS),
                         columns=list(audit.COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
    return frame


def record_event(path: str | os.PathLike, entry: audit.AuditEntry) -> None:
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
    path = Path(path)
    with _writer_lock(path), gpkg.write_transaction(path) as connection:
        audit.write_entry(connection, entry)


def read_table(path: str | os.PathLike, name: str) -> pd.DataFrame | None:
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
    path = Path(path)
    get_workspace_info(path)
    with gpkg.LIBRARY_GUARD.gdal():
        if name not in {str(row[0]) for row in pyogrio.list_layers(path)}:
            return None
        return pd.DataFrame(pyogrio.read_dataframe(path, layer=name, read_geometry=False))


def write_table(path: str | os.PathLike, name: str, frame: pd.DataFrame) -> None:
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
    if name in schema.LAYERS or name == INFO_TABLE:
        raise WerkwijzerError(f"'{name}' is een laag van de werkruimte, geen losse tabel.")
    path = Path(path)
    get_workspace_info(path)
    with _writer_lock(path), _scratch_file(path) as scratch:
        pyogrio.write_dataframe(frame, scratch, layer=name, driver="GPKG")
        _check_count(scratch, name, len(frame))
        with _save_transaction(path, source=scratch) as connection:
            gpkg.replace_tables(connection, [name])
    LOG.info("opgeslagen: %s, tabel %s vervangen (%s rijen)", path, name, len(frame))
