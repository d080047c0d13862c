"""A workspace in one GeoPackage file: one writer at a time, each save one SQLite transaction.

The file is in WAL mode (see `gpkg`): a save writes only its rows and commits, readers keep
reading the last committed version meanwhile, and a writer killed at any moment leaves the
file as it was before its save. Writers of one file take turns through a lock file beside
it, also between processes."""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import filelock
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from werkwijzer_geo import schema
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.io import audit, gpkg
from werkwijzer_geo.io.stores import (
    BACKUPS_KEPT,
    INFO_TABLE,
    KEPT_TABLES,
    OWNER_ONLY,
    ROLE_COLUMNS,
    ROLES_TABLE,
    SAVES_KEY,
    Backup,
    Reader,
    Store,
    T,
    Writer,
    from_storage_form,
    in_id_order,
    make_layer_frame,
)

LOCK_TIMEOUT_S = 30.0
READ_ATTEMPTS = 5

_HELD_LOCKS = threading.local()
_CREATE_AUDIT = f"""CREATE TABLE IF NOT EXISTS {audit.AUDIT_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL,
    role TEXT NOT NULL, via TEXT NOT NULL, action TEXT NOT NULL, layer TEXT, ids TEXT,
    detail TEXT)"""
_INSERT_AUDIT = (f"INSERT INTO {audit.AUDIT_TABLE} ({', '.join(audit.COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(audit.COLUMNS))})")
_CREATE_ROLES = (f"CREATE TABLE IF NOT EXISTS {ROLES_TABLE} (user TEXT PRIMARY KEY NOT NULL "
                 "COLLATE NOCASE, role TEXT NOT NULL, granted_by TEXT, granted_at TEXT)")
_INSERT_ROLE = f"INSERT INTO {ROLES_TABLE} ({', '.join(ROLE_COLUMNS)}) VALUES (?, ?, ?, ?)"
# Registered as attribute tables, so QGIS and GDAL list them like any other table; with a
# fixed last_change, so a line logged does not look like changed data (`get_saved_state`).
_REGISTER = ("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
             "last_change) VALUES (?, 'attributes', ?, '2000-01-01T00:00:00.000Z')")


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


@contextlib.contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold the workspace's write lock; leftovers of killed writers are removed inside it.
    A thread that holds it already goes on (a save reads the layer it changes).

    Parameters
    ----------
    path
        The GeoPackage.

    Returns
    -------
    contextlib.AbstractContextManager
        Holds the lock inside its block.

    Raises
    ------
    WerkwijzerError
        When another writer held it for `LOCK_TIMEOUT_S` seconds.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> with writer_lock(path):
    ...     _lock_path(path).exists()
    True
    """
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
                yield
            finally:
                held.discard(key)
    except filelock.Timeout:
        raise WerkwijzerError(
            f"De werkruimte {path.name} is al {LOCK_TIMEOUT_S:.0f} seconden bezet door een "
            "andere opslag. Probeer het zo opnieuw; er is niets opgeslagen."
        ) from None


@contextlib.contextmanager
def _scratch_file(path: Path) -> Iterator[Path]:
    """A new GeoPackage beside `path` for GDAL to write; removed afterwards (a killed
    writer's leftover goes at the next write, see `writer_lock`)."""
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp.gpkg")
    try:
        yield scratch
    finally:
        for leftover in (scratch, *_sidecars(scratch)):
            leftover.unlink(missing_ok=True)


def count_rows(path: Path, table: str, *, where: str | None = None) -> int:
    """Rows as SQLite counts them (through GDAL, see `gpkg.LIBRARY_GUARD`).

    Parameters
    ----------
    path
        The GeoPackage.
    table
        A table in it.
    where
        An SQL condition.

    Returns
    -------
    int
        The count.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> count_rows(path, "observations")
    0
    """
    query = f'SELECT count(*) AS n FROM "{table}"' + (f" WHERE {where}" if where else "")
    with gpkg.LIBRARY_GUARD.gdal():
        _, result = pyogrio.read_arrow(path, sql=query, read_geometry=False)
    return int(result.column(0)[0].as_py())


def _check_count(scratch: Path, name: str, rows: int) -> None:
    if count_rows(scratch, name) != rows:
        raise WerkwijzerError(f"Opslaan van '{name}' is niet gelukt: het aantal rijen klopt "
                              "niet. Er is niets veranderd; probeer het opnieuw.")


def _write_tables(target: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """Layers (storage form) and plain tables, written by GDAL into `target`."""
    for name, frame in tables.items():
        if name in schema.LAYERS:
            pyogrio.write_dataframe(
                frame, target, layer=name, driver="GPKG",
                geometry_type=schema.get_layer(name).gpkg_geometry_type,
                promote_to_multi=False)
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), target, layer=name, driver="GPKG")
        _check_count(target, name, len(frame))


