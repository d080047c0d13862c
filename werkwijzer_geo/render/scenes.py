"""Scenes for a residents' evening: title, text, layers, time filter, view, chart; stored in
the workspace (table `scenes`) in the order they are shown."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import pandas as pd

from werkwijzer_geo import access, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.io.storage import read_table, write_table
from werkwijzer_geo.roles import LOCAL, Action, Actor
from werkwijzer_geo.timefilter import TimeFilter

SCENES_TABLE = "scenes"
SCENE_LAYERS = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS)
CHARTS = {"": "geen grafiek", "effort": "wanneer keken we", "week": "typische week",
          "trend": "meldingen per week", "themes": "wat we hoorden (thema's)",
          "timeline": "tijdlijn (week voor week)"}


@dataclass
class Scene:
    """One step of a presentation. Text fields are written for residents by the team."""

    title: str
    text: str = ""
    layers: str = "observations"  # comma list of SCENE_LAYERS
    hours: str = ""  # "21-2", empty = whole day
    weekdays: str = ""  # "fri,sat", empty = every day
    date_from: str = ""  # YYYY-MM-DD or dd-mm-jjjj, empty = from the start
    date_to: str = ""
    chart: str = ""  # a key of CHARTS
    centre_lat: float | None = None  # empty = the whole neighbourhood
    centre_lon: float | None = None
    zoom: float | None = None  # Leaflet's zoom, fractions allowed

    def get_layers(self) -> list[str]:
        """The layers to show, in SCENE_LAYERS codes."""
        return [part.strip() for part in self.layers.split(",") if part.strip()]

    def to_time_filter(self) -> TimeFilter:
        """The scene's own time filter (presentations do not follow the sidebar)."""
        return TimeFilter.from_text(hours=self.hours, weekdays=self.weekdays,
                                    date_from=self.date_from, date_to=self.date_to)


COLUMNS = [field.name for field in fields(Scene)]


def check_scenes(scenes: list[Scene]) -> list[Scene]:
    """Every problem in a list of scenes, named by scene number and column, raised once.

    Parameters
    ----------
    scenes
        The scenes in order.

    Returns
    -------
    list of Scene
        The same scenes, when all are fine.

    Raises
    ------
    WerkwijzerError
        One line per problem ("Scène 2, kolom 'hours': ...").

    Examples
    --------
    >>> check_scenes([Scene("Avond", hours="21-2")])[0].title
    'Avond'
    >>> try:
    ...     check_scenes([Scene("")])
    ... except WerkwijzerError as error:
    ...     print(error.problems[0][:40])
    Scène 1, kolom 'title': de titel is leeg
    """
    problems = []
    for number, scene in enumerate(scenes, start=1):
        where = f"Scène {number}"
        if not scene.title.strip():
            problems.append(f"{where}, kolom 'title': de titel is leeg. Geef elke scène een "
                            "titel.")
        unknown = [layer for layer in scene.get_layers() if layer not in SCENE_LAYERS]
        if unknown:
            problems.append(f"{where}, kolom 'layers': {', '.join(unknown)} bestaat niet. "
                            f"Kies uit {', '.join(SCENE_LAYERS)}.")
        if scene.chart not in CHARTS:
            problems.append(f"{where}, kolom 'chart': '{scene.chart}' onbekend. Kies uit "
                            f"{', '.join(k or '(leeg)' for k in CHARTS)}.")
        try:
            scene.to_time_filter()
        except WerkwijzerError as error:
            problems += [f"{where}: {line}" for line in error.problems]
        if (scene.centre_lat is None) != (scene.centre_lon is None):
            problems.append(f"{where}, kolom 'centre_lat'/'centre_lon': vul beide in of geen "
                            "van beide.")
    if problems:
        raise WerkwijzerError(problems)
    return scenes


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA


