"""A workspace in PostgreSQL + PostGIS: one schema per neighbourhood, shared by a region's app
servers (and opened by QGIS directly).

The address is libpq's, with the workspace's name added:
``postgresql://buurtkaart@db.regio.nl/buurten?workspace=oosterwijk``.

The guarantees of the GeoPackage store, the database's way:
- a save is one transaction, so an import is all or nothing and a killed process leaves
  nothing half-written (the server rolls back what a lost connection did not commit);
- writers of one workspace take turns on a transaction-level advisory lock, taken before
  anything is read for the save, so ids handed out and rows changed are exact;
- a read is one REPEATABLE READ transaction: every layer from the same committed version;
- whole-table writes delete and insert rows (never TRUNCATE or DROP a layer), so a reader's
  snapshot keeps seeing the rows it started with.

Rows travel as CSV through COPY: pandas writes it, PostgreSQL parses it, and pyarrow parses
what comes back, so a million observations never pass through a Python loop.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import io
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import psycopg_pool
import pyarrow as pa
import pyarrow.csv as pa_csv
import shapely
from psycopg import sql

from werkwijzer_geo import schema
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.io import audit
from werkwijzer_geo.io.stores import (
    BACKUPS_KEPT,
    INFO_TABLE,
    KEPT_TABLES,
    ROLE_COLUMNS,
    ROLES_TABLE,
    SAVES_KEY,
    Backup,
    Reader,
    Store,
    T,
    Writer,
    in_id_order,
    make_layer_frame,
)
from werkwijzer_geo.schema import Kind

WORKSPACE_PARAM = "workspace"
EDITS_KEY = "edits"  # counted by a trigger: changes made by other programs (QGIS) too
LOCK_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10
GEOMETRY = "geom"
BACKUP_SEPARATOR = "__"
FEW_ROWS = 20  # an edit: UPDATE statements; more (a purge, an undo of many): COPY + UPDATE
_INT8_OID, _FLOAT8_OID = 20, 701
WORKSPACE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_SQL_TYPES = {Kind.INT: "bigint", Kind.FLOAT: "double precision", Kind.INSTANT: "timestamptz",
              Kind.DATE: "date", Kind.TEXT: "text", Kind.CODE: "text"}
_ARROW_TYPES = {Kind.INT: pa.int64(), Kind.FLOAT: pa.float64(), Kind.INSTANT: pa.int64(),
                Kind.DATE: pa.int32()}
# The kept tables Buurtkaart writes with SQL; made with the workspace.
_AUDIT_COLUMNS = ", ".join(f'"{name}" text' for name in audit.COLUMNS[1:])
_KEPT_TABLES = {
    INFO_TABLE: "key text PRIMARY KEY, value text",
    ROLES_TABLE: '"user" text NOT NULL, role text NOT NULL, granted_by text, granted_at text',
    audit.AUDIT_TABLE: f"fid bigserial PRIMARY KEY, at text NOT NULL, {_AUDIT_COLUMNS}",
}


@dataclass(frozen=True)
class Address:
    """A PostgreSQL address split into what libpq takes and the workspace's name."""

    conninfo: str  # for psycopg: the address without `workspace`
    workspace: str | None
    shown: str  # for messages: without a password

    def with_workspace(self, name: str) -> str:
        """The full address of another workspace in the same database."""
        parts = urlsplit(self.conninfo)
        query = [*parse_qsl(parts.query), (WORKSPACE_PARAM, name)]
        return urlunsplit(parts._replace(query=urlencode(query, safe="/")))


