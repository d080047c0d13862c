"""The audit log inside a workspace: who viewed the notes, edited, imported, exported,
restored, purged or changed a role; when; which rows (ids), never the text.

A line is written in the same SQLite transaction as the save it describes (see
`storage._save_transaction`), so a save is never without its line and a line never without
its save. The app only ever appends to the table.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

AUDIT_TABLE = "audit_log"
COLUMNS = ("at", "user", "role", "via", "action", "layer", "ids", "detail")

_CREATE = f"""CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL,
    role TEXT NOT NULL, via TEXT NOT NULL, action TEXT NOT NULL, layer TEXT, ids TEXT,
    detail TEXT)"""
# Registered as an attribute table, so QGIS and GDAL list it like any other table; with a
# fixed last_change, so a line logged does not look like changed data (`get_saved_state`).
REGISTER = ("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
            "last_change) VALUES (?, 'attributes', ?, '2000-01-01T00:00:00.000Z')")


_INSERT = (f"INSERT INTO {AUDIT_TABLE} ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(COLUMNS))})")


def _ensure_table(connection: sqlite3.Connection) -> None:
    connection.execute(_CREATE)
    connection.execute(REGISTER, (AUDIT_TABLE, AUDIT_TABLE))


@dataclass
class AuditEntry:
    """One line of the audit log; `ids` may grow while the save runs (new rows' ids)."""

    user: str
    role: str
    via: str
    action: str
    layer: str | None = None
    ids: list[int] = field(default_factory=list)
    detail: str = ""
    written: bool = field(default=False, repr=False)  # by a save inside `recording`

    def to_row(self, at: dt.datetime | None = None) -> tuple:
        """The values in `COLUMNS` order.

        Parameters
        ----------
        at
            When (UTC); now when not given.

        Returns
        -------
        tuple
            at (ISO, UTC), user, role, via, action, layer, ids ("1,2,3"), detail.

        Examples
        --------
        >>> entry = AuditEntry("a@b.nl", "team", "app", "edit", "spots", [3, 1])
        >>> entry.to_row(dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC))[5:7]
        ('spots', '1,3')
        """
        when = (at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        ids = ",".join(str(i) for i in sorted(set(self.ids)))
        return (when, self.user, self.role, self.via, self.action, self.layer, ids or None,
                self.detail or None)


_pending: contextvars.ContextVar[AuditEntry | None] = contextvars.ContextVar(
    "buurtkaart_audit", default=None)


@contextlib.contextmanager
def recording(entry: AuditEntry) -> Iterator[AuditEntry]:
    """Saves made inside this block write `entry` in their transaction (once).

    Parameters
    ----------
    entry
        The line to write.

    Returns
    -------
    contextlib.AbstractContextManager
        Gives the entry (its ids may be added to inside).

    Examples
    --------
    >>> with recording(AuditEntry("a", "team", "app", "edit")) as entry:
    ...     pending() is entry
    True
    >>> pending() is None
    True
    """
    token = _pending.set(entry)
    try:
        yield entry
    finally:
        _pending.reset(token)


def pending() -> AuditEntry | None:
    """The entry the running save should write, if any.

    Returns
    -------
    AuditEntry or None
        Set by `recording`.

    Examples
    --------
    >>> pending() is None
    True
    """
    return _pending.get()


def add_ids(ids: Sequence[int]) -> None:
    """Note the rows a save touched in the pending entry (no-op without one).

    Parameters
    ----------
    ids
        Row ids.

    Examples
    --------
    >>> with recording(AuditEntry("a", "team", "app", "edit")) as entry:
    ...     add_ids([4, 5])
    >>> entry.ids
    [4, 5]
    """
    entry = _pending.get()
    if entry is not None:
        entry.ids.extend(int(i) for i in ids)


def write_entry(connection: sqlite3.Connection, entry: AuditEntry) -> None:
    """Append `entry` inside the connection's open transaction.

    Parameters
    ----------
    connection
        A write transaction on the workspace (`gpkg.write_transaction`).
    entry
        The line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io import gpkg
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> with gpkg.write_transaction(path) as connection:
    ...     write_entry(connection, AuditEntry("a@b.nl", "beheer", "cli", "purge"))
    """
    _ensure_table(connection)
    connection.execute(_INSERT, entry.to_row())


def write_pending(connection: sqlite3.Connection) -> None:
    """Write the pending entry, if any, and mark it written (one line per `recording`).

    Parameters
    ----------
    connection
        A write transaction on the workspace.

    Examples
    --------
    >>> import sqlite3
    >>> write_pending(sqlite3.connect(":memory:"))  # nothing pending: nothing written
    """
    entry = _pending.get()
    if entry is not None and not entry.written:
        write_entry(connection, entry)
        entry.written = True  # a second save in the same block adds no second line


def copy_rows(connection: sqlite3.Connection, rows: list[tuple]) -> None:
    """Put audit lines back as they were (after a restore copied an older file in).

    Parameters
    ----------
    connection
        A write transaction on the workspace.
    rows
        Tuples in `COLUMNS` order, oldest first.

    Examples
    --------
    >>> import sqlite3
    >>> memory = sqlite3.connect(":memory:")
    >>> _ = memory.execute("CREATE TABLE gpkg_contents (table_name, data_type, identifier, "
    ...                    "last_change)")
    >>> copy_rows(memory, [("2026-11-29T12:00:00+00:00", "a", "team", "app", "edit", None,
    ...                     None, None)])
    >>> memory.execute(f"SELECT count(*) FROM {AUDIT_TABLE}").fetchone()[0]
    1
    """
    _ensure_table(connection)
    connection.execute(f"DELETE FROM {AUDIT_TABLE}")
    connection.executemany(_INSERT, rows)
