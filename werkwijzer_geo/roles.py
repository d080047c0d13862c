"""Roles and actions: what each role may do, and who is acting. No storage here, so every
module that saves or reads can check a role (`check`); `access` adds the workspace's own
roles table and the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ._errors import WerkwijzerError

ROLES = ("team", "presentatie", "beheer")
ROLE_LABELS = {"team": "team (alles wat een buurtteam doet)",
               "presentatie": "presentatie (Presentatie en openbare exports)",
               "beheer": "beheer (ook importeren, terugzetten, bewaartermijn, rollen)"}


class Action(StrEnum):
    """What a person does, as the audit log names it."""

    PRESENT = "present"  # Presentatie and its scenes: public numbers only
    EXPORT_PUBLIC = "export_public"
    VIEW_NOTES = "view_notes"  # every team page: notes, story texts, names of places
    EDIT = "edit"
    EXPORT = "export"  # a team export (notes and all)
    IMPORT = "import"
    RESTORE = "restore"
    PURGE = "purge"
    ROLES = "roles"
    AUDIT = "audit"  # read the audit log
    COPY = "copy"  # the whole workspace to another store (GeoPackage <-> PostGIS)


ACTION_LABELS = {
    Action.PRESENT: "de presentatie geven of voorbereiden",
    Action.EXPORT_PUBLIC: "een export voor bewoners maken",
    Action.VIEW_NOTES: "de gegevens en notities van het team bekijken",
    Action.EDIT: "gegevens vastleggen of wijzigen",
    Action.EXPORT: "een export voor het team maken (met notities)",
    Action.IMPORT: "een bestand importeren",
    Action.RESTORE: "een reservekopie terugzetten",
    Action.PURGE: "oude notities en verhalen opschonen",
    Action.ROLES: "rollen geven of afnemen",
    Action.AUDIT: "het logboek bekijken",
    Action.COPY: "de hele werkruimte naar een andere opslag kopiëren",
}
# How the audit log names what was done (Beheer shows and filters by these).
LOGGED_ACTION_LABELS = {
    Action.VIEW_NOTES: "gegevens bekeken", Action.EDIT: "vastgelegd of gewijzigd",
    Action.IMPORT: "geïmporteerd", Action.EXPORT: "export voor het team",
    Action.EXPORT_PUBLIC: "export voor bewoners", Action.RESTORE: "teruggezet",
    Action.PURGE: "opgeschoond", Action.ROLES: "rol gegeven of afgenomen",
    Action.PRESENT: "presentatie voorbereid", Action.AUDIT: "logboek bekeken",
    Action.COPY: "hele werkruimte gekopieerd",
}
_PRESENTING = frozenset({Action.PRESENT, Action.EXPORT_PUBLIC})
_TEAM = _PRESENTING | {Action.VIEW_NOTES, Action.EDIT, Action.EXPORT}
PERMISSIONS = {"presentatie": _PRESENTING, "team": _TEAM, "beheer": frozenset(Action)}
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Actor:
    """The person acting: who (an e-mail address after sign-in), their role, and how they
    came in ("app", "cli", or "lokaal" for the owner of a personal workspace)."""

    user: str
    role: str
    via: str = "app"

    @property
    def is_local_owner(self) -> bool:
        """True for the owner of a personal workspace (no roles, one computer).

        Returns
        -------
        bool
            Whether this is `LOCAL`.

        Examples
        --------
        >>> LOCAL.is_local_owner, Actor("a@b.nl", "team").is_local_owner
        (True, False)
        """
        return self.via == "lokaal"

    def may(self, action: Action) -> bool:
        """Whether the role allows `action` (the workspace's roles are not looked at).

        Parameters
        ----------
        action
            What the person wants to do.

        Returns
        -------
        bool
            Allowed by the role.

        Examples
        --------
        >>> Actor("a@b.nl", "presentatie").may(Action.VIEW_NOTES)
        False
        >>> Actor("a@b.nl", "team").may(Action.EDIT)
        True
        """
        return action in PERMISSIONS.get(self.role, frozenset())


LOCAL = Actor("eigenaar (deze computer)", "beheer", "lokaal")


def check(actor: Actor, action: Action, *, workspace_has_roles: bool) -> None:
    """Refuse, in Dutch, an action the person's role does not allow; changes nothing.

    Parameters
    ----------
    actor
        The person acting.
    action
        What they want to do.
    workspace_has_roles
        Whether anyone has a role in the workspace (then the local owner does not count).

    Raises
    ------
    WerkwijzerError
        When the role does not allow it, or when the local owner acts on a workspace in
        which people have roles (then everyone signs in).

    Examples
    --------
    >>> check(LOCAL, Action.RESTORE, workspace_has_roles=False)  # a personal workspace
    >>> check(Actor("a@b.nl", "presentatie"), Action.EDIT, workspace_has_roles=True)
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: a@b.nl (rol presentatie) mag dit niet: ...
    """
    if actor.is_local_owner:
        if workspace_has_roles:
            raise WerkwijzerError(
                "In deze buurt hebben mensen een rol: iedereen meldt zich eerst aan (in de app) "
                "of zegt wie hij is (op de opdrachtregel: --as e-mailadres). Er is niets "
                "veranderd.")
        return
    if not actor.may(action):
        raise WerkwijzerError(
            f"{actor.user} (rol {actor.role}) mag dit niet: {ACTION_LABELS[action]}. Er is "
            "niets veranderd. Vraag de beheerder van deze buurt om een andere rol als dat "
            "nodig is.")