def parse_address(url: str) -> Address:
    """Split a ``postgresql://...?workspace=name`` address; a Dutch error for a bad name.

    Parameters
    ----------
    url
        The address.

    Returns
    -------
    Address
        libpq's part, the workspace's name (None when not given) and a shown form.

    Raises
    ------
    WerkwijzerError
        When the workspace's name cannot be a schema name.

    Examples
    --------
    >>> address = parse_address("postgresql://jan:geheim@db/buurten?workspace=oosterwijk")
    >>> address.conninfo, address.workspace, address.shown
    ('postgresql://jan:geheim@db/buurten', 'oosterwijk', 'postgresql://jan@db/buurten')
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [value for key, value in query if key == WORKSPACE_PARAM]
    rest = [(key, value) for key, value in query if key != WORKSPACE_PARAM]
    conninfo = urlunsplit(parts._replace(query=urlencode(rest, safe="/")))
    workspace = names[-1] if names else None
    if workspace is not None and not _is_workspace_name(workspace):
        raise WerkwijzerError(
            f"Werkruimtenaam '{workspace}' kan niet in de database: gebruik kleine letters, "
            "cijfers en een enkele _, begin met een letter, hoogstens 40 tekens "
            "(bijvoorbeeld oosterwijk of wijk_noord).")
    netloc = parts.netloc
    if "@" in netloc and ":" in netloc.split("@", 1)[0]:
        user = netloc.split("@", 1)[0].split(":", 1)[0]
        netloc = f"{user}@{netloc.split('@', 1)[1]}"
    shown = urlunsplit(parts._replace(netloc=netloc, query=urlencode(rest, safe="/")))
    return Address(conninfo, workspace, shown)


def _is_workspace_name(name: str) -> bool:
    """A schema name Buurtkaart makes: a workspace's, or a backup's (`<name>__<stamp>`)."""
    own, _, stamp = name.partition(BACKUP_SEPARATOR)
    return (WORKSPACE_NAME.fullmatch(own) is not None and BACKUP_SEPARATOR not in stamp
            and (not stamp or re.fullmatch(r"\d{20}", stamp) is not None))


_POOLS: dict[tuple[int, str], psycopg_pool.ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()
POOL_SIZE = 4  # connections per app process and database (a region runs several servers)


def _get_pool(address: Address) -> psycopg_pool.ConnectionPool:
    """This process's pool for the database: a page asks for the saved state several times
    per rerun, and a new connection costs a round trip or three (more with TLS). Made only
    after one direct connection worked, so an unreachable server is said at once. A forked
    child makes its own (a socket must not be shared between processes)."""
    key = (os.getpid(), address.conninfo)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            connect(address).close()
            pool = psycopg_pool.ConnectionPool(
                address.conninfo, kwargs=_CONNECTION_SETTINGS, min_size=1, max_size=POOL_SIZE,
                open=True, check=psycopg_pool.ConnectionPool.check_connection,
                timeout=CONNECT_TIMEOUT_S, name=f"buurtkaart-{len(_POOLS)}")
            _POOLS[key] = pool
    return pool


@atexit.register
def _close_pools() -> None:
    for (pid, _), pool in list(_POOLS.items()):
        if pid == os.getpid():
            pool.close(timeout=1)


@contextlib.contextmanager
def pooled_connection(address: Address) -> Iterator[psycopg.Connection]:
    """A connection from this process's pool, given back afterwards (rolled back first when
    a transaction was left open); a Dutch error when none comes in time.

    Parameters
    ----------
    address
        From `parse_address`.

    Returns
    -------
    contextlib.AbstractContextManager
        Gives the connection.

    Examples
    --------
    >>> with pooled_connection(parse_address("postgresql://nobody@/none?host=/nergens")):
    ...     pass
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: De database postgresql://nobody@/none?host=/nergens is niet bereikbaar ...
    """  # noqa: E501
    pool = _get_pool(address)
    try:
        connection = pool.getconn()
    except psycopg_pool.PoolTimeout:
        raise WerkwijzerError(
            f"De database {address.shown} is niet bereikbaar (geen verbinding binnen "
            f"{CONNECT_TIMEOUT_S} seconden). Probeer het zo opnieuw; er is niets veranderd."
        ) from None
    try:
        yield connection
    finally:
        pool.putconn(connection)


_CONNECTION_SETTINGS = {"connect_timeout": CONNECT_TIMEOUT_S,
                        "options": "-c TimeZone=UTC -c DateStyle=ISO"}


def connect(address: Address) -> psycopg.Connection:
    """A connection counting in UTC; a Dutch error when the server cannot be reached.

    Parameters
    ----------
    address
        From `parse_address`.

    Returns
    -------
    psycopg.Connection
        Not in autocommit: every block is a transaction.

    Raises
    ------
    WerkwijzerError
        When the database does not answer or refuses.

    Examples
    --------
    >>> connect(parse_address("postgresql://nobody@/none?host=/nergens"))
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: De database postgresql://nobody@/none?host=/nergens is niet bereikbaar ...
    """  # noqa: E501
    try:
        connection = psycopg.connect(address.conninfo, **_CONNECTION_SETTINGS)
    except psycopg.Error as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        reason = lines[0] if lines else type(error).__name__
        raise WerkwijzerError(
            f"De database {address.shown} is niet bereikbaar ({reason}). Controleer het adres "
            "in WERKWIJZER_DB of --db, en of de server draait; er is niets veranderd."
        ) from None
    return connection


def _table(schema_name: str, name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema_name), sql.Identifier(name))


def _layer_columns(layer_name: str) -> list[schema.Column]:
    return list(schema.get_layer(layer_name).columns)


def _geometry_type(layer_name: str) -> str:
    kind = schema.get_layer(layer_name).gpkg_geometry_type
    return "Point" if kind == "Point" else "Geometry"


def _create_layer(cursor: psycopg.Cursor, schema_name: str, layer_name: str) -> None:
    columns = [sql.SQL("{} {}").format(sql.Identifier(column.name),
                                       sql.SQL(_SQL_TYPES[column.kind]))
               for column in _layer_columns(layer_name)]
    cursor.execute(sql.SQL("CREATE TABLE {} (fid bigserial PRIMARY KEY, {}, {} geometry({}, "
                           "4326))").format(
        _table(schema_name, layer_name), sql.SQL(", ").join(columns),
        sql.Identifier(GEOMETRY), sql.SQL(_geometry_type(layer_name))))
    cursor.execute(sql.SQL("CREATE INDEX ON {} USING gist ({})").format(
        _table(schema_name, layer_name), sql.Identifier(GEOMETRY)))
    if schema.get_layer(layer_name).id_column == schema.ID:
        cursor.execute(sql.SQL("CREATE INDEX ON {} ({})").format(
            _table(schema_name, layer_name), sql.Identifier(schema.ID)))
    # Every change to a layer, by Buurtkaart or QGIS, is counted (see `get_saved_state`).
    cursor.execute(sql.SQL(
        "CREATE TRIGGER count_edits AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {} "
        "FOR EACH STATEMENT EXECUTE FUNCTION {}()").format(
        _table(schema_name, layer_name), _table(schema_name, "count_edits")))


def _create_edit_counter(cursor: psycopg.Cursor, schema_name: str) -> None:
    info = _table(schema_name, INFO_TABLE)
    body = (f"BEGIN UPDATE {info.as_string(cursor)} SET value = (value::bigint + 1)::text "
            f"WHERE key = '{EDITS_KEY}'; RETURN NULL; END;")
    cursor.execute(sql.SQL("CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS {}").format(
        _table(schema_name, "count_edits"), sql.Literal(body)))


def _to_csv(layer_name: str | None, stored: pd.DataFrame) -> tuple[list[str], bytes]:
    """Rows in storage form as COPY's CSV: the layer's columns (or a table's), then the
    shape as EWKB hex (SRID 4326). Built a column at a time: text quoted (so an empty text
    stays empty), a missing value left empty (NULL)."""
    if layer_name is None:
        names = [str(name) for name in stored.columns]
    else:
        names = [column.name for column in _layer_columns(layer_name)
                 if column.name in stored.columns]
    fields = [_csv_field(stored[name]) for name in names]
    if (layer_name is not None and isinstance(stored, gpd.GeoDataFrame)
            and stored.active_geometry_name is not None):
        shapes = shapely.set_srid(stored.geometry.to_numpy(), 4326)
        hex_shapes = pd.Series(shapely.to_wkb(shapes, hex=True, include_srid=True),
                               index=stored.index, dtype=object)
        fields.append(hex_shapes.where(hex_shapes.notna(), ""))
        names.append(GEOMETRY)
    if not fields or stored.empty:
        return names, b""
    lines = fields[0].astype(object)
    for field in fields[1:]:
        lines = lines + "," + field
    return names, ("\n".join(lines.tolist()) + "\n").encode("utf-8")


def _csv_field(values: pd.Series, *, quoted: bool = True) -> pd.Series:
    """One column as CSV text per row (see `_to_csv`); unquoted, the plain text with None
    for a missing value."""
    missing = values.isna().to_numpy()
    text = pd.Series(np.full(len(values), "" if quoted else None, dtype=object),
                     index=values.index)
    present = values[~missing]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        made = present.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    elif pd.api.types.is_bool_dtype(values):
        made = present.map({True: "true", False: "false"})
    elif pd.api.types.is_integer_dtype(values):
        made = present.astype("int64").astype(str)
    elif pd.api.types.is_float_dtype(values):
        # Python's repr of a float is the shortest text that reads back exactly.
        made = present.astype("float64").map(repr)
    elif quoted:
        made = '"' + present.astype(str).str.replace('"', '""', regex=False) + '"'
    else:
        made = present.astype(str)
    text[~missing] = made.astype(object).to_numpy()
    return text


def _typed_times(layer_name: str, table: pa.Table) -> pa.Table:
    """Milliseconds since 1970 as UTC instants, days since 1970 as dates (see `read_layer`)."""
    for column in _layer_columns(layer_name):
        if column.name not in table.column_names:
            continue
        position = table.column_names.index(column.name)
        if column.kind is Kind.INSTANT:
            typed = table.column(position).cast(pa.timestamp("ms", tz="UTC"))
        elif column.kind is Kind.DATE:
            typed = table.column(position).cast(pa.date32()).cast(pa.timestamp("ms"))
        else:
            continue
        table = table.set_column(position, column.name, typed)
    return table


class _DatabaseReader(Reader):
    """Reads inside the connection's open transaction."""

    def __init__(self, connection: psycopg.Connection, schema_name: str, shown: str) -> None:
        self.connection = connection
        self.schema_name = schema_name
        self.shown = shown
        self._columns: dict[str, list[str]] | None = None

    def _table(self, name: str) -> sql.Composed:
        return _table(self.schema_name, name)

    def stored_columns(self) -> dict[str, list[str]]:
        """Table -> its columns, as the database has them (read once per transaction)."""
        if self._columns is None:
            # pg_catalog, not information_schema: the same answer in a fraction of the time.
            rows = self.connection.execute(
                "SELECT c.relname, a.attname FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
                "AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
                (self.schema_name,)).fetchall()
            self._columns = {}
            for table, column in rows:
                self._columns.setdefault(table, []).append(column)
        return self._columns

    def read_info(self) -> dict[str, str]:
        present = self.stored_columns()
        missing = [name for name in (*schema.LAYER_NAMES, INFO_TABLE) if name not in present]
        if missing:
            raise WerkwijzerError(
                f"Werkruimte {self.shown} is geen Buurtkaart-werkruimte: tabellen "
                f"{', '.join(missing)} ontbreken. Maak hem met 'init' of kopieer er een naartoe "
                "met 'copy'.")
        rows = self.connection.execute(
            sql.SQL("SELECT key, value FROM {}").format(self._table(INFO_TABLE))).fetchall()
        return {str(key): str(value) for key, value in rows}

    def read_layer(self, layer_name: str, *, ids: Sequence[int] | None = None,
                   metric_crs: str | None = None) -> gpd.GeoDataFrame:
        present = set(self.stored_columns().get(layer_name, []))
        if not present:
            raise WerkwijzerError(f"Laag '{layer_name}' ontbreekt in werkruimte {self.shown}.")
        # Instants as milliseconds since 1970 and dates as days, points as x and y: numbers
        # that Arrow reads at once (text dates and WKB took most of a read of 1,000,000).
        selected, types = [], {}
        for column in _layer_columns(layer_name):
            if column.name not in present:
                continue
            name = sql.Identifier(column.name)
            if column.kind is Kind.INSTANT:
                selected.append(sql.SQL("(extract(epoch FROM {}) * 1000)::bigint AS {}"
                                        ).format(name, name))
            elif column.kind is Kind.DATE:
                selected.append(sql.SQL("({} - DATE '1970-01-01') AS {}").format(name, name))
            else:
                selected.append(name)
            types[column.name] = _ARROW_TYPES.get(column.kind, pa.string())
        shape = sql.Identifier(GEOMETRY)
        if _geometry_type(layer_name) == "Point":
            shapes: str | tuple[str, str] = ("geom_x", "geom_y")
            selected += [sql.SQL("ST_X({}) AS geom_x").format(shape),
                         sql.SQL("ST_Y({}) AS geom_y").format(shape)]
            types.update(geom_x=pa.float64(), geom_y=pa.float64())
        else:
            shapes = GEOMETRY
            selected.append(sql.SQL("encode(ST_AsEWKB({}), 'hex') AS {}").format(shape, shape))
            types[GEOMETRY] = pa.string()
        query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(selected),
                                                     self._table(layer_name))
        if ids is not None:
            query += sql.SQL(" WHERE {} = ANY({})").format(
                sql.Identifier(schema.ID), sql.Literal([int(value) for value in ids]))
        table = _typed_times(layer_name, self._copy_out(query, types))
        return in_id_order(make_layer_frame(
            layer_name, table, shapes,
            metric_crs if layer_name in schema.METRIC_LAYERS else None))

    def _copy_out(self, query: sql.Composable, types: Mapping[str, pa.DataType]) -> pa.Table:
        buffer = io.BytesIO()
        with self.connection.cursor() as cursor, cursor.copy(
                sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query)
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        return pa_csv.read_csv(
            buffer, read_options=pa_csv.ReadOptions(use_threads=True),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict(types), null_values=[""], strings_can_be_null=True,
                quoted_strings_can_be_null=False))

    def read_extent(self, layer_name: str) -> tuple[float, float, float, float] | None:
        row = self.connection.execute(sql.SQL(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent({}) AS e FROM {}) AS extent").format(
            sql.Identifier(GEOMETRY), self._table(layer_name))).fetchone()
        if row is None or row[0] is None:
            return None
        return tuple(float(v) for v in row)

    def read_rows(self, table: str, columns: Sequence[str]) -> list[tuple]:
        if table not in self.stored_columns():
            return []
        order = sql.SQL(" ORDER BY fid") if table == audit.AUDIT_TABLE else sql.SQL("")
        return [tuple(row) for row in self.connection.execute(
            sql.SQL("SELECT {} FROM {}{}").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), self._table(table), order)
        ).fetchall()]

    def list_tables(self) -> list[str]:
        return sorted(name for name in self.stored_columns()
                      if name not in schema.LAYERS and name not in KEPT_TABLES)

    def read_table(self, name: str) -> pd.DataFrame | None:
        columns = self.stored_columns().get(name)
        if columns is None:
            return None
        with self.connection.cursor() as cursor:
            cursor.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns if c != "fid"),
                self._table(name)))
            described = cursor.description
            frame = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in described])
        for column in described:  # as GDAL gives a GeoPackage's: numbers typed, also empty
            if column.type_code == _FLOAT8_OID:
                frame[column.name] = pd.to_numeric(frame[column.name]).astype("float64")
            elif column.type_code == _INT8_OID:
                values = pd.to_numeric(frame[column.name])
                frame[column.name] = values.astype("int64" if values.notna().all() else "Int64")
        return frame


