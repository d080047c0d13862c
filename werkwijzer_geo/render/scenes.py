"""Scenes for a residents' evening: title, text, layers, time filter, view, chart; stored in
the workspace (table `scenes`) in the order they are shown."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.io.storage import read_table, write_table
from werkwijzer_geo.timefilter import TimeFilter

SCENES_TABLE = "scenes"
SCENE_LAYERS = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS)
CHARTS = {"": "geen grafiek", "effort": "wanneer keken we", "week": "typische week",
          "trend": "meldingen per week", "themes": "wat we hoorden (thema's)"}


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
    zoom: int | None = None

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
        if all(_blank(row.get(c)) or str(row.get(c)).strip() == "" for c in COLUMNS):
            continue
        values = {}
        for column in COLUMNS:
            value = row.get(column)
            if column in ("centre_lat", "centre_lon"):
                values[column] = None if _blank(value) else float(value)
            elif column == "zoom":
                values[column] = None if _blank(value) else int(value)
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
        {"centre_lat": "Float64", "centre_lon": "Float64", "zoom": "Int64"})
    frame.insert(0, "position", pd.array(range(1, len(frame) + 1), dtype="Int64"))
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


def write_scenes(path: str | os.PathLike, scenes: list[Scene]) -> None:
    """Check and save the scenes in this order.

    Parameters
    ----------
    path
        The workspace.
    scenes
        The scenes in order.

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
    write_table(path, SCENES_TABLE, to_frame(scenes))


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
]