def _empty(value: object) -> bool:
    """Nothing filled in: blank, only spaces, or a choice of none."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return len(value) == 0
    return _blank(value) or str(value).strip() == ""


def scenes_from_frame(frame: pd.DataFrame) -> list[Scene]:
    """Scenes from a table (as the editor gives it), ordered by its `position` column when it
    has one (rows without a position last), else in row order; blank rows skipped.

    Parameters
    ----------
    frame
        One row per scene, columns as `to_frame` makes them.

    Returns
    -------
    list of Scene
        In presentation order (not yet checked: see `check_scenes`).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"position": [2, 1], "title": ["Nacht", "Middag"]})
    >>> [scene.title for scene in scenes_from_frame(frame)]
    ['Middag', 'Nacht']
    """
    if "position" in frame.columns:
        order = pd.to_numeric(frame["position"], errors="coerce")
        frame = frame.assign(_order=order).sort_values("_order", kind="stable",
                                                       na_position="last")
    scenes = []
    for row in frame.to_dict("records"):
        if all(_empty(row.get(c)) for c in COLUMNS):
            continue
        values = {}
        for column in COLUMNS:
            value = row.get(column)
            if column in ("centre_lat", "centre_lon"):
                values[column] = None if _blank(value) else float(value)
            elif column == "zoom":
                values[column] = None if _blank(value) else round(float(value), 1)
            elif isinstance(value, (list, tuple, np.ndarray)):  # a choice of several
                values[column] = ",".join(str(part) for part in value)
            elif isinstance(value, (dt.date, pd.Timestamp)):
                values[column] = value.strftime("%Y-%m-%d")
            else:
                values[column] = "" if _blank(value) else str(value).strip()
        scenes.append(Scene(**values))
    return scenes


def to_frame(scenes: list[Scene]) -> pd.DataFrame:
    """Scenes as a table: `position` (1, 2, ...; change it to reorder) and the columns.

    Parameters
    ----------
    scenes
        The scenes in order.

    Returns
    -------
    pandas.DataFrame
        One row per scene.

    Examples
    --------
    >>> to_frame([Scene("Avond"), Scene("Nacht")])["position"].tolist()
    [1, 2]
    """
    frame = pd.DataFrame([asdict(scene) for scene in scenes], columns=COLUMNS).astype(
        {"centre_lat": "Float64", "centre_lon": "Float64", "zoom": "Float64"})
    frame.insert(0, "position", pd.array(range(1, len(frame) + 1), dtype="Int64"))
    return frame


def to_editor_frame(scenes: list[Scene]) -> pd.DataFrame:
    """Scenes as a person edits them: layers and weekdays as lists of codes (for a choice of
    several), dates as dd-mm-jjjj, and a column `view` that says in Dutch which view the
    map takes; `scenes_from_frame` reads it back (and ignores `view`).

    Parameters
    ----------
    scenes
        The scenes in order (checked: their filters read).

    Returns
    -------
    pandas.DataFrame
        As `to_frame`, with lists in `layers` and `weekdays`, Dutch dates in `date_from` and
        `date_to`, and `view`.

    Examples
    --------
    >>> frame = to_editor_frame([Scene("Avond", "", "observations,spots", weekdays="vr,za",
    ...                               date_from="2026-09-01")])
    >>> frame.loc[0, "layers"], frame.loc[0, "weekdays"], frame.loc[0, "date_from"]
    (['observations', 'spots'], ['fri', 'sat'], '01-09-2026')
    >>> frame.loc[0, "view"]
    'hele buurt'
    >>> [s.weekdays for s in scenes_from_frame(frame)]
    ['fri,sat']
    """
    frame = to_frame(scenes)
    filters = [scene.to_time_filter() for scene in scenes]
    frame["layers"] = pd.Series([scene.get_layers() for scene in scenes], dtype=object)
    # Every day is an empty choice: "empty is everything", as in the sidebar's filter.
    frame["weekdays"] = pd.Series(
        [[] if len(f.weekdays) == 7 else [labels.WEEKDAY_CODES[d] for d in sorted(f.weekdays)]
         for f in filters], dtype=object)
    frame["date_from"] = [labels.format_date(f.date_from) for f in filters]
    frame["date_to"] = [labels.format_date(f.date_to) for f in filters]
    frame["view"] = ["hele buurt" if scene.centre_lat is None else
                     f"eigen beeld (zoom {labels.format_number(scene.zoom or 16, 1)})"
                     for scene in scenes]
    return frame


def read_scenes(path: str | os.PathLike) -> list[Scene]:
    """The workspace's scenes in order; none for a workspace that has no scenes yet.

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    list of Scene
        In presentation order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> read_scenes(path)
    []
    """
    frame = read_table(path, SCENES_TABLE)
    if frame is None or frame.empty:
        return []
    if "position" in frame.columns:
        frame = frame.sort_values("position", kind="stable")
    return scenes_from_frame(frame)


def write_scenes(path: str | os.PathLike, scenes: list[Scene], *,
                 actor: Actor = LOCAL) -> None:
    """Check and save the scenes in this order.

    Parameters
    ----------
    path
        The workspace.
    scenes
        The scenes in order.
    actor
        Who saves them; every role may prepare the presentation (logged).

    Raises
    ------
    WerkwijzerError
        Every problem, see `check_scenes`; nothing is saved then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> write_scenes(path, [Scene("Avond", hours="21-2", weekdays="fri,sat")])
    >>> read_scenes(path)[0].weekdays
    'fri,sat'
    """
    check_scenes(scenes)
    # Dates typed either way are kept one way: jjjj-mm-dd.
    kept = []
    for scene in scenes:
        time_filter = scene.to_time_filter()
        kept.append(replace(
            scene, date_from=time_filter.date_from.isoformat() if time_filter.date_from else "",
            date_to=time_filter.date_to.isoformat() if time_filter.date_to else ""))
    access.require(path, actor, Action.PRESENT)
    with access.recorded(actor, Action.PRESENT, detail=f"{len(kept)} scènes opgeslagen"):
        write_table(path, SCENES_TABLE, to_frame(kept))


def describe_scene_filter(scene: Scene) -> str:
    """The scene's selection in Dutch, for the presenter.

    Parameters
    ----------
    scene
        The scene.

    Returns
    -------
    str
        Layers and the filter in Dutch.

    Examples
    --------
    >>> describe_scene_filter(Scene("Avond", hours="21-2", weekdays="fri,sat"))
    'waarnemingen · 21:00-02:00, vr, za'
    """
    layer_names = ", ".join(labels.LAYER_LABELS[name].lower() for name in scene.get_layers()
                            if name in labels.LAYER_LABELS)
    return f"{layer_names or 'alleen de kaart'} · {scene.to_time_filter().to_text()}"


DEMO_SCENES = [
    Scene("Wat we zagen", "Twaalf weken lang liep het buurtteam rondes door Oosterwijk: "
          "'s ochtends, na schooltijd, 's avonds en een paar keer 's nachts. Zo ziet een "
          "gewone week eruit.", "observations", chart="effort"),
    Scene("Vrijdag- en zaterdagavond", "Op vrijdag- en zaterdagavond komt een vaste groep "
          "jongeren samen bij de bankjes op het Europaplein.", "observations,hangouts",
          hours="21-2", weekdays="fri,sat", chart="week"),
    Scene("Zwerfvuil en graffiti", "Na het weekend ligt er meer afval bij de cafetaria en de "
          "bankjes; in de tunnel komt graffiti terug.", "spots", chart="trend"),
    Scene("Wat we hoorden", "Bewoners, jongeren, ondernemers en professionals vertelden ons "
          "wat goed gaat en wat beter kan.", "", chart="themes"),
    Scene("Wat we proberen", "Zes weken stond er een container op het plein; elke woensdag "
          "is er koffie; in december komt er kerstverlichting.", "experiments"),
    Scene("Twaalf weken op een rij", "Wat er gebeurde, week voor week, en waar bewoners, "
          "jongeren en ondernemers het over hadden. Wat ziet u terug? Wat missen we?", "",
          chart="timeline"),
]