class _DatabaseWriter(_DatabaseReader, Writer):
    """Inside a write transaction that holds the workspace's advisory lock."""

    def get_max_id(self, layer_name: str) -> int:
        row = self.connection.execute(sql.SQL("SELECT max({}) FROM {}").format(
            sql.Identifier(schema.ID), self._table(layer_name))).fetchone()
        return int(row[0] or 0)

    def find_ids(self, layer_name: str, ids: Sequence[int]) -> list[int]:
        rows = self.connection.execute(sql.SQL("SELECT {} FROM {} WHERE {} = ANY(%s)").format(
            sql.Identifier(schema.ID), self._table(layer_name), sql.Identifier(schema.ID)),
            ([int(value) for value in ids],)).fetchall()
        return [int(row[0]) for row in rows]

    def _copy_in(self, target: sql.Composable, names: list[str], data: bytes) -> int:
        with self.connection.cursor() as cursor:
            with cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
                    target, sql.SQL(", ").join(map(sql.Identifier, names)))) as copy:
                copy.write(data)
            return cursor.rowcount

    def insert_rows(self, layer_name: str, stored: pd.DataFrame) -> int:
        if stored.empty:
            return 0
        self._add_missing_columns(layer_name, stored)
        names, data = _to_csv(layer_name, stored)
        return self._copy_in(self._table(layer_name), names, data)

    def _add_missing_columns(self, layer_name: str, stored: pd.DataFrame) -> None:
        """Columns a newer Buurtkaart knows and an older workspace lacks."""
        present = set(self.stored_columns().get(layer_name, []))
        for column in _layer_columns(layer_name):
            if column.name in stored.columns and column.name not in present:
                self.connection.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                    self._table(layer_name), sql.Identifier(column.name),
                    sql.SQL(_SQL_TYPES[column.kind])))
                self._columns = None

    def update_rows(self, layer_name: str, stored: pd.DataFrame) -> int:
        """A few rows (an edit) one UPDATE each; many (a purge) through a temporary table:
        one COPY and one UPDATE, however many rows."""
        if stored.empty:
            return 0
        self._add_missing_columns(layer_name, stored)
        if len(stored) <= FEW_ROWS:
            return self._update_few(layer_name, stored)
        names, data = _to_csv(layer_name, stored)
        scratch = sql.Identifier("buurtkaart_changed")
        self.connection.execute(sql.SQL(
            "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
            scratch, sql.SQL(", ").join(map(sql.Identifier, names)),
            self._table(layer_name)))
        self._copy_in(scratch, names, data)
        changes = sql.SQL(", ").join(
            sql.SQL("{} = changed.{}").format(sql.Identifier(name), sql.Identifier(name))
            for name in names if name != schema.ID)
        cursor = self.connection.execute(sql.SQL(
            "UPDATE {} AS kept SET {} FROM {} AS changed WHERE kept.{} = changed.{}").format(
            self._table(layer_name), changes, scratch, sql.Identifier(schema.ID),
            sql.Identifier(schema.ID)))
        self.connection.execute(sql.SQL("DROP TABLE {}").format(scratch))
        return cursor.rowcount

    def _update_few(self, layer_name: str, stored: pd.DataFrame) -> int:
        """One parameterised UPDATE per row, sent together (psycopg's pipeline): no
        temporary table for an edit of a row or two. Values go as text with a cast, the
        same text COPY would read."""
        names = [column.name for column in _layer_columns(layer_name)
                 if column.name in stored.columns and column.name != schema.ID]
        kinds = {column.name: column.kind for column in _layer_columns(layer_name)}
        changes = [sql.SQL("{} = %s::{}").format(sql.Identifier(name),
                                                 sql.SQL(_SQL_TYPES[kinds[name]]))
                   for name in names]
        values = [_csv_field(stored[name], quoted=False) for name in names]
        if isinstance(stored, gpd.GeoDataFrame) and stored.active_geometry_name is not None:
            changes.append(sql.SQL("{} = %s::geometry").format(sql.Identifier(GEOMETRY)))
            shapes = shapely.set_srid(stored.geometry.to_numpy(), 4326)
            values.append(pd.Series(shapely.to_wkb(shapes, hex=True, include_srid=True),
                                    index=stored.index, dtype=object))
        ids = [int(value) for value in stored[schema.ID]]
        rows = [[*row, row_id] for row, row_id in zip(
            zip(*(column.tolist() for column in values), strict=True), ids, strict=True)]
        with self.connection.cursor() as cursor:
            cursor.executemany(sql.SQL("UPDATE {} SET {} WHERE {} = %s").format(
                self._table(layer_name), sql.SQL(", ").join(changes),
                sql.Identifier(schema.ID)), rows)
        return len(rows)

    def delete_rows(self, layer_name: str, ids: Sequence[int] | None) -> int:
        if ids is None:  # DELETE, not TRUNCATE: readers' snapshots keep the old rows
            return self.connection.execute(
                sql.SQL("DELETE FROM {}").format(self._table(layer_name))).rowcount
        if not len(ids):
            return 0
        return self.connection.execute(sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(
            self._table(layer_name), sql.Identifier(schema.ID)),
            ([int(value) for value in ids],)).rowcount

    def replace_tables(self, tables: Mapping[str, pd.DataFrame]) -> None:
        for name, frame in tables.items():
            if name in schema.LAYERS:
                self.delete_rows(name, None)
                added = self.insert_rows(name, frame)
            else:
                added = self._replace_plain_table(name, frame)
            if added != len(frame):
                raise WerkwijzerError(f"Opslaan van '{name}' is niet gelukt: het aantal rijen "
                                      "klopt niet. Er is niets veranderd; probeer het opnieuw.")

    def _replace_plain_table(self, name: str, frame: pd.DataFrame) -> int:
        columns = [str(column) for column in frame.columns]
        wanted = ["fid", *columns]
        if self.stored_columns().get(name) == wanted:
            self.connection.execute(sql.SQL("DELETE FROM {}").format(self._table(name)))
        else:
            self.connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                self._table(name)))
            types = [sql.SQL("{} {}").format(sql.Identifier(column),
                                             sql.SQL(_plain_type(frame[column])))
                     for column in frame.columns]
            self.connection.execute(sql.SQL("CREATE TABLE {} (fid bigserial PRIMARY KEY{})"
                                            ).format(self._table(name),
                                                     sql.SQL("").join(sql.SQL(", ") + t
                                                                      for t in types)))
            self._columns = None
        if frame.empty:
            return 0
        names, data = _to_csv(None, frame)
        return self._copy_in(self._table(name), names, data)

    def add_audit_rows(self, rows: Sequence[tuple], *, replace: bool = False) -> None:
        table = self._table(audit.AUDIT_TABLE)
        if replace:
            self.connection.execute(sql.SQL("DELETE FROM {}").format(table))
        if rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                    table, sql.SQL(", ").join(map(sql.Identifier, audit.COLUMNS)),
                    sql.SQL(", ").join(sql.Placeholder() * len(audit.COLUMNS))), list(rows))

    def set_roles(self, rows: Sequence[tuple], *, only_user: str | None = None) -> None:
        table = self._table(ROLES_TABLE)
        if only_user is None:
            self.connection.execute(sql.SQL("DELETE FROM {}").format(table))
        else:
            self.connection.execute(sql.SQL('DELETE FROM {} WHERE lower("user") = lower(%s)'
                                            ).format(table), (only_user,))
        if rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(sql.SQL("INSERT INTO {} ({}) VALUES (%s, %s, %s, %s)").format(
                    table, sql.SQL(", ").join(map(sql.Identifier, ROLE_COLUMNS))), list(rows))


