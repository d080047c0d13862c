"""Who may do what in a workspace: roles, the person acting, and the audit log.

A workspace without roles is personal: it is opened on one computer (the app then serves
only 127.0.0.1) and its owner may do everything. Once anyone has a role, every action needs
a person with a role that allows it; the app knows the person from the sign-in, the command
line from ``--as``. Every refused action gets a Dutch message and changes nothing. Every
change is logged with who did it (`io.audit`).
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator

import pandas as pd

from ._errors import WerkwijzerError
from .io import audit, storage
from .roles import EMAIL_PATTERN, LOCAL, ROLES, Action, Actor, check

__all__ = ["LOCAL", "ROLES", "Action", "Actor", "cli_actor", "describe_roles", "find_actor",
           "has_roles", "log", "recorded", "require", "set_role"]

def has_roles(path: str | os.PathLike) -> bool:
    """Whether anyone has a role in the workspace (it is then a team workspace).

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    bool
        True when the roles table has a row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = storage.create_workspace(path)
    >>> has_roles(path)
    False
    """
    return not storage.read_roles(path).empty


def require(path: str | os.PathLike, actor: Actor, action: Action) -> None:
    """Refuse, in Dutch, an action the person's role does not allow; changes nothing.

    Parameters
    ----------
    path
        The workspace (its roles decide whether the local owner counts).
    actor
        The person acting.
    action
        What they want to do.

    Raises
    ------
    WerkwijzerError
        When the role does not allow it, or when the local owner acts on a workspace
        in which people have roles (then everyone signs in).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = storage.create_workspace(path)
    >>> require(path, LOCAL, Action.RESTORE)  # a personal workspace: its owner may
    >>> require(path, Actor("a@b.nl", "presentatie"), Action.EDIT)
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: a@b.nl (rol presentatie) mag dit niet: ...
    """
    check(actor, action, workspace_has_roles=has_roles(path))


def find_actor(path: str | os.PathLike, user: str | None, *, via: str) -> Actor:
    """The person acting on a workspace: the local owner of a personal workspace (no user
    given, nobody has a role), else the user with their role.

    Parameters
    ----------
    path
        The workspace.
    user
        An e-mail address (from the sign-in or ``--as``), or None.
    via
        "app" or "cli".

    Returns
    -------
    Actor
        With the role the workspace gives the user.

    Raises
    ------
    WerkwijzerError
        When the workspace has roles and no user is given, or the user has none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = storage.create_workspace(path)
    >>> find_actor(path, None, via="cli").is_local_owner
    True
    >>> storage.write_role(path, "jan@gemeente.nl", "team", granted_by="test")
    >>> find_actor(path, "Jan@Gemeente.nl", via="app").role
    'team'
    """
    roles = storage.read_roles(path)
    if user is None or not str(user).strip():
        if roles.empty:
            return LOCAL
        raise WerkwijzerError("In deze buurt hebben mensen een rol: zeg wie je bent (meld je "
                              "aan, of op de opdrachtregel --as e-mailadres).")
    user = str(user).strip()
    mine = roles[roles["user"].str.casefold() == user.casefold()]
    if mine.empty:
        raise WerkwijzerError(f"{user} heeft geen rol in deze buurt. Vraag de beheerder om je "
                              "een rol te geven (team, presentatie of beheer).")
    return Actor(user, str(mine["role"].iloc[0]), via)


def set_role(path: str | os.PathLike, actor: Actor, user: str, role: str | None) -> None:
    """Give `user` a role or take it away (None); logged. Only `beheer` may, and the last
    beheer cannot take their own role away (the workspace would be locked).

    Parameters
    ----------
    path
        The workspace.
    actor
        Who does it (the local owner may give the first roles).
    user
        An e-mail address.
    role
        One of `ROLES`, or None.

    Raises
    ------
    WerkwijzerError
        For a role or address that does not exist, or when not allowed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = storage.create_workspace(path)
    >>> set_role(path, LOCAL, "beheer@gemeente.nl", "beheer")
    >>> storage.read_audit_log(path)[["action", "detail"]].values.tolist()
    [['roles', 'beheer@gemeente.nl: beheer']]
    """
    require(path, actor, Action.ROLES)
    user = str(user).strip()
    if not EMAIL_PATTERN.match(user):
        raise WerkwijzerError(f"'{user}' is geen e-mailadres. Rollen horen bij het adres "
                              "waarmee iemand zich aanmeldt.")
    if role is not None and role not in ROLES:
        raise WerkwijzerError(f"Rol '{role}' bestaat niet. Kies uit {', '.join(ROLES)}.")
    roles = storage.read_roles(path)
    admins = roles[(roles["role"] == "beheer")
                   & (roles["user"].str.casefold() != user.casefold())]
    if role != "beheer" and admins.empty and not roles.empty:
        raise WerkwijzerError("Dan heeft niemand meer de rol beheer en kan niemand rollen "
                              "geven. Geef eerst iemand anders de rol beheer.")
    if roles.empty and role != "beheer":
        raise WerkwijzerError("De eerste rol in een buurt is beheer: geef eerst iemand de rol "
                              "beheer, die daarna de anderen een rol geeft.")
    with recorded(actor, Action.ROLES, detail=f"{user}: {role or 'geen rol meer'}"):
        storage.write_role(path, user, role, granted_by=actor.user)


@contextlib.contextmanager
def recorded(actor: Actor, action: Action, *, layer: str | None = None,
             detail: str = "") -> Iterator[audit.AuditEntry]:
    """Saves inside this block are logged as `action` by `actor`, in their transaction.

    Parameters
    ----------
    actor
        Who.
    action
        What.
    layer
        Which layer, if one.
    detail
        A short description without user text (a file name, a format, a role).

    Returns
    -------
    contextlib.AbstractContextManager
        Gives the audit entry; the rows saved are added to it.

    Examples
    --------
    >>> with recorded(LOCAL, Action.EDIT, layer="spots") as entry:
    ...     entry.action
    'edit'
    """
    entry = audit.AuditEntry(actor.user, actor.role, actor.via, str(action), layer,
                             detail=detail)
    with audit.recording(entry):
        yield entry


def log(path: str | os.PathLike, actor: Actor, action: Action, *, layer: str | None = None,
        ids: list[int] | None = None, detail: str = "") -> None:
    """Log something that saves nothing (the notes viewed, an export made).

    Parameters
    ----------
    path
        The workspace.
    actor
        Who.
    action
        What.
    layer
        Which layer, if one.
    ids
        Which rows, if any.
    detail
        A short description without user text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = storage.create_workspace(path)
    >>> log(path, LOCAL, Action.VIEW_NOTES, detail="Kaart")
    >>> storage.read_audit_log(path)["action"].tolist()
    ['view_notes']
    """
    storage.record_event(path, audit.AuditEntry(actor.user, actor.role, actor.via,
                                                 str(action), layer, list(ids or []), detail))


def cli_actor(path: str | os.PathLike, user: str | None) -> Actor:
    """The person behind a command: ``--as`` when given, else the local owner (who may act
    only on a personal workspace). The audit log notes the computer's user name too.

    Parameters
    ----------
    path
        The workspace.
    user
        The ``--as`` address, or None.

    Returns
    -------
    Actor
        Coming in via "cli".

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = storage.create_workspace(path)
    >>> cli_actor(path, None).is_local_owner
    True
    """
    if not storage.workspace_exists(path):
        return LOCAL
    found = find_actor(path, user, via="cli")
    if found.is_local_owner:
        return found
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "?"
    return Actor(found.user, found.role, f"cli ({account})")


def describe_roles(roles: pd.DataFrame) -> list[str]:
    """Dutch lines for the roles table.

    Parameters
    ----------
    roles
        From `storage.read_roles`.

    Returns
    -------
    list of str
        "jan@gemeente.nl: team", sorted by address.

    Examples
    --------
    >>> describe_roles(pd.DataFrame({"user": ["b@x.nl", "a@x.nl"], "role": ["team", "beheer"]}))
    ['a@x.nl: beheer', 'b@x.nl: team']
    """
    return sorted(f"{row.user}: {row.role}" for row in roles.itertuples())
