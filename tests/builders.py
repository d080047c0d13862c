"""Tiny builders of test data (like movingpandas' make_traj)."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from werkwijzer_geo import schema as s

TZ = "Europe/Amsterdam"
CENTRE = (4.677, 52.493)  # inside Oosterwijk


@dataclass
class Obs:
    """One observation, in local time."""

    when: str = "2026-09-11 21:30"  # a Friday
    group: str = "youth"
    count: int = 6
    activity: str = "hanging_out"
    role: str | None = None
    note: str | None = None
    lon: float = CENTRE[0]
    lat: float = CENTRE[1]


def make_observations(rows: list[Obs], *, start_id: int | None = 1) -> gpd.GeoDataFrame:
    """An observations table in canonical form from `Obs` rows (times local, Amsterdam)."""
    frame = gpd.GeoDataFrame(
        {
            s.OBSERVED_AT: pd.to_datetime([r.when for r in rows]).tz_localize(TZ),
            s.GROUP: [r.group for r in rows],
            s.COUNT: [r.count for r in rows],
            s.ACTIVITY: [r.activity for r in rows],
            s.ROLE: [r.role for r in rows],
            s.NOTE: [r.note for r in rows],
        },
        geometry=[Point(r.lon, r.lat) for r in rows],
        crs=s.STORAGE_CRS,
    )
    if start_id is not None:
        frame.insert(0, s.ID, range(start_id, start_id + len(rows)))
    return frame


# Three people of a team workspace, one per role.
ADMIN, TEAM, PRESENTER = "beheer@gemeente.nl", "jongerenwerk@gemeente.nl", "wijkagent@politie.nl"


def make_team_workspace(source, target):
    """A copy of `source` in which ADMIN is beheer, TEAM team and PRESENTER presentatie."""
    import shutil

    from werkwijzer_geo import access
    from werkwijzer_geo.io import storage

    if storage.is_database_url(target):
        copy_leaving_source(source, target)
    else:
        shutil.copyfile(source, target)
    access.set_role(target, access.LOCAL, ADMIN, "beheer")
    admin = access.find_actor(target, ADMIN, via="cli")
    access.set_role(target, admin, TEAM, "team")
    access.set_role(target, admin, PRESENTER, "presentatie")
    return target


def copy_leaving_source(source, target) -> None:
    """`storage.copy_workspace` from a copy of `source`: a copy is logged in its source, and
    a test's source (the session's demo) must stay as it is."""
    import shutil
    import tempfile
    from pathlib import Path

    from werkwijzer_geo.io import storage

    with tempfile.TemporaryDirectory() as folder:
        between = Path(folder) / Path(source).name
        shutil.copyfile(source, between)
        storage.copy_workspace(between, target)