def _plain_type(values: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "bigint"
    if pd.api.types.is_float_dtype(values):
        return "double precision"
    return "text"


def _lock(connection: psycopg.Connection, schema_name: str, shown: str) -> None:
    """Wait for the workspace's write lock (held until the transaction ends)."""
    connection.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(
        sql.Literal(f"{LOCK_TIMEOUT_S}s")))
    try:
        connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                           (f"buurtkaart:{schema_name}",))
    except psycopg.errors.LockNotAvailable:
        raise WerkwijzerError(
            f"De werkruimte {shown} is al {LOCK_TIMEOUT_S} seconden bezet door een andere "
            "opslag. Probeer het zo opnieuw; er is niets opgeslagen.") from None


class PostgisStore(Store):
    """A workspace kept as a schema in PostgreSQL + PostGIS (see the module's note).

    Parameters
    ----------
    location
        ``postgresql://user@host/db?workspace=name``.

    Examples
    --------
    >>> PostgisStore("postgresql://buurt@db.regio.nl/buurten?workspace=oosterwijk").name
    'oosterwijk'
    """

    def __init__(self, location: str) -> None:
        self.location = location
        self.address = parse_address(location)
        if self.address.workspace is None:
            raise WerkwijzerError(
                f"Het adres {self.address.shown} noemt geen werkruimte. Zet er "
                "?workspace=naam achter (de buurten in deze database: 'python -m werkwijzer_geo "
                "workspaces --db ADRES').")
        self.schema_name = self.address.workspace
        self.name = self.schema_name
        self.shown = parse_address(self.address.shown).with_workspace(self.schema_name)

    @contextlib.contextmanager
    def _transaction(self, *, read_only: bool = False) -> Iterator[psycopg.Connection]:
        with pooled_connection(self.address) as connection:
            if read_only:  # one snapshot for every statement: one saved version
                connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    def exists(self) -> bool:
        with self._transaction(read_only=True) as connection:
            return connection.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s",
                                      (self.schema_name,)).fetchone() is not None

    def create(self, tables: Mapping[str, pd.DataFrame], info: Mapping[str, str], *,
               roles: Sequence[tuple] = (), audit_rows: Sequence[tuple] = ()) -> None:
        with self._transaction() as connection:
            _ensure_postgis(connection, self.address)
            try:
                connection.execute(sql.SQL("CREATE SCHEMA {}").format(
                    sql.Identifier(self.schema_name)))
            except psycopg.errors.DuplicateSchema:
                raise WerkwijzerError(f"Werkruimte {self.name} is net door een ander "
                                      "aangemaakt. Er is niets veranderd.") from None
            with connection.cursor() as cursor:
                for table, columns in _KEPT_TABLES.items():
                    cursor.execute(sql.SQL("CREATE TABLE {} ({})").format(
                        _table(self.schema_name, table), sql.SQL(columns)))
                cursor.execute(sql.SQL('CREATE UNIQUE INDEX ON {} (lower("user"))').format(
                    _table(self.schema_name, ROLES_TABLE)))
                _create_edit_counter(cursor, self.schema_name)
                for layer_name in schema.LAYER_NAMES:
                    _create_layer(cursor, self.schema_name, layer_name)
                values = {**{key: str(value) for key, value in info.items()},
                          SAVES_KEY: "0", EDITS_KEY: "0"}
                cursor.executemany(sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s)"
                                           ).format(_table(self.schema_name, INFO_TABLE)),
                                   list(values.items()))
            writer = _DatabaseWriter(connection, self.schema_name, self.name)
            writer.replace_tables({name: frame for name, frame in tables.items()
                                   if len(frame) or name not in schema.LAYERS})
            writer.set_roles(roles)
            writer.add_audit_rows(audit_rows)

    def read(self, read: Callable[[Reader], T]) -> T:
        with self._transaction(read_only=True) as connection:
            return read(_DatabaseReader(connection, self.schema_name, self.name))

    def get_saved_state(self) -> tuple:
        """Buurtkaart's saves and every program's edits, counted in the information table."""
        with self._transaction(read_only=True) as connection:
            try:
                rows = dict(connection.execute(sql.SQL(
                    "SELECT key, value FROM {} WHERE key IN (%s, %s)").format(
                    _table(self.schema_name, INFO_TABLE)), (SAVES_KEY, EDITS_KEY)).fetchall())
            except psycopg.errors.UndefinedTable:
                raise WerkwijzerError(f"Werkruimte {self.name} bestaat niet of is geen "
                                      "Buurtkaart-werkruimte.") from None
        return (self.location, rows.get(SAVES_KEY), rows.get(EDITS_KEY))

    @contextlib.contextmanager
    def saving(self, *, counted: bool = True) -> Iterator[Writer]:
        with self._transaction() as connection:
            _lock(connection, self.schema_name, self.name)
            writer = _DatabaseWriter(connection, self.schema_name, self.name)
            yield writer
            audit.write_pending(writer)  # who did it, in the same transaction
            if counted:
                connection.execute(sql.SQL(
                    "UPDATE {} SET value = (value::bigint + 1)::text WHERE key = %s").format(
                    _table(self.schema_name, INFO_TABLE)), (SAVES_KEY,))

    # ---- backups: a schema `<workspace>__<stamp>` per copy, its label as its comment ----

    def backup(self, label: str) -> Backup:
        now = dt.datetime.now(dt.UTC)
        target = f"{self.schema_name}{BACKUP_SEPARATOR}{now.strftime('%Y%m%d%H%M%S%f')}"
        with self._transaction() as connection:
            # REPEATABLE READ: every table copied from the same saved version.
            connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            reader = _DatabaseReader(connection, self.schema_name, self.name)
            connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(target)))
            connection.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(target), sql.Literal(label)))
            for table in reader.stored_columns():
                connection.execute(sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                    _table(target, table), _table(self.schema_name, table)))
        for old in self.list_backups()[BACKUPS_KEPT:]:
            self.delete_backup(old)
        return self._as_backup(target, label)

    def _as_backup(self, schema_name: str, label: str | None) -> Backup:
        stamp = schema_name.rsplit(BACKUP_SEPARATOR, 1)[1]
        made = pd.Timestamp(dt.datetime.strptime(stamp, "%Y%m%d%H%M%S%f"), tz="UTC")
        shown = f"{self.name}-{stamp[:8]}-{stamp[8:14]}-{stamp[14:]}-{label or 'kopie'}"
        return Backup(name=shown, made_at=made,
                      location=self.address.with_workspace(schema_name))

    def list_backups(self) -> list[Backup]:
        with self._transaction(read_only=True) as connection:
            rows = connection.execute(
                "SELECT nspname, obj_description(oid, 'pg_namespace') FROM pg_namespace "
                "WHERE starts_with(nspname, %s) ORDER BY nspname DESC",
                (self.schema_name + BACKUP_SEPARATOR,)).fetchall()
        return [self._as_backup(name, label) for name, label in rows
                if re.fullmatch(r"\d{20}", name.rsplit(BACKUP_SEPARATOR, 1)[1])]

    def _backup_schema(self, backup: Backup) -> str:
        name = parse_address(backup.location).workspace or ""
        if not name.startswith(self.schema_name + BACKUP_SEPARATOR):
            raise WerkwijzerError(f"{backup.name} is geen reservekopie van {self.name}.")
        return name

    def delete_backup(self, backup: Backup) -> None:
        with self._transaction() as connection:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(self._backup_schema(backup))))

    def restore(self, backup: Backup, then: Callable[[Writer], None]) -> None:
        """In one save: every layer and table but the kept ones emptied and filled from the
        backup's schema, in the database itself."""
        source = self._backup_schema(backup)
        kept = {INFO_TABLE, ROLES_TABLE, audit.AUDIT_TABLE}
        with self.saving() as writer:
            assert isinstance(writer, _DatabaseWriter)
            connection = writer.connection
            copied = _DatabaseReader(connection, source, backup.name).stored_columns()
            for table, columns in writer.stored_columns().items():
                if table in kept:
                    continue
                if table in schema.LAYERS:
                    names = sql.SQL(", ").join(
                        sql.Identifier(c) for c in columns
                        if c != "fid" and c in copied.get(table, []))
                    writer.delete_rows(table, None)
                    connection.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                        _table(self.schema_name, table), names, names, _table(source, table)))
                elif table not in copied:  # made after the backup: not part of that state
                    connection.execute(sql.SQL("DROP TABLE {}").format(
                        _table(self.schema_name, table)))
            for table in copied:
                if table in kept or table in schema.LAYERS:
                    continue
                connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                    _table(self.schema_name, table)))
                connection.execute(sql.SQL("CREATE TABLE {} AS TABLE {}").format(
                    _table(self.schema_name, table), _table(source, table)))
            writer._columns = None
            then(writer)