def _index_ids(connection: sqlite3.Connection, layer_names) -> None:
    """An index on `id`, so the next free number and the taken ones are found at once."""
    for name in layer_names:
        if name in schema.LAYERS and schema.get_layer(name).id_column == schema.ID:
            connection.execute(f'CREATE INDEX IF NOT EXISTS "{name}_id" ON "{name}" '
                               f'("{schema.ID}")')


def _where_ids(ids: Sequence[int] | None) -> str | None:
    if ids is None:
        return None
    return f'"{schema.ID}" IN ({", ".join(str(int(value)) for value in ids) or "NULL"})'


class _FileReader(Reader):
    """Reads through GDAL (Arrow); `GeoPackageStore.read` keeps it on one saved version."""

    def __init__(self, path: Path, shown_name: str) -> None:
        self.path = path
        self.shown_name = shown_name

    def _tables(self) -> set[str]:
        with gpkg.LIBRARY_GUARD.gdal():
            return {str(row[0]) for row in pyogrio.list_layers(self.path)}

    def read_info(self) -> dict[str, str]:
        try:
            present = self._tables()
            with gpkg.LIBRARY_GUARD.gdal():
                table = (pyogrio.read_dataframe(self.path, layer=INFO_TABLE)
                         if INFO_TABLE in present else None)
        except pyogrio.errors.DataSourceError as error:
            raise WerkwijzerError(
                f"{self.shown_name} is geen leesbare GeoPackage ({error}). Er is niets aan "
                "veranderd; zet een reservekopie terug of kies een ander bestand."
            ) from None
        missing = [layer for layer in schema.LAYER_NAMES if layer not in present]
        if table is None or missing:
            absent = ", ".join(missing or [INFO_TABLE])
            raise WerkwijzerError(
                f"{self.shown_name} is geen Buurtkaart-werkruimte: lagen {absent} ontbreken. "
                "Maak een werkruimte met 'init' en importeer het bestand daarin."
            )
        return dict(zip(table["key"], table["value"], strict=True))

    def read_layer(self, layer_name: str, *, ids: Sequence[int] | None = None,
                   metric_crs: str | None = None) -> gpd.GeoDataFrame:
        """Read through Arrow; the shapes are made from their WKB in a second thread (with
        `metric_crs`, their metric coordinates too: shapely and pyproj let go of the GIL)
        while this thread turns the other columns into the canonical table. At 1,000,000
        points each side takes most of a second."""
        where = _where_ids(ids)
        with gpkg.LIBRARY_GUARD.gdal():
            meta, table = pyogrio.read_arrow(self.path, layer=layer_name,
                                             datetime_as_string=True, where=where)
        name = meta.get("geometry_name") or "wkb_geometry"
        known = metric_crs if layer_name in schema.METRIC_LAYERS else None
        if name not in table.column_names:  # a table without shapes
            frame = from_storage_form(layer_name, table.to_pandas())
        else:
            frame = make_layer_frame(layer_name, table, name, known)
        stored_rows = count_rows(self.path, layer_name, where=where)
        if len(frame) != stored_rows:
            raise WerkwijzerError(
                f"Laag '{layer_name}' in {self.shown_name} gaf {len(frame)} van de "
                f"{stored_rows} rijen. Het bestand is buiten Buurtkaart om gewijzigd; zet een "
                "reservekopie terug."
            )
        return in_id_order(frame)

    def read_extent(self, layer_name: str) -> tuple[float, float, float, float] | None:
        with gpkg.LIBRARY_GUARD.gdal():
            bounds = pyogrio.read_info(self.path, layer=layer_name).get("total_bounds")
        if bounds is None or not np.all(np.isfinite(bounds)):
            return None
        return tuple(float(v) for v in bounds)

    def read_rows(self, table: str, columns: Sequence[str]) -> list[tuple]:
        if table not in self._tables():
            return []
        quoted = ", ".join(f'"{column}"' for column in columns)
        order = " ORDER BY fid" if table == audit.AUDIT_TABLE else ""
        with gpkg.LIBRARY_GUARD.gdal():
            _, result = pyogrio.read_arrow(self.path,
                                           sql=f'SELECT {quoted} FROM "{table}"{order}',
                                           read_geometry=False)
        return [tuple(row[column] for column in columns) for row in result.to_pylist()]

    def list_tables(self) -> list[str]:
        with gpkg.LIBRARY_GUARD.gdal():
            listed = pyogrio.list_layers(self.path)
        return sorted(str(name) for name, kind in listed
                      if kind is None and name not in schema.LAYERS and name not in KEPT_TABLES)

    def read_table(self, name: str) -> pd.DataFrame | None:
        if name not in self._tables():
            return None
        with gpkg.LIBRARY_GUARD.gdal():
            return pd.DataFrame(pyogrio.read_dataframe(self.path, layer=name,
                                                       read_geometry=False))


