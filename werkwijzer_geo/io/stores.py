"""Where a workspace is kept: one small interface, two implementations.

`storage` (validation, ids, differences, time zones, the audit line) talks only to a `Store`;
`open_store` picks the implementation from the workspace's address:

- a file name ending in .gpkg: `gpkg_store.GeoPackageStore`, one file per neighbourhood;
- ``postgresql://user@host/db?workspace=name``: `postgis.PostgisStore`, one schema per
  neighbourhood in a PostgreSQL + PostGIS database that a region's app servers share.

Both give the same guarantees: a read sees one saved version; a save is one transaction
(all or nothing, also when the process is killed); writers of one workspace take turns; a
save is counted, so caches know something changed.

Rows pass between `storage` and a store in *storage form*: instants in UTC, dates as
YYYY-MM-DD text, shapes in EPSG:4326 (`to_storage_form`); a store gives layers back in
canonical form (`from_storage_form`).
"""

from __future__ import annotations

import abc
import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from werkwijzer_geo import schema
from werkwijzer_geo.metric import ATTR, to_metric
from werkwijzer_geo.schema import Kind

T = TypeVar("T")
INFO_TABLE = "workspace_info"
SAVES_KEY = "saves"
ROLES_TABLE = "roles"
ROLE_COLUMNS = ("user", "role", "granted_by", "granted_at")
AUDIT_TABLE = "audit_log"  # as `audit.AUDIT_TABLE`
KEPT_TABLES = frozenset({INFO_TABLE, ROLES_TABLE, AUDIT_TABLE})  # written with SQL, not layers
BACKUPS_KEPT = 20
OWNER_ONLY = 0o600  # workspace files, backups and exports: read and written by their owner
DATABASE_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Backup:
    """A copy of a workspace made before an import or a restore."""

    name: str  # what people see: "<workspace>-<yyyymmdd-hhmmss-micro>-<label>"
    made_at: pd.Timestamp  # UTC
    location: str  # where it can be opened as a workspace: a file or a postgresql:// address


class Reader(abc.ABC):
    """Reads from one saved version of a workspace."""

    @abc.abstractmethod
    def read_info(self) -> dict[str, str]:
        """The information table as key -> value; a Dutch error when it is no workspace."""

    @abc.abstractmethod
    def read_layer(self, layer_name: str, *, ids: Sequence[int] | None = None,
                   metric_crs: str | None = None) -> gpd.GeoDataFrame:
        """A layer in canonical form, rows in id order; with `metric_crs` (for point layers)
        its metric coordinates too."""

    @abc.abstractmethod
    def read_extent(self, layer_name: str) -> tuple[float, float, float, float] | None:
        """The layer's bounds in degrees, None when it has no shapes."""

    @abc.abstractmethod
    def read_rows(self, table: str, columns: Sequence[str]) -> list[tuple]:
        """Rows of a table Buurtkaart keeps with SQL (roles, audit log), oldest first; none
        when the table is absent."""

    @abc.abstractmethod
    def read_table(self, name: str) -> pd.DataFrame | None:
        """A table without shapes (scenes, tombstones); None when absent."""

    @abc.abstractmethod
    def list_tables(self) -> list[str]:
        """The tables without shapes that `write_table` made (not the layers, not the
        information table, roles or audit log)."""


class Writer(Reader):
    """One write transaction: nothing of it is seen until it commits, all of it after."""

    @abc.abstractmethod
    def get_max_id(self, layer_name: str) -> int:
        """The highest id in the layer, 0 when it is empty."""

    @abc.abstractmethod
    def find_ids(self, layer_name: str, ids: Sequence[int]) -> list[int]:
        """Which of `ids` the layer holds."""

    @abc.abstractmethod
    def insert_rows(self, layer_name: str, stored: pd.DataFrame) -> int:
        """Add rows in storage form; how many were added."""

    @abc.abstractmethod
    def update_rows(self, layer_name: str, stored: pd.DataFrame) -> int:
        """Replace the rows with these ids; how many changed."""

    @abc.abstractmethod
    def delete_rows(self, layer_name: str, ids: Sequence[int] | None) -> int:
        """Remove the rows with these ids (None: every row); how many went."""

    @abc.abstractmethod
    def replace_tables(self, tables: Mapping[str, pd.DataFrame]) -> None:
        """Replace whole tables: layers in storage form, or tables without shapes."""

    @abc.abstractmethod
    def add_audit_rows(self, rows: Sequence[tuple], *, replace: bool = False) -> None:
        """Append audit lines (`audit.COLUMNS` order); `replace` puts back a whole log."""

    @abc.abstractmethod
    def set_roles(self, rows: Sequence[tuple], *, only_user: str | None = None) -> None:
        """Rows of (user, role, granted_by, granted_at): with `only_user`, that user's role
        is replaced by `rows` (none: taken away); without, all roles are."""


