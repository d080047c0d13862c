"""The canonical layers of a workspace: names, columns, types, codes and geometry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from . import labels

# Layer names, defined once.
ROUNDS = "rounds"
OBSERVATIONS = "observations"
HANGOUTS = "hangouts"
SPOTS = "spots"
EXPERIMENTS = "experiments"
PLACES = "places"
BOUNDARY = "boundary"
EVENTS = "events"
STORIES = "stories"

# Column names, defined once.
ID = "id"
GEOMETRY = "geometry"
ROUND_ID = "round_id"
STARTED_AT = "started_at"
ENDED_AT = "ended_at"
OBSERVERS = "observers"
NOTE = "note"
OBSERVED_AT = "observed_at"
GROUP = "group"
COUNT = "count"
ACTIVITY = "activity"
ROLE = "role"
INTERACTION = "interaction"
PLACE = "place"
NAME = "name"
WEEKDAYS = "weekdays"
START_HOUR = "start_hour"
END_HOUR = "end_hour"
SIZE = "size"
SINCE = "since"
UNTIL = "until"
KIND = "kind"
REPORTED_AT = "reported_at"
RESOLVED_AT = "resolved_at"
SEVERITY = "severity"
STEP = "step"
OBJECT = "object"
START_DATE = "start_date"
END_DATE = "end_date"
STATUS = "status"
RADIUS_M = "radius_m"
GOAL = "goal"
EVALUATION = "evaluation"
OWNER = "owner"
DATE = "date"
TITLE = "title"
VALENCE = "valence"
SOURCE = "source"
THEMES = "themes"
TEXT = "text"

# Columns added when a layer is loaded (local time in the workspace zone); never stored.
LOCAL_HOUR = "local_hour"
LOCAL_WEEKDAY = "local_weekday"
LOCAL_DATE = "local_date"
# Metric coordinates of point layers (in the workspace's metric CRS, see `metric`), for
# grids and distances.
METRIC_X = "metric_x"
METRIC_Y = "metric_y"
DERIVED_COLUMNS = (LOCAL_HOUR, LOCAL_WEEKDAY, LOCAL_DATE, METRIC_X, METRIC_Y)
METRIC_LAYERS = ("observations", "spots")

DEFAULT_TZ = "Europe/Amsterdam"
# Dates outside this range are typing errors (31-12-9999, 01-01-0001) and are refused: the
# app's period filter and charts cannot span thousands of years.
EARLIEST_DATE = dt.date(1990, 1, 1)
YEARS_AHEAD = 10


def get_date_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date a row may carry: 01-01-1990 to ten years from today.

    Parameters
    ----------
    today
        The day to count from; default today.

    Returns
    -------
    tuple of datetime.date
        (first, last).

    Examples
    --------
    >>> get_date_range(dt.date(2026, 11, 28))
    (datetime.date(1990, 1, 1), datetime.date(2036, 11, 28))
    """
    today = today or dt.date.today()
    return EARLIEST_DATE, today.replace(year=today.year + YEARS_AHEAD, day=min(today.day, 28))
DEFAULT_RADIUS_M = 150
STORAGE_CRS = "EPSG:4326"

# Columns that may hold what people typed freely; never shown publicly.
FREE_TEXT_COLUMNS = frozenset({NOTE, TEXT, EVALUATION, GOAL, OBSERVERS, OWNER})


class Kind(Enum):
    """How a column is stored and checked."""

    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    CODE = "code"
    INSTANT = "instant"  # timezone-aware moment, stored as UTC
    DATE = "date"  # calendar date, stored as YYYY-MM-DD text