class _FileWriter(_FileReader, Writer):
    """Inside the write lock. Reads go through GDAL until the first write opens the SQLite
    transaction (the two SQLite copies must not share the file, see `gpkg`)."""

    def __init__(self, path: Path, shown_name: str, stack: contextlib.ExitStack) -> None:
        super().__init__(path, shown_name)
        self._stack = stack
        self._connection: sqlite3.Connection | None = None

    def connection(self, source: Path | None = None) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = self._stack.enter_context(
                gpkg.write_transaction(self.path, source=source))
        elif source is not None:
            raise RuntimeError("replace_tables must come first in a save")
        return self._connection

    def get_max_id(self, layer_name: str) -> int:
        connection = self.connection()
        _index_ids(connection, [layer_name])
        value = connection.execute(
            f'SELECT max("{schema.ID}") FROM "{layer_name}"').fetchone()[0]
        return int(value or 0)

    def find_ids(self, layer_name: str, ids: Sequence[int]) -> list[int]:
        connection = self.connection()
        found: list[int] = []
        for start in range(0, len(ids), 500):
            chunk = [int(value) for value in ids[start:start + 500]]
            marks = ",".join("?" * len(chunk))
            found += [row[0] for row in connection.execute(
                f'SELECT "{schema.ID}" FROM "{layer_name}" WHERE "{schema.ID}" IN ({marks})',
                tuple(chunk))]
        return found

    def insert_rows(self, layer_name: str, stored: pd.DataFrame) -> int:
        return gpkg.insert_rows(self.connection(), layer_name, stored)

    def update_rows(self, layer_name: str, stored: pd.DataFrame) -> int:
        return gpkg.update_rows_by_id(self.connection(), layer_name, stored)

    def delete_rows(self, layer_name: str, ids: Sequence[int] | None) -> int:
        if ids is None:
            return self.connection().execute(f'DELETE FROM "{layer_name}"').rowcount
        return gpkg.delete_rows_by_id(self.connection(), layer_name, ids)

    def replace_tables(self, tables: Mapping[str, pd.DataFrame]) -> None:
        # GDAL writes the new tables into a file of their own; one transaction then puts
        # them in place of the old ones (rows, spatial index, triggers, metadata).
        scratch = self._stack.enter_context(_scratch_file(self.path))
        _write_tables(scratch, tables)
        connection = self.connection(source=scratch)
        gpkg.replace_tables(connection, list(tables))
        _index_ids(connection, tables)

    def add_audit_rows(self, rows: Sequence[tuple], *, replace: bool = False) -> None:
        connection = self.connection()
        connection.execute(_CREATE_AUDIT)
        connection.execute(_REGISTER, (audit.AUDIT_TABLE, audit.AUDIT_TABLE))
        if replace:
            connection.execute(f"DELETE FROM {audit.AUDIT_TABLE}")
        connection.executemany(_INSERT_AUDIT, rows)

    def set_roles(self, rows: Sequence[tuple], *, only_user: str | None = None) -> None:
        connection = self.connection()
        connection.execute(_CREATE_ROLES)
        connection.execute(_REGISTER, (ROLES_TABLE, ROLES_TABLE))
        if only_user is None:
            connection.execute(f"DELETE FROM {ROLES_TABLE}")
        else:
            connection.execute(f"DELETE FROM {ROLES_TABLE} WHERE user = ?", (only_user,))
        connection.executemany(_INSERT_ROLE, rows)