def _ensure_postgis(connection: psycopg.Connection, address: Address) -> None:
    if connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
        return
    try:
        with connection.transaction():
            connection.execute("CREATE EXTENSION postgis")
    except psycopg.Error:
        raise WerkwijzerError(
            f"In database {address.shown} ontbreekt PostGIS, en Buurtkaart mag het er niet "
            "in zetten. Vraag de databasebeheerder: CREATE EXTENSION postgis; er is niets "
            "veranderd.") from None


def read_region(url: str, user: str | None = None) -> list[tuple[str, dict[str, str], str | None]]:
    """Every workspace in a database (backups not counted) with its information and the role
    `user` has there, in one query however many there are (the sidebar asks every 30 s).

    Parameters
    ----------
    url
        ``postgresql://...`` (a `workspace` in it is ignored).
    user
        An e-mail address (compared without regard to case); None: no role looked up.

    Returns
    -------
    list of tuple
        (schema name, information table as key -> value, role or None), by name.

    Raises
    ------
    WerkwijzerError
        When the database cannot be reached.

    Examples
    --------
    >>> read_region("postgresql://nobody@/none?host=/nergens")
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: De database postgresql://nobody@/none?host=/nergens is niet bereikbaar ...
    """  # noqa: E501
    address = parse_address(url)
    with pooled_connection(address) as connection:
        try:
            names = [str(name) for (name,) in connection.execute(
                "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = %s AND c.relkind = 'r' ORDER BY n.nspname",
                (INFO_TABLE,)).fetchall() if BACKUP_SEPARATOR not in name]
            if not names:
                return []
            parts = [sql.SQL(
                "SELECT {name} AS workspace, (SELECT json_object_agg(key, value) FROM {info}) "
                "AS info, (SELECT min(role) FROM {roles} WHERE lower(\"user\") = lower({user})) "
                "AS role").format(name=sql.Literal(name), info=_table(name, INFO_TABLE),
                                  roles=_table(name, ROLES_TABLE), user=sql.Literal(user))
                for name in names]
            rows = connection.execute(sql.SQL(" UNION ALL ").join(parts)).fetchall()
        finally:
            connection.rollback()
    return [(str(name), {str(k): str(v) for k, v in (info or {}).items()}, role)
            for name, info, role in sorted(rows)]