class Store(abc.ABC):
    """A workspace's home. See the module's note for what every implementation keeps."""

    location: str  # as given: a path or an address
    name: str  # what people see in messages
    shown: str  # the location without a password, for logs and hints

    @abc.abstractmethod
    def exists(self) -> bool:
        """Whether there is a workspace (or anything) at this location."""

    @abc.abstractmethod
    def create(self, tables: Mapping[str, pd.DataFrame], info: Mapping[str, str], *,
               roles: Sequence[tuple] = (), audit_rows: Sequence[tuple] = ()) -> None:
        """Make the workspace with these layers (storage form) and tables, roles and audit
        lines, in one step; refuses when something is there already."""

    @abc.abstractmethod
    def read(self, read: Callable[[Reader], T]) -> T:
        """Run `read` on one saved version, never on a mix of two."""

    @abc.abstractmethod
    def get_saved_state(self) -> tuple:
        """Changes with every save (Buurtkaart's or another program's), not with a read."""

    @abc.abstractmethod
    def saving(self, *, counted: bool = True) -> contextlib.AbstractContextManager[Writer]:
        """A write transaction, writers taking turns. When it commits, the pending audit line
        is written in it and, when `counted`, the save is counted."""

    @abc.abstractmethod
    def backup(self, label: str) -> Backup:
        """Copy the workspace as it is now; keeps the newest `BACKUPS_KEPT`."""

    @abc.abstractmethod
    def list_backups(self) -> list[Backup]:
        """The backups, newest first."""

    @abc.abstractmethod
    def delete_backup(self, backup: Backup) -> None:
        """Remove a backup."""

    @abc.abstractmethod
    def restore(self, backup: Backup, then: Callable[[Writer], None]) -> None:
        """Put the backup's data in place of the workspace's, except the audit log and the
        roles, which stay as they are now (an older copy must not erase what was done since,
        nor give back a role taken away); `then` adds to the same save."""


def is_database_url(location: str | os.PathLike) -> bool:
    """Whether a workspace location is a PostgreSQL address (else: a GeoPackage file).

    Parameters
    ----------
    location
        What `--db` or $WERKWIJZER_DB says.

    Returns
    -------
    bool
        True for ``postgresql://`` and ``postgres://`` addresses.

    Examples
    --------
    >>> is_database_url("postgresql://buurt@db.regio.nl/buurten?workspace=oosterwijk")
    True
    >>> is_database_url("data/buurt.gpkg")
    False
    """
    return str(location).startswith(DATABASE_SCHEMES)


def open_store(location: str | os.PathLike | Store | Backup) -> Store:
    """The store for a workspace location (a store is returned as it is, a backup opens as a
    workspace of its own).

    Parameters
    ----------
    location
        A GeoPackage path or a ``postgresql://...?workspace=name`` address.

    Returns
    -------
    Store
        A `GeoPackageStore` or a `PostgisStore`.

    Examples
    --------
    >>> open_store("buurt.gpkg").name
    'buurt.gpkg'
    >>> open_store("postgresql://buurt@db.regio.nl/buurten?workspace=oosterwijk").name
    'oosterwijk'
    """
    if isinstance(location, Store):
        return location
    if isinstance(location, Backup):
        location = location.location
    if is_database_url(location):
        from werkwijzer_geo.io.postgis import PostgisStore

        return PostgisStore(str(location))
    from werkwijzer_geo.io.gpkg_store import GeoPackageStore

    return GeoPackageStore(location)