class GeoPackageStore(Store):
    """A workspace kept in one GeoPackage file (see the module's note).

    Parameters
    ----------
    location
        The file; its name ends in .gpkg.

    Examples
    --------
    >>> GeoPackageStore("data/buurt.gpkg").name
    'buurt.gpkg'
    """

    def __init__(self, location: str | os.PathLike) -> None:
        self.path = Path(location)
        self.location = self.shown = str(location)
        self.name = self.path.name

    def exists(self) -> bool:
        return self.path.exists()

    def create(self, tables: Mapping[str, pd.DataFrame], info: Mapping[str, str], *,
               roles: Sequence[tuple] = (), audit_rows: Sequence[tuple] = ()) -> None:
        """Write a complete new workspace beside the file's name, check it, then give it
        that name in one atomic rename."""
        path = self.path
        if path.suffix.lower() != ".gpkg":
            raise WerkwijzerError(f"{path.name}: een werkruimte is een GeoPackage; "
                                  "gebruik een naam die eindigt op .gpkg.")
        path.parent.mkdir(parents=True, exist_ok=True)
        info_table = pd.DataFrame({"key": list(info), "value": [str(v) for v in info.values()]})
        with writer_lock(path):
            if path.exists():
                raise WerkwijzerError(f"{path} is net door een ander aangemaakt. "
                                      "Er is niets veranderd.")
            with _scratch_file(path) as scratch:
                _write_tables(scratch, {**tables, INFO_TABLE: info_table})
                with contextlib.ExitStack() as stack:
                    writer = _FileWriter(scratch, self.name, stack)
                    _index_ids(writer.connection(), tables)
                    if roles:
                        writer.set_roles(roles)
                    if audit_rows:
                        writer.add_audit_rows(audit_rows)
                _fsync(scratch)
                for stale in _sidecars(path):  # of an earlier file by this name: never apply
                    stale.unlink(missing_ok=True)
                os.chmod(scratch, OWNER_ONLY)  # notes about young people: the owner reads
                os.replace(scratch, path)
                _fsync(path.parent)

    def read(self, read: Callable[[Reader], T]) -> T:
        """`read` may open the file several times (GDAL does, once per layer), and a save
        may commit between two of them. Every save counts itself in the information table;
        when the count moved during the read, it is read again, the last time holding the
        write lock. Only a problem found while nothing changed is reported."""
        reader = _FileReader(self.path, self.name)
        for attempt in range(READ_ATTEMPTS):
            # Saves one after another can overlap every read; the last try holds them back.
            last = attempt == READ_ATTEMPTS - 1
            with writer_lock(self.path) if last else contextlib.nullcontext(), \
                    gpkg.LIBRARY_GUARD.gdal():
                before = self._get_saves()
                try:
                    result = read(reader)
                except (WerkwijzerError, pyogrio.errors.DataSourceError):
                    if self._get_saves() != before:
                        continue
                    raise
                if self._get_saves() == before:
                    return result
        raise WerkwijzerError(f"{self.name} werd steeds opnieuw opgeslagen terwijl Buurtkaart "
                              "hem las. Probeer het zo opnieuw; er is niets veranderd.")

    def _get_saves(self) -> str | None:
        """The save count alone (one small query); None where the file cannot say."""
        query = f"SELECT value FROM {INFO_TABLE} WHERE key = '{SAVES_KEY}'"
        try:
            with gpkg.LIBRARY_GUARD.gdal():
                _, table = pyogrio.read_arrow(self.path, sql=query, read_geometry=False)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
            return None  # `read` says why
        return table.column(0)[0].as_py() if table.num_rows else None

    def get_saved_state(self) -> tuple:
        """The count of Buurtkaart's saves and the last change GDAL or QGIS noted, read
        again only when the file or its write-ahead log changed on disk (a read may tidy the
        log away, which changes the file but not what it holds)."""
        path = self.path
        status = path.stat()
        files = [(status.st_ino, status.st_mtime_ns, status.st_size)]
        with contextlib.suppress(FileNotFoundError):
            log = path.with_name(path.name + "-wal").stat()
            files.append((log.st_mtime_ns, log.st_size))
        key = (str(path), tuple(files))
        if key not in _SAVED_STATES:
            query = (f"SELECT (SELECT value FROM {INFO_TABLE} WHERE key = '{SAVES_KEY}') AS "
                     "saves, (SELECT max(last_change) FROM gpkg_contents) AS changed")
            with gpkg.LIBRARY_GUARD.gdal():
                _, table = pyogrio.read_arrow(path, sql=query, read_geometry=False)
            if len(_SAVED_STATES) > 64:
                _SAVED_STATES.clear()
            _SAVED_STATES[key] = tuple(column[0].as_py() for column in table.columns)
        return (str(path), *_SAVED_STATES[key])

    @contextlib.contextmanager
    def saving(self, *, counted: bool = True) -> Iterator[Writer]:
        with writer_lock(self.path), contextlib.ExitStack() as stack:
            writer = _FileWriter(self.path, self.name, stack)
            yield writer
            audit.write_pending(writer)  # who did it, in the same transaction
            if counted:
                connection = writer.connection()
                changed = connection.execute(
                    f"UPDATE {INFO_TABLE} SET value = CAST(value AS INTEGER) + 1 "
                    "WHERE key = ?", (SAVES_KEY,)).rowcount
                if not changed:
                    connection.execute(f"INSERT INTO {INFO_TABLE} (key, value) "
                                       "VALUES (?, '1')", (SAVES_KEY,))

    # ---- backups: `<name>.backups/` beside the file ----

    @property
    def backup_dir(self) -> Path:
        return self.path.with_name(self.path.stem + ".backups")

    def backup(self, label: str) -> Backup:
        """Copy the file with SQLite's online backup API."""
        folder = self.backup_dir
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # backups hold every note: the owner only
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"{self.path.stem}-{stamp}-{label}.gpkg"
        partial = target.with_name(target.name + ".partial")
        # Inside the write lock: the copy is of one saved version, and a `.partial` left here
        # is a backup that was killed half-way (no other backup can be running), so it goes.
        with writer_lock(self.path), gpkg.LIBRARY_GUARD.sqlite():
            for stale in folder.glob("*.partial"):
                stale.unlink(missing_ok=True)
            try:
                partial.touch(mode=OWNER_ONLY)
                with contextlib.closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
                                        ) as source, \
                        contextlib.closing(sqlite3.connect(partial)) as copy:
                    source.backup(copy)
                    copy.execute("PRAGMA journal_mode=DELETE")  # one file, nothing beside it
                os.chmod(partial, OWNER_ONLY)
                os.replace(partial, target)
            finally:
                for leftover in (partial, *_sidecars(partial)):
                    leftover.unlink(missing_ok=True)
        for old in self.list_backups()[BACKUPS_KEPT:]:
            self.delete_backup(old)
        return _as_backup(target)

    def list_backups(self) -> list[Backup]:
        if not self.backup_dir.exists():
            return []
        return [_as_backup(path) for path in sorted(self.backup_dir.glob("*.gpkg"),
                                                    key=lambda p: p.name, reverse=True)]

    def delete_backup(self, backup: Backup) -> None:
        Path(backup.location).unlink(missing_ok=True)

    def restore(self, backup: Backup, then: Callable[[Writer], None]) -> None:
        with writer_lock(self.path):
            reader = _FileReader(self.path, self.name)
            kept_log = reader.read_rows(audit.AUDIT_TABLE, audit.COLUMNS)
            kept_roles = reader.read_rows(ROLES_TABLE, ROLE_COLUMNS)
            with gpkg.LIBRARY_GUARD.sqlite(), contextlib.closing(sqlite3.connect(
                    f"file:{backup.location}?mode=ro", uri=True)) as source, \
                    contextlib.closing(sqlite3.connect(
                        self.path, timeout=gpkg.BUSY_TIMEOUT_S)) as target:
                # SQLite copies the backup's pages into the workspace in one write
                # transaction: readers see the old or the restored state, a kill half-way
                # leaves the old.
                source.backup(target)
                target.execute("PRAGMA journal_mode=WAL")
            with self.saving() as writer:
                writer.add_audit_rows(kept_log, replace=True)
                writer.set_roles(kept_roles)
                then(writer)


_SAVED_STATES: dict[tuple, tuple] = {}


def _as_backup(path: Path) -> Backup:
    made = pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC")
    return Backup(name=path.stem, made_at=made, location=str(path))