def drop_workspace(url: str) -> None:
    """Remove a workspace and its backups from the database, for good (the benchmark cleans
    up with it; Buurtkaart itself never drops a workspace).

    Parameters
    ----------
    url
        ``postgresql://...?workspace=name``.

    Examples
    --------
    >>> drop_workspace("postgresql://db/buurten")
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: Het adres postgresql://db/buurten noemt geen werkruimte. ...
    """  # noqa: E501
    store = PostgisStore(url)
    backups = [parse_address(backup.location).workspace for backup in store.list_backups()]
    with store._transaction() as connection:
        for name in [*backups, store.schema_name]:
            connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(name)))


def get_size_mb(url: str) -> float:
    """How much room a workspace takes in the database (tables and indexes), in MB.

    Parameters
    ----------
    url
        ``postgresql://...?workspace=name``.

    Returns
    -------
    float
        Megabytes (10^6 bytes).

    Examples
    --------
    >>> get_size_mb("postgresql://db/buurten?workspace=Wijk-Noord")
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: Werkruimtenaam 'Wijk-Noord' kan niet in de database: ...
    """
    store = PostgisStore(url)
    with store._transaction(read_only=True) as connection:
        (size,) = connection.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relkind = 'r'", (store.schema_name,)).fetchone()
    return round(int(size) / 1e6, 1)