@dataclass(frozen=True)
class Column:
    """One column of a layer."""

    name: str
    kind: Kind
    label: str  # Dutch, for messages and tables
    required: bool = False
    codes: tuple[str, ...] | tuple[int, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Layer:
    """A layer: its columns, which geometry types it takes, whether geometry is required."""

    name: str
    columns: tuple[Column, ...]
    geometry_types: tuple[str, ...]
    geometry_required: bool
    gpkg_geometry_type: str
    time_column: str | None = None
    id_column: str = ID
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def label(self) -> str:
        """The Dutch name of the layer."""
        return labels.LAYER_LABELS[self.name]


# Limits that fit the field: ids as SQLite and a float hold them exactly; a count per sighting
# of some hundreds (a festival on a square), not a typo of twelve digits.
MAX_ID = 2**53
MAX_COUNT = 1000
_ID = Column(ID, Kind.INT, "nummer", minimum=1, maximum=MAX_ID)
_NOTE = Column(NOTE, Kind.TEXT, "notitie")
# The codes stored in a workspace (English, lower case); `labels` maps each to Dutch, and a
# test holds the two to the same keys.
GROUP_CODES = ("youth", "young_adults", "children", "parents", "adults", "elderly",
               "entrepreneurs", "professionals")
ACTIVITY_CODES = ("hanging_out", "playing", "sports", "meeting", "passing", "nuisance", "other")
ROLE_CODES = ("boa", "police", "youth_worker", "community_worker", "other")
INTERACTION_CODES = ("none", "greets", "avoids", "addresses", "sends_away")
SPOT_KIND_CODES = ("litter", "graffiti", "vandalism", "broken_light", "other")
EXPERIMENT_STEP_CODES = ("action", "experiment")
EXPERIMENT_STATUS_CODES = ("planned", "running", "evaluated", "embedded", "stopped")
EXPERIMENT_OBJECT_CODES = ("container", "fitness", "youth_spot", "bench", "lighting",
                           "coffee_table", "banner", "other")
PLACE_KIND_CODES = ("square", "playground", "school", "shops", "park", "street", "other")
EVENT_KIND_CODES = ("incident", "intervention", "event", "project", "report")
STORY_SOURCE_CODES = ("resident", "youth", "entrepreneur", "professional")
VALENCE_CODES = (-1, 0, 1)
PROFESSIONALS = "professionals"

LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            ROUNDS,
            (
                _ID,
                Column(STARTED_AT, Kind.INSTANT, "begin", required=True),
                Column(ENDED_AT, Kind.INSTANT, "einde"),  # empty while the round runs
                Column(OBSERVERS, Kind.TEXT, "waarnemers"),
                _NOTE,
            ),
            ("Polygon", "MultiPolygon", "LineString", "MultiLineString"),
            geometry_required=False,
            gpkg_geometry_type="Unknown",
            time_column=STARTED_AT,
        ),
        Layer(
            OBSERVATIONS,
            (
                _ID,
                Column(ROUND_ID, Kind.INT, "ronde", minimum=1, maximum=MAX_ID),
                Column(OBSERVED_AT, Kind.INSTANT, "tijdstip", required=True),
                Column(GROUP, Kind.CODE, "groep", required=True, codes=GROUP_CODES),
                Column(COUNT, Kind.INT, "aantal", required=True, minimum=1, maximum=MAX_COUNT),
                Column(ACTIVITY, Kind.CODE, "activiteit", required=True, codes=ACTIVITY_CODES),
                Column(ROLE, Kind.CODE, "rol", codes=ROLE_CODES),
                Column(INTERACTION, Kind.CODE, "interactie", codes=INTERACTION_CODES),
                Column(PLACE, Kind.TEXT, "plek"),
                _NOTE,
            ),
            ("Point",),
            geometry_required=True,
            gpkg_geometry_type="Point",
            time_column=OBSERVED_AT,
        ),
        Layer(
            HANGOUTS,
            (
                _ID,
                Column(NAME, Kind.TEXT, "naam", required=True),
                Column(GROUP, Kind.CODE, "groep", required=True, codes=GROUP_CODES),
                Column(WEEKDAYS, Kind.TEXT, "dagen", required=True),
                Column(START_HOUR, Kind.INT, "van uur", required=True, minimum=0, maximum=23),
                Column(END_HOUR, Kind.INT, "tot uur", required=True, minimum=0, maximum=24),
                Column(SIZE, Kind.INT, "omvang", minimum=1, maximum=MAX_COUNT),
                Column(SINCE, Kind.DATE, "sinds"),
                Column(UNTIL, Kind.DATE, "tot"),
                _NOTE,
            ),
            ("Point", "Polygon", "MultiPolygon"),
            geometry_required=True,
            gpkg_geometry_type="Unknown",
        ),
        Layer(
            SPOTS,
            (
                _ID,
                Column(KIND, Kind.CODE, "soort", required=True, codes=SPOT_KIND_CODES),
                Column(REPORTED_AT, Kind.INSTANT, "gemeld", required=True),
                Column(RESOLVED_AT, Kind.INSTANT, "opgelost"),
                Column(SEVERITY, Kind.INT, "ernst", required=True, minimum=1, maximum=3),
                _NOTE,
            ),
            ("Point",),
            geometry_required=True,
            gpkg_geometry_type="Point",
            time_column=REPORTED_AT,
        ),
        Layer(
            EXPERIMENTS,
            (
                _ID,
                Column(NAME, Kind.TEXT, "naam", required=True),
                Column(STEP, Kind.CODE, "stap", required=True, codes=EXPERIMENT_STEP_CODES),
                Column(OBJECT, Kind.CODE, "object", required=True, codes=EXPERIMENT_OBJECT_CODES),
                Column(START_DATE, Kind.DATE, "begindatum", required=True),
                Column(END_DATE, Kind.DATE, "einddatum"),
                Column(STATUS, Kind.CODE, "status", required=True, codes=EXPERIMENT_STATUS_CODES),
                Column(RADIUS_M, Kind.FLOAT, "straal (m)", minimum=1, maximum=5000),
                Column(GOAL, Kind.TEXT, "doel"),
                Column(EVALUATION, Kind.TEXT, "evaluatie"),
                Column(OWNER, Kind.TEXT, "trekker"),
            ),
            ("Point", "Polygon", "MultiPolygon"),
            geometry_required=True,
            gpkg_geometry_type="Unknown",
        ),
        Layer(
            PLACES,
            (
                _ID,
                Column(NAME, Kind.TEXT, "naam", required=True),
                Column(KIND, Kind.CODE, "soort", required=True, codes=PLACE_KIND_CODES),
                _NOTE,
            ),
            ("Polygon", "MultiPolygon"),
            geometry_required=True,
            gpkg_geometry_type="Unknown",
        ),
        Layer(
            BOUNDARY,
            (Column(NAME, Kind.TEXT, "naam", required=True),),
            ("Polygon", "MultiPolygon"),
            geometry_required=True,
            gpkg_geometry_type="Unknown",
            id_column=NAME,
        ),
        Layer(
            EVENTS,
            (
                _ID,
                Column(DATE, Kind.DATE, "datum", required=True),
                Column(TITLE, Kind.TEXT, "titel", required=True),
                Column(KIND, Kind.CODE, "soort", required=True, codes=EVENT_KIND_CODES),
                Column(VALENCE, Kind.INT, "waardering", codes=VALENCE_CODES),
                Column(PLACE, Kind.TEXT, "plek"),
                _NOTE,
            ),
            ("Point",),
            geometry_required=False,
            gpkg_geometry_type="Point",
        ),
        Layer(
            STORIES,
            (
                _ID,
                Column(DATE, Kind.DATE, "datum", required=True),
                Column(SOURCE, Kind.CODE, "bron", required=True, codes=STORY_SOURCE_CODES),
                Column(THEMES, Kind.TEXT, "thema's"),
                Column(VALENCE, Kind.INT, "waardering", codes=VALENCE_CODES),
                Column(TEXT, Kind.TEXT, "verhaal"),
            ),
            ("Point",),
            geometry_required=False,
            gpkg_geometry_type="Point",
        ),
    )
}

LAYER_NAMES = tuple(LAYERS)
# Layers with people in them: aggregated in public views.
PEOPLE_LAYERS = (OBSERVATIONS, HANGOUTS)


def get_layer(name: str) -> Layer:
    """The layer definition called `name`, with a Dutch error when there is none.

    Parameters
    ----------
    name
        One of LAYER_NAMES.

    Returns
    -------
    Layer
        Its columns, geometry types and time column.

    Raises
    ------
    WerkwijzerError
        Naming the layers that do exist.

    Examples
    --------
    >>> get_layer("spots").time_column
    'reported_at'
    """
    from ._errors import WerkwijzerError

    if name not in LAYERS:
        known = ", ".join(LAYER_NAMES)
        raise WerkwijzerError(f"Onbekende laag '{name}'. Kies een van: {known}.")
    return LAYERS[name]
