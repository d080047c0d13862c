"""The audit log inside a workspace: who viewed the notes, edited, imported, exported,
restored, purged or changed a role; when; which rows (ids), never the text.

A line is written in the same transaction as the save it describes (see
`stores.Store.saving`), so a save is never without its line and a line never without
its save. The app only ever appends to the table.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from werkwijzer_geo.io.stores import Writer

from werkwijzer_geo.io.stores import AUDIT_TABLE as AUDIT_TABLE

COLUMNS = ("at", "user", "role", "via", "action", "layer", "ids", "detail")

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


def write_entry(writer: Writer, entry: AuditEntry) -> None:
    """Append `entry` inside the writer's open transaction.

    Parameters
    ----------
    writer
        A save on the workspace (`stores.Store.saving`).
    entry
        The line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.stores import open_store
    >>> from werkwijzer_geo.io.storage import create_workspace, read_audit_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> with open_store(path).saving(counted=False) as writer:
    ...     write_entry(writer, AuditEntry("a@b.nl", "beheer", "cli", "purge"))
    >>> read_audit_log(path)["action"].tolist()
    ['purge']
    """
    writer.add_audit_rows([entry.to_row()])


def write_pending(writer: Writer) -> None:
    """Write the pending entry, if any, and mark it written (one line per `recording`).

    Parameters
    ----------
    writer
        A save on the workspace.

    Examples
    --------
    >>> write_pending(None)  # nothing pending: nothing written
    """
    entry = _pending.get()
    if entry is not None and not entry.written:
        write_entry(writer, entry)
        entry.written = True  # a second save in the same block adds no second line
