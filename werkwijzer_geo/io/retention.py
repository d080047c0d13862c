"""Keeping notes no longer than needed (AVG/GDPR): notes and story texts older than a set
period lose their text, with a tombstone (layer, id, date, when, who, why) in their place;
observations older than a set number of years keep only the 50 m cell they were in; backups
older than the notes' period are removed.

`plan_purge` says what would go without changing anything (``purge --dry-run``); `run_purge`
does it, as the role `beheer`, logged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import access, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.access import LOCAL, Action, Actor
from werkwijzer_geo.analysis.aggregate import get_metric_xy
from werkwijzer_geo.logbook import LOG
from werkwijzer_geo.metric import to_degrees

from . import storage
from .stores import Backup

NOTES_MONTHS = 12
POINTS_YEARS = 2
CELL_M = 50
TOMBSTONES = "purged_texts"
# Which text goes, and the date that says how old a row is.
TEXTS = {s.OBSERVATIONS: (s.NOTE, s.OBSERVED_AT), s.ROUNDS: (s.NOTE, s.STARTED_AT),
         s.SPOTS: (s.NOTE, s.REPORTED_AT), s.EVENTS: (s.NOTE, s.DATE),
         s.HANGOUTS: (s.NOTE, s.UNTIL), s.STORIES: (s.TEXT, s.DATE)}


@dataclass
class PurgePlan:
    """What a purge removes: per layer the ids whose text goes, the observations that move
    to their cell's centre, and the backups that go."""

    notes_before: pd.Timestamp
    points_before: pd.Timestamp
    texts: dict[str, list[int]] = field(default_factory=dict)
    points: list[int] = field(default_factory=list)
    backups: list[Backup] = field(default_factory=list)

    def describe(self) -> list[str]:
        """Dutch lines: what goes, counted.

        Returns
        -------
        list of str
            One line per kind of thing.

        Examples
        --------
        >>> plan = PurgePlan(pd.Timestamp("2025-11-29"), pd.Timestamp("2024-11-29"),
        ...                  {"stories": [1, 2]}, [5], [])
        >>> plan.describe()[0]
        'Verhalen: de tekst van 2 rijen van voor 29-11-2025.'
        """
        lines = [f"{labels.LAYER_LABELS[name]}: de tekst van "
                 f"{labels.format_count(len(ids), 'rij', 'rijen')} van voor "
                 f"{labels.format_date(self.notes_before)}."
                 for name, ids in self.texts.items() if ids]
        if self.points:
            lines.append(f"Waarnemingen van voor {labels.format_date(self.points_before)}: "
                         f"{labels.format_count(len(self.points), 'plek', 'plekken')} alleen nog "
                         f"als vak van {CELL_M} m.")
        if self.backups:
            backups = labels.format_count(len(self.backups), "reservekopie", "reservekopieën")
            lines.append(f"{backups} van voor {labels.format_date(self.notes_before)} "
                         "verwijderd.")
        return lines or ["Er is niets ouder dan de bewaartermijn."]