def to_storage_form(layer_name: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Canonical table -> what a store keeps: dates as YYYY-MM-DD text, instants in UTC.

    Parameters
    ----------
    layer_name
        The layer.
    frame
        Its rows in canonical form (see `validate.validate_layer`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in storage form.

    Examples
    --------
    >>> frame = pd.DataFrame({"observed_at": [pd.Timestamp("2026-09-11 21:30",
    ...                                                     tz="Europe/Amsterdam")]})
    >>> str(to_storage_form("observations", frame)["observed_at"][0])
    '2026-09-11 19:30:00+00:00'
    """
    layer = schema.get_layer(layer_name)
    stored = frame.copy()
    for column in layer.columns:
        if column.name not in stored.columns:
            continue
        if column.kind is Kind.DATE:
            stored[column.name] = stored[column.name].dt.strftime("%Y-%m-%d").astype(object)
            stored[column.name] = stored[column.name].where(frame[column.name].notna(), None)
        elif column.kind is Kind.INSTANT:
            stored[column.name] = stored[column.name].dt.tz_convert("UTC")
    return stored


def from_storage_form(layer_name: str, frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """What a store read (instants and dates as text or values) -> canonical table.

    Parameters
    ----------
    layer_name
        The layer.
    frame
        Its stored columns; a column the store lacks becomes missing values.

    Returns
    -------
    geopandas.GeoDataFrame
        Every column of the layer, typed, in EPSG:4326.

    Examples
    --------
    >>> frame = pd.DataFrame({"observed_at": ["2026-09-11T19:30:00Z"], "count": ["6"]})
    >>> table = from_storage_form("observations", frame)
    >>> str(table["observed_at"][0]), int(table["count"][0])
    ('2026-09-11 19:30:00+00:00', 6)
    """
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
            if not pd.api.types.is_datetime64_any_dtype(values):
                values = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
            values = values.astype("datetime64[ms, UTC]")
        elif column.kind is Kind.DATE:
            if not pd.api.types.is_datetime64_any_dtype(values):
                values = pd.to_datetime(values, errors="coerce", format="ISO8601")
            values = values.astype("datetime64[ms]")
        else:
            values = values.astype(object).where(values.notna(), None)
        result[column.name] = values
    if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name is not None:
        geometry = frame.geometry.to_numpy()
    else:  # shapes come separately, or there are none
        geometry = np.full(len(frame), None, dtype=object)
    return gpd.GeoDataFrame(result, geometry=geometry, crs=schema.STORAGE_CRS)


def in_id_order(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows in the order of their numbers: a row put back by undo gets a new place in the
    table, but reads where it was.

    Parameters
    ----------
    frame
        A layer's rows.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows by id (as they were when already in order).

    Examples
    --------
    >>> in_id_order(pd.DataFrame({"id": [3, 1, 2]}))["id"].tolist()
    [1, 2, 3]
    """
    ids = frame.get(schema.ID)
    if ids is None or ids.is_monotonic_increasing:
        return frame
    order = np.argsort(ids.fillna(0).to_numpy(), kind="stable")
    return frame.iloc[order].reset_index(drop=True)


def make_layer_frame(layer_name: str, table: pa.Table, geometry_name: str | tuple[str, str],
                     metric_crs: str | None) -> gpd.GeoDataFrame:
    """A layer read as an Arrow table, shapes as WKB (bytes or hex) or as the x and y of
    points, as canonical table.

    The shapes are made in a second thread (with `metric_crs`, their metric coordinates
    too: shapely and pyproj let go of the GIL) while this thread turns the other columns into
    the canonical table. At 1,000,000 points each side takes most of a second.

    Parameters
    ----------
    layer_name
        The layer.
    table
        Its stored columns and `geometry_name`.
    geometry_name
        The column of shapes, or the two columns of the points' x and y (missing: no shape).
    metric_crs
        Also give `metric_x`/`metric_y` in this CRS (point layers).

    Returns
    -------
    geopandas.GeoDataFrame
        As `from_storage_form`, with the shapes.

    Examples
    --------
    >>> import pyarrow as pa, shapely
    >>> table = pa.table({"count": [6], "geom": [shapely.Point(4.677, 52.493).wkb]})
    >>> frame = make_layer_frame("observations", table, "geom", "EPSG:28992")
    >>> int(frame["count"][0]), round(float(frame["metric_x"][0]))
    (6, 106767)
    >>> table = pa.table({"count": [6, 2], "x": [4.677, None], "y": [52.493, None]})
    >>> make_layer_frame("observations", table, ("x", "y"), None).geometry.isna().tolist()
    [False, True]
    """
    names = [geometry_name] if isinstance(geometry_name, str) else list(geometry_name)
    stored = [table.column(name).to_numpy(zero_copy_only=False) for name in names]

    def make_shapes() -> tuple[np.ndarray, tuple | None]:
        if len(stored) == 1:
            shapes = shapely.from_wkb(stored[0])
            x, y = shapely.get_x(shapes), shapely.get_y(shapes)
        else:
            x, y = (np.asarray(values, dtype="float64") for values in stored)
            shapes = shapely.points(x, y)
            shapes[np.isnan(x)] = None
        if metric_crs is None:
            return shapes, None
        return shapes, to_metric(x, y, metric_crs)

    with ThreadPoolExecutor(max_workers=1) as pool:
        made = pool.submit(make_shapes)
        frame = from_storage_form(layer_name, table.drop_columns(names).to_pandas())
        geometry, metric_xy = made.result()
    frame["geometry"] = gpd.GeoSeries(geometry, index=frame.index, crs=schema.STORAGE_CRS)
    if metric_xy is not None:
        frame[schema.METRIC_X], frame[schema.METRIC_Y] = metric_xy
        frame.attrs[ATTR] = metric_crs
    return frame
