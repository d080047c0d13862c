"""Saves as SQLite transactions inside the GeoPackage, without GDAL and without a file copy.

GDAL (inside pyogrio) carries its own copy of SQLite, Python's sqlite3 uses the system's.
Two copies of SQLite in one process must never have one file open at the same moment: the
POSIX locks of one are dropped when the other closes the file, and GDAL, closing a
read-only file, removes the write-ahead log it thinks nobody uses ("How To Corrupt An SQLite
Database File", 2.2.1). `LIBRARY_GUARD` keeps them apart within a process: GDAL's readers
share it, a sqlite3 connection has it alone. Between processes SQLite's own locks work.

A save opens the workspace with Python's sqlite3, writes its rows in one transaction and
commits. The file is in WAL mode, so readers (GDAL, QGIS, sqlite3) keep reading the last
committed version while a save runs, and a writer killed at any moment leaves only frames
without a commit, which SQLite ignores. The GeoPackage stays right through its own triggers:
GDAL's triggers keep `gpkg_ogr_contents.feature_count` and the spatial index (rtree) in step
with every row; the rtree triggers call the GeoPackage SQL functions ST_IsEmpty and
ST_MinX/MaxX/MinY/MaxY, registered here. Geometries are written as GeoPackage binary: the
"GP" header, the SRS id, an envelope (not for points, as GDAL writes them) and the WKB.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import struct
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import schema
from werkwijzer_geo.schema import Kind

BUSY_TIMEOUT_S = 30.0
# Flags byte of a GeoPackage geometry header: bit 0 little endian, bits 1-3 the envelope
# (1: minx, maxx, miny, maxy), bit 4 empty.
_LITTLE_ENDIAN, _ENVELOPE_XY, _EMPTY = 0x01, 0x02, 0x10
_SQL_TYPES = {Kind.INT: "INTEGER", Kind.FLOAT: "REAL", Kind.INSTANT: "DATETIME"}


class _LibraryGuard:
    """GDAL users share; one thread's sqlite3 connection is alone (see the module's note).
    A waiting sqlite3 user goes before GDAL readers that come after it, so a save is not
    starved by sessions that keep reading."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._gdal_threads: Counter[int] = Counter()
        self._sqlite_thread: int | None = None
        self._depth = 0
        self._waiting = 0  # sqlite3 users waiting: new GDAL readers let them go first

    @contextlib.contextmanager
    def gdal(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._condition:
            if self._sqlite_thread == me:
                raise RuntimeError("GDAL opened the workspace inside a sqlite3 connection")
            while self._sqlite_thread is not None or (
                    self._waiting and me not in self._gdal_threads):
                self._condition.wait()
            self._gdal_threads[me] += 1
        try:
            yield
        finally:
            with self._condition:
                self._gdal_threads[me] -= 1
                if not self._gdal_threads[me]:
                    del self._gdal_threads[me]
                self._condition.notify_all()

    @contextlib.contextmanager
    def sqlite(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._condition:
            if me in self._gdal_threads:
                raise RuntimeError("sqlite3 opened the workspace inside a GDAL read")
            if self._sqlite_thread != me:
                self._waiting += 1
                try:
                    while self._sqlite_thread is not None or self._gdal_threads:
                        self._condition.wait()
                finally:
                    self._waiting -= 1
                self._sqlite_thread = me
            self._depth += 1
        try:
            yield
        finally:
            with self._condition:
                self._depth -= 1
                if not self._depth:
                    self._sqlite_thread = None
                self._condition.notify_all()


LIBRARY_GUARD = _LibraryGuard()


def encode_geometry(geometry: shapely.Geometry | None, srs_id: int = 4326) -> bytes | None:
    """A shape as GeoPackage binary, the way GDAL writes it (points without an envelope).

    Parameters
    ----------
    geometry
        A shapely geometry, or None.
    srs_id
        The layer's spatial reference id in `gpkg_spatial_ref_sys`.

    Returns
    -------
    bytes or None
        The blob; None for no geometry.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> blob = encode_geometry(Point(4.677, 52.493))
    >>> blob[:2], len(blob), get_bounds(blob)
    (b'GP', 29, (4.677, 4.677, 52.493, 52.493))
    """
    if geometry is None:
        return None
    flags = _LITTLE_ENDIAN
    envelope = b""
    if geometry.is_empty:
        flags |= _EMPTY
    elif geometry.geom_type != "Point":
        flags |= _ENVELOPE_XY
        minx, miny, maxx, maxy = geometry.bounds
        envelope = struct.pack("<4d", minx, maxx, miny, maxy)
    header = b"GP" + bytes([0, flags]) + struct.pack("<i", srs_id)
    return header + envelope + shapely.to_wkb(geometry, byte_order=1)


@functools.lru_cache(maxsize=8)  # a trigger asks four times for the same blob
def get_bounds(blob: bytes) -> tuple[float, float, float, float] | None:
    """The extent of a GeoPackage geometry as (minx, maxx, miny, maxy); None when empty.

    Read from the header's envelope when it has one, else from the WKB.

    Parameters
    ----------
    blob
        GeoPackage binary.

    Returns
    -------
    tuple or None
        minx, maxx, miny, maxy.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> get_bounds(encode_geometry(box(1, 2, 3, 4)))
    (1.0, 3.0, 2.0, 4.0)
    """
    flags = blob[3]
    if flags & _EMPTY:
        return None
    order = "<" if flags & _LITTLE_ENDIAN else ">"
    envelope = (flags >> 1) & 0x07
    if envelope:
        return struct.unpack_from(order + "4d", blob, 8)
    wkb = blob[8:]
    if len(wkb) == 21 and wkb[1:5] in (b"\x01\x00\x00\x00", b"\x00\x00\x00\x01"):
        x, y = struct.unpack_from("<2d" if wkb[0] == 1 else ">2d", wkb, 5)  # a 2D point
        return None if np.isnan(x) else (x, x, y, y)
    geometry = shapely.from_wkb(wkb)
    if geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    return minx, maxx, miny, maxy


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return int(get_bounds(bytes(blob)) is None)


def _bound(index: int):
    def value(blob: bytes | None) -> float | None:
        bounds = None if blob is None else get_bounds(bytes(blob))
        return None if bounds is None else bounds[index]
    return value


def _register_functions(connection: sqlite3.Connection) -> None:
    """The GeoPackage SQL functions that GDAL's rtree triggers call."""
    connection.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        connection.create_function(name, 1, _bound(index), deterministic=True)


@contextlib.contextmanager
def write_transaction(path: str | Path, *, source: str | Path | None = None,
                      ) -> Iterator[sqlite3.Connection]:
    """One write transaction on a GeoPackage: committed when the block ends, rolled back
    on any error. The file is switched to WAL mode first (readers are never blocked).

    Parameters
    ----------
    path
        The GeoPackage.
    source
        Another GeoPackage to attach as `scratch`, for `replace_tables`.

    Returns
    -------
    contextlib.AbstractContextManager
        Gives the connection inside the transaction.

    Examples
    --------
    >>> import tempfile, pathlib, sqlite3
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.gpkg"
    >>> with write_transaction(path) as connection:
    ...     _ = connection.execute("CREATE TABLE t (a)")
    >>> with contextlib.closing(sqlite3.connect(path)) as check:
    ...     check.execute("PRAGMA journal_mode").fetchone()
    ('wal',)
    """
    with LIBRARY_GUARD.sqlite():
        yield from _transaction(path, source)


def _transaction(path: str | Path, source: str | Path | None) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        _register_functions(connection)
        if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            # A file of an older Buurtkaart or from elsewhere; the switch needs a moment
            # without readers, else this save runs with a rollback journal (as safe).
            with contextlib.suppress(sqlite3.OperationalError):
                connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        if source is not None:
            connection.execute("ATTACH DATABASE ? AS scratch", (str(source),))
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _geometry_column(connection: sqlite3.Connection, table: str) -> tuple[str, int] | None:
    row = connection.execute(
        "SELECT column_name, srs_id FROM gpkg_geometry_columns "
        "WHERE lower(table_name) = lower(?)", (table,)).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def _table_columns(connection: sqlite3.Connection, table: str) -> set[str]:
    return {str(row[1]) for row in connection.execute(f"PRAGMA table_info({_quote(table)})")}


def _instant_text(value: pd.Timestamp) -> str:
    text = value.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S")
    milliseconds = value.microsecond // 1000
    return text + (f".{milliseconds:03d}Z" if milliseconds else "Z")


def _column_values(layer_name: str, frame: pd.DataFrame) -> dict[str, list]:
    """The stored table's columns as plain Python values for sqlite3 (dates as text,
    instants as GDAL's UTC text, missing as None)."""
    layer = schema.get_layer(layer_name)
    values: dict[str, list] = {}
    for column in layer.columns:
        if column.name not in frame.columns:
            continue
        series = frame[column.name]
        present = series.notna().to_numpy()
        if column.kind is Kind.INSTANT:
            items = [_instant_text(v) if ok else None for v, ok in zip(series, present,
                                                                        strict=True)]
        elif column.kind is Kind.INT:
            items = [int(v) if ok else None for v, ok in zip(series, present, strict=True)]
        elif column.kind is Kind.FLOAT:
            items = [float(v) if ok else None for v, ok in zip(series, present, strict=True)]
        else:
            items = [str(v) if ok else None for v, ok in zip(series, present, strict=True)]
        values[column.name] = items
    return values


def _add_missing_columns(connection: sqlite3.Connection, layer_name: str,
                         names: Sequence[str]) -> None:
    """Columns a newer Buurtkaart knows and an older workspace lacks."""
    present = _table_columns(connection, layer_name)
    for column in schema.get_layer(layer_name).columns:
        if column.name in names and column.name not in present:
            sql_type = _SQL_TYPES.get(column.kind, "TEXT")
            connection.execute(f"ALTER TABLE {_quote(layer_name)} "
                               f"ADD COLUMN {_quote(column.name)} {sql_type}")


def insert_rows(connection: sqlite3.Connection, layer_name: str,
                stored: pd.DataFrame) -> int:
    """Add rows (already in storage form, see `storage`) to a layer inside a transaction.

    Parameters
    ----------
    connection
        From `write_transaction`.
    layer_name
        The layer.
    stored
        The rows: the layer's columns, instants in UTC, dates as text, shapes in the
        layer's CRS.

    Returns
    -------
    int
        How many rows were added.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> rows = gpd.GeoDataFrame({"id": [7], "name": ["Plein"], "kind": ["square"]},
    ...                         geometry=[Point(4.677, 52.493)], crs="EPSG:4326")
    >>> with write_transaction(path) as connection:
    ...     insert_rows(connection, "places", rows)
    1
    >>> read_layer(path, "places")["name"].tolist()
    ['Plein']
    """
    if stored.empty:
        return 0
    rows = _stored_columns(connection, layer_name, stored)
    marks = ", ".join("?" * len(rows))
    cursor = connection.executemany(
        f"INSERT INTO {_quote(layer_name)} ({', '.join(rows)}) VALUES ({marks})",
        list(zip(*rows.values(), strict=True)))
    _extend_contents(connection, layer_name, stored)
    return cursor.rowcount


def _stored_columns(connection: sqlite3.Connection, layer_name: str, stored: pd.DataFrame,
                    ) -> dict[str, list]:
    """Quoted column -> values to write: the layer's columns (added to the table when an
    older workspace lacks them), the shapes as GeoPackage binary first."""
    values = _column_values(layer_name, stored)
    _add_missing_columns(connection, layer_name, list(values))
    rows = {_quote(name): items for name, items in values.items()}
    geometry = _geometry_column(connection, layer_name)
    if geometry is not None and isinstance(stored, gpd.GeoDataFrame):
        column, srs_id = geometry
        rows = {_quote(column): [encode_geometry(g, srs_id) for g in stored.geometry], **rows}
    return rows


def update_rows_by_id(connection: sqlite3.Connection, layer_name: str,
                      stored: pd.DataFrame) -> int:
    """Replace every column of the rows with these ids, inside a transaction.

    Parameters
    ----------
    connection
        From `write_transaction`.
    layer_name
        A layer with an `id` column.
    stored
        The rows as they should be, in storage form.

    Returns
    -------
    int
        How many stored rows changed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from werkwijzer_geo.io.storage import create_workspace, read_layer
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> rows = gpd.GeoDataFrame({"id": [7], "name": ["Plein"], "kind": ["square"]},
    ...                         geometry=[Point(4.677, 52.493)], crs="EPSG:4326")
    >>> with write_transaction(path) as connection:
    ...     _ = insert_rows(connection, "places", rows)
    ...     update_rows_by_id(connection, "places", rows.assign(name="Het plein"))
    1
    >>> read_layer(path, "places")["name"].tolist()
    ['Het plein']
    """
    if stored.empty:
        return 0
    rows = _stored_columns(connection, layer_name, stored)
    ids = rows.pop(_quote(schema.ID))
    assignments = ", ".join(f"{column} = ?" for column in rows)
    cursor = connection.executemany(
        f"UPDATE {_quote(layer_name)} SET {assignments} WHERE {_quote(schema.ID)} = ?",
        list(zip(*rows.values(), ids, strict=True)))
    _extend_contents(connection, layer_name, stored)
    return cursor.rowcount


def delete_rows_by_id(connection: sqlite3.Connection, layer_name: str,
                      ids: Sequence[int]) -> int:
    """Remove the rows with these ids, inside a transaction.

    Parameters
    ----------
    connection
        From `write_transaction`.
    layer_name
        A layer with an `id` column.
    ids
        The ids.

    Returns
    -------
    int
        How many rows went.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> with write_transaction(path) as connection:
    ...     delete_rows_by_id(connection, "places", [1, 2])
    0
    """
    cursor = connection.executemany(
        f"DELETE FROM {_quote(layer_name)} WHERE {_quote(schema.ID)} = ?",
        [(int(value),) for value in ids])
    return max(cursor.rowcount, 0)


def _extend_contents(connection: sqlite3.Connection, table: str, stored: pd.DataFrame) -> None:
    """Grow the layer's extent in `gpkg_contents` and note the change time, as GDAL does."""
    stamp = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    shapes = (stored.geometry[stored.geometry.notna() & ~stored.geometry.is_empty]
              if isinstance(stored, gpd.GeoDataFrame) else pd.Series(dtype=object))
    if shapes.empty:
        connection.execute("UPDATE gpkg_contents SET last_change = ? "
                           "WHERE lower(table_name) = lower(?)", (stamp, table))
        return
    minx, miny, maxx, maxy = (float(v) for v in shapes.total_bounds)
    connection.execute(
        "UPDATE gpkg_contents SET last_change = ?, "
        "min_x = min(coalesce(min_x, ?), ?), min_y = min(coalesce(min_y, ?), ?), "
        "max_x = max(coalesce(max_x, ?), ?), max_y = max(coalesce(max_y, ?), ?) "
        "WHERE lower(table_name) = lower(?)",
        (stamp, minx, minx, miny, miny, maxx, maxx, maxy, maxy, table))


_META_TABLES = ("gpkg_contents", "gpkg_ogr_contents", "gpkg_geometry_columns",
                "gpkg_extensions")


def replace_tables(connection: sqlite3.Connection, names: Sequence[str]) -> None:
    """Replace whole tables with those of another GeoPackage (written by GDAL), inside a
    transaction: the table, its spatial index, its triggers and its metadata rows.

    Rows and index entries are copied as they are, in SQLite itself; the triggers are
    made after the copy, so none of them runs per row.

    Parameters
    ----------
    connection
        From `write_transaction` with `source`: the GeoPackage holding the new tables (it
        may hold fewer than `names`: a table it lacks is only removed).
    names
        The tables to replace.

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd, pyogrio
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> from werkwijzer_geo.io.storage import create_workspace, read_table
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> pyogrio.write_dataframe(pd.DataFrame({"n": [1, 2]}), folder / "new.gpkg",
    ...                         layer="tally", driver="GPKG")
    >>> with write_transaction(folder / "buurt.gpkg", source=folder / "new.gpkg") as c:
    ...     replace_tables(c, ["tally"])
    >>> read_table(folder / "buurt.gpkg", "tally")["n"].tolist()
    [1, 2]
    """
    for name in names:
        _drop_table(connection, name)
        _copy_table(connection, name)


def _index_tables(connection: sqlite3.Connection, schema_name: str, table: str) -> list[str]:
    rows = connection.execute(
        f"SELECT name FROM {schema_name}.sqlite_master WHERE type = 'table' "
        "AND sql LIKE 'CREATE VIRTUAL TABLE%' AND lower(name) LIKE lower(?) ESCAPE '\\'",
        ("rtree\\_" + table.replace("_", "\\_") + "\\_%",)).fetchall()
    return [str(row[0]) for row in rows]


def _has_table(connection: sqlite3.Connection, schema_name: str, table: str) -> bool:
    return connection.execute(f"SELECT 1 FROM {schema_name}.sqlite_master WHERE type = "
                              "'table' AND name = ?", (table,)).fetchone() is not None


def _drop_table(connection: sqlite3.Connection, name: str) -> None:
    for index in _index_tables(connection, "main", name):
        connection.execute(f"DROP TABLE {_quote(index)}")
    connection.execute(f"DROP TABLE IF EXISTS main.{_quote(name)}")
    for meta in _META_TABLES:
        if _has_table(connection, "main", meta):
            connection.execute(f"DELETE FROM main.{meta} WHERE lower(table_name) = lower(?)",
                               (name,))


def _copy_table(connection: sqlite3.Connection, name: str) -> None:
    found = connection.execute(
        "SELECT sql FROM scratch.sqlite_master WHERE type = 'table' AND name = ?",
        (name,)).fetchone()
    if found is None:
        return
    connection.execute(found[0])
    connection.execute(f"INSERT INTO main.{_quote(name)} SELECT * FROM scratch.{_quote(name)}")
    for index in _index_tables(connection, "scratch", name):
        sql = connection.execute("SELECT sql FROM scratch.sqlite_master WHERE name = ?",
                                 (index,)).fetchone()[0]
        connection.execute(sql)
        connection.execute(f"INSERT INTO main.{_quote(index)} "
                           f"SELECT * FROM scratch.{_quote(index)}")
    for meta in _META_TABLES:
        if not _has_table(connection, "scratch", meta):
            continue
        if not _has_table(connection, "main", meta):  # GDAL makes some only when needed
            connection.execute(connection.execute(
                "SELECT sql FROM scratch.sqlite_master WHERE name = ?", (meta,)).fetchone()[0])
        connection.execute(f"INSERT INTO main.{meta} SELECT * FROM scratch.{meta} "
                           "WHERE lower(table_name) = lower(?)", (name,))
    for (sql,) in connection.execute(
            "SELECT sql FROM scratch.sqlite_master WHERE type IN ('index', 'trigger') "
            "AND tbl_name = ? AND sql IS NOT NULL", (name,)).fetchall():
        connection.execute(sql)