def plan_purge(path: str | os.PathLike, *, now: pd.Timestamp | None = None,
               notes_months: int = NOTES_MONTHS, points_years: int = POINTS_YEARS) -> PurgePlan:
    """What a purge would remove today (or at `now`); changes nothing.

    Parameters
    ----------
    path
        The workspace.
    now
        The moment to count back from (a test's frozen clock); default now.
    notes_months
        Notes and story texts older than this many months lose their text.
    points_years
        Observations older than this many years keep only their 50 m cell.

    Returns
    -------
    PurgePlan
        The ids and backups concerned.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import create_demo_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.gpkg"
    >>> _ = create_demo_workspace(path)
    >>> later = plan_purge(path, now=pd.Timestamp("2029-01-01", tz="UTC"))
    >>> len(later.texts["stories"]) == 22, len(later.points) > 0
    (True, True)
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    notes_before = now - pd.DateOffset(months=notes_months)
    points_before = now - pd.DateOffset(years=points_years)
    layers = storage.read_layers(path, tuple(TEXTS))
    plan = PurgePlan(notes_before, points_before)
    for name, (text, when) in TEXTS.items():
        frame = layers[name]
        dates = _as_utc(frame[when])
        old = frame[frame[text].notna() & (dates < notes_before)]
        plan.texts[name] = old[s.ID].astype(int).tolist()
    observations = layers[s.OBSERVATIONS]
    x, y, _ = get_metric_xy(observations)
    centred = _cell_centres(np.asarray(x), np.asarray(y))
    # Already on a centre (to 5 cm, after storing in degrees): nothing left to coarsen.
    moved = ~(np.isclose(np.asarray(x), centred[0], rtol=0, atol=0.05)
              & np.isclose(np.asarray(y), centred[1], rtol=0, atol=0.05))
    old = (_as_utc(observations[s.OBSERVED_AT]) < points_before).to_numpy() & moved
    plan.points = observations.loc[old, s.ID].astype(int).tolist()
    plan.backups = [backup for backup in storage.list_backups(path)
                    if backup.made_at < notes_before]
    return plan


def _as_utc(values: pd.Series) -> pd.Series:
    dates = pd.to_datetime(values)
    if getattr(dates.dt, "tz", None) is None:
        return dates.dt.tz_localize("UTC")
    return dates.dt.tz_convert("UTC")


def _cell_centres(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (np.floor(x / CELL_M) * CELL_M + CELL_M / 2,
            np.floor(y / CELL_M) * CELL_M + CELL_M / 2)


def run_purge(path: str | os.PathLike, plan: PurgePlan, *, actor: Actor = LOCAL,
              why: str = "bewaartermijn verstreken") -> PurgePlan:
    """Carry out `plan`: texts removed (a tombstone per text), old observations moved to
    their cell's centre, old backups deleted; logged as a purge by `actor`.

    Parameters
    ----------
    path
        The workspace.
    plan
        From `plan_purge`.
    actor
        Who does it; only `beheer` may (or the owner of a personal workspace).
    why
        The reason kept in each tombstone.

    Returns
    -------
    PurgePlan
        The plan carried out.

    Raises
    ------
    WerkwijzerError
        When the role does not allow it; nothing is changed then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import create_demo_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.gpkg"
    >>> _ = create_demo_workspace(path)
    >>> plan = plan_purge(path, now=pd.Timestamp("2028-01-01", tz="UTC"))
    >>> _ = run_purge(path, plan)
    >>> bool(storage.read_layer(path, "stories")["text"].isna().all())
    True
    """
    access.require(path, actor, Action.PURGE)
    info = storage.get_workspace_info(path)
    purged_at = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    tombstones = []
    # A line per layer, so each line's row ids are of its own layer.
    for name, ids in plan.texts.items():
        if not ids:
            continue
        text, when = TEXTS[name]
        with access.recorded(actor, Action.PURGE, layer=name, detail=f"{text} verwijderd"):
            before = storage.rewrite_layer(path, name, lambda frame, t=text, i=ids: frame.assign(
                **{t: frame[t].where(~frame[s.ID].isin(i), None)}), ids=ids)
        dates = _as_utc(before[when])
        tombstones += [{"layer": name, "id": int(row_id), "column": text,
                        "row_date": date.date().isoformat() if pd.notna(date) else None,
                        "purged_at": purged_at, "by": actor.user, "why": why}
                       for row_id, date in zip(before[s.ID], dates, strict=True)]
    if plan.points:
        with access.recorded(actor, Action.PURGE, layer=s.OBSERVATIONS,
                             detail=f"plek alleen nog als vak van {CELL_M} m"):
            storage.rewrite_layer(path, s.OBSERVATIONS, lambda frame: _to_cells(frame, info),
                                  ids=plan.points)
    if tombstones:
        earlier = storage.read_table(path, TOMBSTONES)
        table = pd.DataFrame(tombstones)
        storage.write_table(path, TOMBSTONES, table if earlier is None else pd.concat(
            [earlier, table], ignore_index=True))
    if plan.backups:
        access.log(path, actor, Action.PURGE, detail=labels.format_count(
            len(plan.backups), "reservekopie", "reservekopieën") + " verwijderd")
    for backup in plan.backups:
        storage.delete_backup(path, backup)
    LOG.info("opgeschoond: %s (%s teksten, %s plekken, %s reservekopieën)",
             storage.shown_location(path),
             sum(len(ids) for ids in plan.texts.values()), len(plan.points),
             len(plan.backups))
    return plan


def _to_cells(frame: gpd.GeoDataFrame, info: storage.WorkspaceInfo) -> gpd.GeoDataFrame:
    """Each point moved to the centre of its 50 m cell (in the workspace's metric CRS)."""
    x, y, crs = get_metric_xy(frame)
    cx, cy = _cell_centres(np.asarray(x), np.asarray(y))
    lon, lat = to_degrees(cx, cy, crs)
    return frame.set_geometry(shapely.points(np.round(lon, 7), np.round(lat, 7)),
                              crs=s.STORAGE_CRS)
