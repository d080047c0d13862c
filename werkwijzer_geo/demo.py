"""The demo neighbourhood: Oosterwijk, Beverwijk, with twelve weeks of invented field work.

Deterministic for a seed. The patterns planted here are listed in `PLANTED_PATTERNS`, so
analysis can be checked against what the demo was built with.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from . import schema as s
from .io.storage import WorkspaceInfo, create_workspace, localise_layer
from .metric import RD_NEW, choose_metric_crs
from .render.scenes import DEMO_SCENES, write_scenes
from .validate import validate_layer

BOUNDARY_FILE = Path(__file__).resolve().parent.parent / "data" / "oosterwijk_buurtgrens.geojson"
DEMO_NAME = "Oosterwijk, Beverwijk (demo)"
TZ = s.DEFAULT_TZ
FIRST_DAY = dt.date(2026, 8, 31)  # a Monday; twelve weeks, across the end of summer time
WEEKS = 12
DEFAULT_SEED = 7

_TO_WGS84 = Transformer.from_crs(RD_NEW, s.STORAGE_CRS, always_xy=True)  # a Dutch demo
_CENTRE = (106763.0, 500841.0)  # centroid of the outline in RD New


@dataclass(frozen=True)
class DemoPlace:
    """A rectangle in metres from the neighbourhood's centre (RD New)."""

    name: str
    kind: str
    dx: float
    dy: float
    width: float
    height: float
    note: str = ""

    def to_rd_box(self) -> shapely.Polygon:
        x, y = _CENTRE[0] + self.dx, _CENTRE[1] + self.dy
        return box(x - self.width / 2, y - self.height / 2, x + self.width / 2, y + self.height / 2)


SQUARE = "Europaplein"
PLAYGROUND = "Speeltuin Kastanjehof"
SCHOOL = "Basisschool De Wijde Wereld"
SHOPS = "Winkelstrip Oosterwijk"
SNACK_BAR = "Cafetaria De Hoek"
PARK = "Oosterpark"
TUNNEL = "Voetgangerstunnel"

PLACES = (
    DemoPlace(SQUARE, "square", 0, 0, 70, 50, "Plein met vier bankjes aan de noordkant."),
    DemoPlace(PLAYGROUND, "playground", 150, 110, 40, 35, "Omheinde speeltuin met klimrek."),
    DemoPlace(SCHOOL, "school", -190, 60, 80, 60, "Schoolplein is na schooltijd open."),
    DemoPlace(SHOPS, "shops", 40, -140, 120, 25, "Supermarkt, bakker, kapper, drogist."),
    DemoPlace(SNACK_BAR, "shops", 40, -185, 25, 20, "Open tot 23:00, ook in het weekend."),
    DemoPlace(PARK, "park", -130, -60, 140, 90, "Grasveld met wandelpad en hondenuitlaatplek."),
    DemoPlace(TUNNEL, "street", 300, 10, 12, 40, "Fiets- en voetgangerstunnel onder de weg."),
)
BENCHES_DXY = (0.0, 18.0)  # the benches on the north side of the square


@dataclass(frozen=True)
class PresenceRule:
    """A group that is at a place with probability `chance` in rounds covering the window."""

    group: str
    place: str
    weekdays: tuple[int, ...]
    start_hour: int
    end_hour: int
    chance: float
    count: tuple[int, int]
    activity: str
    near_benches: bool = False
    from_date: dt.date | None = None


MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = (MON, TUE, WED, THU, FRI)
ALL_DAYS = tuple(range(7))
CONTAINER_START, CONTAINER_END = dt.date(2026, 9, 28), dt.date(2026, 11, 8)
COFFEE_START = dt.date(2026, 9, 16)
BENCH_DAY = dt.date(2026, 9, 21)  # a new bench at the playground: older residents come
CLEAN_UP_DAY = dt.date(2026, 10, 17)  # clean-up day; the shops put out bins with lids

RULES = (
    # Planted patterns (chance >= 0.7).
    PresenceRule("youth", SQUARE, (FRI, SAT), 21, 23, 0.9, (6, 10), "hanging_out", True),
    PresenceRule("children", PLAYGROUND, (MON, TUE, THU, FRI), 15, 17, 0.85, (4, 9), "playing"),
    PresenceRule("children", PLAYGROUND, (WED,), 13, 17, 0.85, (4, 9), "playing"),
    PresenceRule("parents", PLAYGROUND, (MON, TUE, THU, FRI), 15, 17, 0.8, (2, 5), "meeting"),
    PresenceRule("parents", PLAYGROUND, (WED,), 13, 17, 0.8, (2, 5), "meeting"),
    PresenceRule("elderly", SHOPS, (MON, TUE, WED, THU, FRI, SAT), 9, 12, 0.8, (3, 7), "meeting"),
    PresenceRule("entrepreneurs", SHOPS, (MON, TUE, WED, THU, FRI, SAT), 8, 18, 0.75, (1, 3),
                 "other"),
    PresenceRule("young_adults", SNACK_BAR, (THU, FRI, SAT), 20, 23, 0.75, (3, 5), "hanging_out"),
    PresenceRule("professionals", SQUARE, WEEKDAYS, 9, 17, 0.7, (1, 2), "meeting"),
    PresenceRule("elderly", SQUARE, (WED,), 10, 12, 0.9, (5, 9), "meeting", from_date=COFFEE_START),
    # Noise (chance <= 0.2): must never be called a pattern.
    PresenceRule("youth", SQUARE, (MON, TUE, WED, THU, SUN), 19, 23, 0.15, (2, 4), "hanging_out",
                 True),
    PresenceRule("youth", TUNNEL, (FRI, SAT), 22, 25, 0.2, (2, 4), "hanging_out"),
    PresenceRule("professionals", SQUARE, ALL_DAYS, 19, 24, 0.05, (1, 2), "passing"),
    PresenceRule("adults", PARK, ALL_DAYS, 7, 22, 0.2, (1, 3), "passing"),
    PresenceRule("children", SCHOOL, WEEKDAYS, 15, 18, 0.15, (2, 5), "sports"),
)

# Rules added to the demo later, drawn from a random stream of their own so that every
# sighting drawn for `RULES` (and the patterns and effects tests and scenes rely on) stays.
LATER_RULES = (
    PresenceRule("elderly", PLAYGROUND, (MON, TUE, WED, THU, FRI, SAT), 10, 12, 0.85, (2, 4),
                 "meeting", from_date=BENCH_DAY),
)
ALL_RULES = RULES + LATER_RULES

# What the analysis of issue 4 should find in the demo, and nothing else.
PLANTED_PATTERNS = tuple(
    (rule.group, rule.place, rule.weekdays, rule.start_hour, rule.end_hour)
    for rule in ALL_RULES
    if rule.chance >= 0.7
)

# Weekly round template: weekday, start, minutes, chance the team went.
ROUND_TEMPLATE = (
    (MON, "09:00", 120, 0.5),
    (TUE, "10:00", 90, 0.8),
    (WED, "10:00", 120, 0.8),
    (WED, "14:00", 120, 0.5),
    (THU, "15:00", 120, 0.8),
    (THU, "19:00", 120, 0.5),
    (FRI, "20:30", 180, 0.9),
    (SAT, "10:00", 120, 0.4),
    (SAT, "21:00", 150, 0.75),
    (SUN, "14:00", 120, 0.3),
)
LATE_NIGHT_WEEKS = (1, 5, 9)  # Saturday 23:00-01:30
OBSERVER_INITIALS = ("JB", "SK", "MvD", "RA", "LE", "TH")
ROLES = ("boa", "police", "youth_worker", "community_worker")

NOTES = {
    "youth": (
        "Muziek uit een speaker, niet hard.",
        "Groet de jongerenwerker, praat even mee.",
        "Scooters op het plein geparkeerd.",
        "Jayden en zijn broer weer bij de bank.",  # a name: must never reach a public view
        "Blikjes blijven liggen bij de bankjes.",
        "Reageren kort op bewoner die iets zegt over het lawaai.",
    ),
    "children": ("Spelen tikkertje rond het klimrek.", "Voetballen op het grasveld ernaast."),
    "parents": ("Ouders praten bij het hek.", "Twee moeders vragen naar de kapotte schommel."),
    "elderly": ("Bankje bij de bakker vol.", "Praatje bij de supermarkt, iedereen kent elkaar."),
    "professionals": ("Boa loopt ronde, spreekt niemand aan.", "Wijkagent op de fiets, groet."),
    "young_adults": ("Eten in de auto voor de cafetaria.", "Staan buiten te roken."),
}


def _place_boxes() -> dict[str, shapely.Polygon]:
    return {place.name: place.to_rd_box() for place in PLACES}


def _to_wgs84(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(_TO_WGS84.transform(
        xy[:, 0], xy[:, 1])))


def read_demo_boundary() -> gpd.GeoDataFrame:
    """The demo's outline: CBS buurt BU03750600 (Oosterwijk, Beverwijk), shipped in data/.

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon in EPSG:4326, with its name.

    Examples
    --------
    >>> round(read_demo_boundary().geometry.iloc[0].centroid.y, 1)
    52.5
    """
    frame = gpd.read_file(BOUNDARY_FILE)
    return gpd.GeoDataFrame({s.NAME: frame["name"]}, geometry=frame.geometry.to_numpy(),
                            crs=s.STORAGE_CRS)


def build_places() -> gpd.GeoDataFrame:
    """The demo's drawn places: the Europaplein, a playground, a school, shops, a snack bar, a
    park and a tunnel (fictional, inside the real outline).

    Returns
    -------
    geopandas.GeoDataFrame
        The places layer's columns.

    Examples
    --------
    >>> "Europaplein" in build_places()["name"].tolist()
    True
    """
    boxes = _place_boxes()
    return gpd.GeoDataFrame(
        {
            s.ID: range(1, len(PLACES) + 1),
            s.NAME: [place.name for place in PLACES],
            s.KIND: [place.kind for place in PLACES],
            s.NOTE: [place.note for place in PLACES],
        },
        geometry=[_to_wgs84(boxes[place.name]) for place in PLACES],
        crs=s.STORAGE_CRS,
    )


def _local(day: dt.date, hhmm: str, extra_minutes: int = 0) -> pd.Timestamp:
    hour, minute = (int(part) for part in hhmm.split(":"))
    naive = pd.Timestamp(day) + pd.Timedelta(hours=hour, minutes=minute + extra_minutes)
    return naive.tz_localize(TZ, ambiguous=False, nonexistent="shift_forward")


def build_rounds(rng: np.random.Generator) -> pd.DataFrame:
    """Observation rounds: a weekly template, some skipped, a few late nights.

    Parameters
    ----------
    rng
        The demo's random generator.

    Returns
    -------
    pandas.DataFrame
        started_at, ended_at (in the demo's zone), observers, note.

    Examples
    --------
    >>> rounds = build_rounds(np.random.default_rng(3))
    >>> bool((rounds["ended_at"] > rounds["started_at"]).all())
    True
    """
    rows = []
    for week in range(WEEKS):
        for weekday, start, minutes, chance in ROUND_TEMPLATE:
            if rng.random() >= chance:
                continue
            day = FIRST_DAY + dt.timedelta(days=7 * week + weekday)
            shift = int(rng.integers(-1, 2)) * 15
            rows.append((day, start, shift, minutes + int(rng.integers(-2, 3)) * 10))
        if week in LATE_NIGHT_WEEKS:
            rows.append((FIRST_DAY + dt.timedelta(days=7 * week + SAT), "23:00", 0, 150))
    started = [_local(day, start, shift) for day, start, shift, _ in rows]
    ended = [begin + pd.Timedelta(minutes=minutes) for begin, (*_, minutes) in zip(started, rows,
                                                                                  strict=True)]
    observers = [
        ", ".join(sorted(rng.choice(OBSERVER_INITIALS, size=2, replace=False))) for _ in rows
    ]
    frame = pd.DataFrame({s.STARTED_AT: started, s.ENDED_AT: ended, s.OBSERVERS: observers})
    frame = frame.sort_values(s.STARTED_AT, kind="stable").reset_index(drop=True)
    frame.insert(0, s.ID, range(1, len(frame) + 1))
    frame[s.NOTE] = None
    return frame


def _round_route() -> shapely.LineString:
    boxes = _place_boxes()
    order = (SQUARE, SHOPS, SNACK_BAR, TUNNEL, PLAYGROUND, SCHOOL, PARK, SQUARE)
    return _to_wgs84(LineString([boxes[name].centroid for name in order]))


def _rule_overlap(rule: PresenceRule, start: pd.Timestamp, end: pd.Timestamp,
                  ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The part of a round inside the rule's window on the round's start day."""
    day = start.tz_localize(None).normalize()
    if start.weekday() not in rule.weekdays:
        return None
    if rule.from_date is not None and day.date() < rule.from_date:
        return None
    window_start = (day + pd.Timedelta(hours=rule.start_hour)).tz_localize(
        TZ, ambiguous=False, nonexistent="shift_forward")
    window_end = window_start + pd.Timedelta(hours=rule.end_hour - rule.start_hour)
    begin, finish = max(start, window_start), min(end, window_end)
    return (begin, finish) if finish - begin >= pd.Timedelta(minutes=15) else None


def _chance(rule: PresenceRule, day: dt.date) -> tuple[float, tuple[int, int]]:
    """The container on the square thins the Friday/Saturday group at the benches."""
    in_container = CONTAINER_START <= day <= CONTAINER_END
    if rule.near_benches and rule.chance >= 0.7 and in_container:
        return 0.75, (4, 7)
    return rule.chance, rule.count


def _draw_presences(rounds: pd.DataFrame, rng: np.random.Generator, *,
                    later: bool = False) -> pd.DataFrame:
    """Which rule's group was there in which round and hour; `later` draws `LATER_RULES`."""
    rows = []
    first = len(RULES) if later else 0
    for round_row in rounds.itertuples(index=False):
        start, end = getattr(round_row, s.STARTED_AT), getattr(round_row, s.ENDED_AT)
        for rule_index, rule in enumerate(LATER_RULES if later else RULES, start=first):
            overlap = _rule_overlap(rule, start, end)
            if overlap is None:
                continue
            chance, (low, high) = _chance(rule, start.date())
            if rng.random() >= chance:
                continue
            # A group that is there stays: the team notes it again in every hour it passes.
            count = int(rng.integers(low, high + 1))
            for begin, finish in _hour_chunks(*overlap):
                jitter = int(rng.integers(-1, 2))
                rows.append((round_row.id, rule_index, begin, finish,
                             int(np.clip(count + jitter, low, high))))
    return pd.DataFrame(rows, columns=["round_id", "rule", "begin", "finish", "count"])


def _hour_chunks(begin: pd.Timestamp, finish: pd.Timestamp,
                 ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The parts of [begin, finish) in each clock hour, at least 15 minutes long."""
    chunks = []
    edge = begin.floor("h")
    while edge < finish:
        start, end = max(begin, edge), min(finish, edge + pd.Timedelta(hours=1))
        if end - start >= pd.Timedelta(minutes=15):
            chunks.append((start, end))
        edge += pd.Timedelta(hours=1)
    return chunks


def _points_in(places: list[str], near_benches: np.ndarray, rng: np.random.Generator,
               ) -> np.ndarray:
    boxes = _place_boxes()
    bounds = np.array([boxes[name].bounds for name in places]).reshape(-1, 4)
    x = rng.uniform(bounds[:, 0] + 2, bounds[:, 2] - 2)
    y = rng.uniform(bounds[:, 1] + 2, bounds[:, 3] - 2)
    square = boxes[SQUARE].centroid
    bench_x = square.x + BENCHES_DXY[0] + rng.normal(0, 6, len(places))
    bench_y = square.y + BENCHES_DXY[1] + rng.normal(0, 3, len(places))
    x = np.where(near_benches, bench_x, x)
    y = np.where(near_benches, bench_y, y)
    lon, lat = _TO_WGS84.transform(x, y)
    return shapely.points(np.round(lon, 6), np.round(lat, 6))


def build_observations(rounds: pd.DataFrame, rng: np.random.Generator, *,
                       n_observations: int | None = None) -> gpd.GeoDataFrame:
    """Who the team saw in each round; `n_observations` repeats sightings to reach a size.

    Parameters
    ----------
    rounds
        From `build_rounds`.
    rng
        The demo's random generator.
    n_observations
        Repeat sightings (moved a little) until there are this many, for benchmarks.

    Returns
    -------
    geopandas.GeoDataFrame
        The observations layer's columns, with the planted patterns in them.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> observations = build_observations(build_rounds(rng), rng, n_observations=5000)
    >>> len(observations)
    5000
    """
    later_rng = rng.spawn(1)[0]  # LATER_RULES: leaves `rng`'s own stream as it was
    presences = _draw_presences(rounds, rng)
    later = _draw_presences(rounds, later_rng, later=True)
    if n_observations is None:
        frame = pd.concat([_to_sightings(presences, rng), _to_sightings(later, later_rng)],
                          ignore_index=True)
    else:
        frame = _to_sightings(_scale_presences(pd.concat([presences, later], ignore_index=True),
                                               n_observations, rng), rng)
    frame.insert(0, s.ID, np.arange(1, len(frame) + 1))
    return frame


def _scale_presences(presences: pd.DataFrame, n_observations: int,
                     rng: np.random.Generator) -> pd.DataFrame:
    """Repeat presences, then keep exactly `n_observations` of them."""
    sightings = max(1, math.ceil(n_observations / max(len(presences), 1)))
    presences = presences.loc[np.repeat(presences.index.to_numpy(), sightings)].reset_index(
        drop=True)
    if n_observations < len(presences):
        keep = np.sort(rng.choice(len(presences), size=n_observations, replace=False))
        presences = presences.iloc[keep].reset_index(drop=True)
    return presences


def _to_sightings(presences: pd.DataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """One observation per presence: a minute in its hour, a point in its place, a note."""
    rules = [ALL_RULES[index] for index in presences["rule"]]
    span = (presences["finish"] - presences["begin"]).dt.total_seconds().to_numpy()
    offset = pd.to_timedelta(np.floor(rng.uniform(0, span) / 60), unit="min")
    observed = (presences["begin"] + offset).dt.tz_convert("UTC")
    groups = np.array([rule.group for rule in rules], dtype=object)
    places = [rule.place for rule in rules]
    role = np.where(groups == "professionals", rng.choice(ROLES, size=len(rules)), None)
    interaction = _draw_interactions(groups, rng)
    return gpd.GeoDataFrame(
        {
            s.ROUND_ID: presences["round_id"].to_numpy(),
            s.OBSERVED_AT: observed.to_numpy(),
            s.GROUP: groups,
            s.COUNT: presences["count"].to_numpy(),
            s.ACTIVITY: [rule.activity for rule in rules],
            s.ROLE: role,
            s.INTERACTION: interaction,
            # The team writes the place's own name: patterns follow a written place.
            s.PLACE: places,
            s.NOTE: _draw_notes(groups, rng),
        },
        geometry=_points_in(places, np.array([rule.near_benches for rule in rules], dtype=bool),
                            rng),
        crs=s.STORAGE_CRS,
    ).astype({s.OBSERVED_AT: "datetime64[ms, UTC]"})


def _draw_interactions(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    options = np.array(["none", "greets", "avoids", "addresses", "sends_away"], dtype=object)
    drawn = options[rng.choice(len(options), size=len(groups), p=[0.5, 0.3, 0.1, 0.08, 0.02])]
    blank = rng.random(len(groups)) < 0.4
    return np.where(blank, None, drawn)


def _draw_notes(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    notes = np.full(len(groups), None, dtype=object)
    pick = rng.random(len(groups))
    for position in np.flatnonzero(pick < 0.25):
        options = NOTES.get(groups[position])
        if options:
            notes[position] = options[int(rng.integers(len(options)))]
    return notes


def build_spots(rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Litter at the snack bar and benches (heavier after weekends), graffiti at the tunnel.

    Parameters
    ----------
    rng
        The demo's random generator.

    Returns
    -------
    geopandas.GeoDataFrame
        The spots layer's columns.

    Examples
    --------
    >>> {"graffiti", "litter"} <= set(build_spots(np.random.default_rng(3))["kind"])
    True
    """
    boxes = _place_boxes()
    # After the clean-up day the shops keep bins with lids: litter at the snack bar falls off.
    sources = (
        ("litter", boxes[SNACK_BAR].centroid, {MON: 0.9, SUN: 0.7, SAT: 0.4, TUE: 0.4}, 0.1, 8),
        ("litter", Point(boxes[SQUARE].centroid.x + BENCHES_DXY[0],
                         boxes[SQUARE].centroid.y + BENCHES_DXY[1]),
         {MON: 0.6, SUN: 0.4}, 0.06, 6),
        ("graffiti", boxes[TUNNEL].centroid, {}, 0.07, 6),
    )
    last_day = FIRST_DAY + dt.timedelta(days=7 * WEEKS - 1)
    rows = []
    for day_index in range(7 * WEEKS):
        day = FIRST_DAY + dt.timedelta(days=day_index)
        for index, (kind, centre, by_weekday, base, spread) in enumerate(sources):
            chance = by_weekday.get(day.weekday(), base)
            if index == 0 and day > CLEAN_UP_DAY:
                chance = 0.01
            if rng.random() >= chance:
                continue
            reported = _local(day, "08:00", int(rng.integers(0, 180)))
            days_open = int(rng.integers(1, 5 if kind == "litter" else 15))
            resolved_day = day + dt.timedelta(days=days_open)
            resolved = (None if resolved_day > last_day - dt.timedelta(days=3)
                        else _local(resolved_day, "10:00", int(rng.integers(0, 240))))
            rows.append((kind, reported, resolved, int(rng.choice([1, 2, 2, 3])),
                         centre.x + rng.normal(0, spread), centre.y + rng.normal(0, spread)))
    rows.append(("broken_light", _local(dt.date(2026, 11, 2), "09:15"), None, 2,
                 boxes[TUNNEL].centroid.x, boxes[TUNNEL].centroid.y + 12))
    frame = pd.DataFrame(rows, columns=["kind", "reported", "resolved", "severity", "x", "y"])
    lon, lat = _TO_WGS84.transform(frame["x"].to_numpy(), frame["y"].to_numpy())
    return gpd.GeoDataFrame(
        {
            s.ID: np.arange(1, len(frame) + 1),
            s.KIND: frame["kind"],
            s.REPORTED_AT: frame["reported"],
            s.RESOLVED_AT: frame["resolved"],
            s.SEVERITY: frame["severity"],
            s.NOTE: np.where(frame["kind"] == "graffiti", "Tags op de tunnelwand.", None),
        },
        geometry=shapely.points(np.round(lon, 6), np.round(lat, 6)),
        crs=s.STORAGE_CRS,
    )


def _point_at(name: str, dx: float = 0.0, dy: float = 0.0) -> shapely.Point:
    centre = _place_boxes()[name].centroid
    return _to_wgs84(Point(centre.x + dx, centre.y + dy))


def _area_at(name: str, dx: float, dy: float, half: float) -> shapely.Polygon:
    centre = _place_boxes()[name].centroid
    return _to_wgs84(box(centre.x + dx - half, centre.y + dy - half,
                         centre.x + dx + half, centre.y + dy + half))


def build_hangouts() -> gpd.GeoDataFrame:
    """The hangouts the demo team drew, with their days and hours.

    Returns
    -------
    geopandas.GeoDataFrame
        The hangouts layer's columns.

    Examples
    --------
    >>> "youth" in set(build_hangouts()["group"])
    True
    """
    rows = [
        ("Bankjes Europaplein", "youth", "fri,sat", 21, 23, 8, _area_at(SQUARE, 0, 18, 10),
         "Vaste groep, claimt de bankjes."),
        ("Voor de cafetaria", "young_adults", "thu,fri,sat", 20, 23, 4, _point_at(SNACK_BAR),
         "Auto's met draaiende motor."),
        ("Voetgangerstunnel", "youth", "fri,sat", 22, 1, 3, _point_at(TUNNEL), None),
        ("Speeltuin na school", "children", "mon,tue,wed,thu,fri", 15, 17, 7,
         _area_at(PLAYGROUND, 0, 0, 15), None),
        ("Bankje bij de bakker", "elderly", "mon,tue,wed,thu,fri,sat", 9, 12, 5,
         _point_at(SHOPS, -30, 0), None),
    ]
    return gpd.GeoDataFrame(
        {
            s.ID: range(1, len(rows) + 1),
            s.NAME: [row[0] for row in rows],
            s.GROUP: [row[1] for row in rows],
            s.WEEKDAYS: [row[2] for row in rows],
            s.START_HOUR: [row[3] for row in rows],
            s.END_HOUR: [row[4] for row in rows],
            s.SIZE: [row[5] for row in rows],
            s.SINCE: pd.to_datetime(["2026-03-01", "2026-05-01", "2026-09-01", "2026-01-01",
                                     "2025-06-01"]),
            s.UNTIL: pd.Series([pd.NaT] * len(rows), dtype="datetime64[ms]"),
            s.NOTE: [row[7] for row in rows],
        },
        geometry=[row[6] for row in rows],
        crs=s.STORAGE_CRS,
    )


def build_experiments() -> gpd.GeoDataFrame:
    """The demo's actions and experiments: a container on the Europaplein and a coffee table.

    Returns
    -------
    geopandas.GeoDataFrame
        The experiments layer's columns.

    Examples
    --------
    >>> sorted(build_experiments()["step"].unique().tolist())
    ['action', 'experiment']
    """
    rows = [
        ("Zeecontainer op het Europaplein", "experiment", "container", "2026-09-28", "2026-11-08",
         "evaluated", 60.0, _point_at(SQUARE, -20, -5),
         "Het vaste patroon bij de bankjes doorbreken; jongeren een eigen plek geven.",
         "Minder vaak een grote groep bij de bankjes; jongeren gebruikten de container als "
         "ontmoetingsplek. Bewoners verdeeld.", "Jongerenwerk"),
        ("Koffietafel op woensdag", "action", "coffee_table", "2026-09-16", None, "running", 60.0,
         _point_at(SQUARE, 15, -10), "Elke woensdag 10-12 koffie op het plein; bewoners ontmoeten.",
         None, "Opbouwwerk"),
        ("Kerstverlichting Winkelstrip", "action", "lighting", "2026-12-05", "2027-01-06",
         "planned", 150.0, _point_at(SHOPS), "Een lichter en vriendelijker winkelgebied.", None,
         "Ondernemers"),
    ]
    return gpd.GeoDataFrame(
        {
            s.ID: range(1, len(rows) + 1),
            s.NAME: [row[0] for row in rows],
            s.STEP: [row[1] for row in rows],
            s.OBJECT: [row[2] for row in rows],
            s.START_DATE: pd.to_datetime([row[3] for row in rows]),
            s.END_DATE: pd.to_datetime([row[4] for row in rows]),
            s.STATUS: [row[5] for row in rows],
            s.RADIUS_M: [row[6] for row in rows],
            s.GOAL: [row[8] for row in rows],
            s.EVALUATION: [row[9] for row in rows],
            s.OWNER: [row[10] for row in rows],
        },
        geometry=[row[7] for row in rows],
        crs=s.STORAGE_CRS,
    )


def build_events() -> gpd.GeoDataFrame:
    """Dated events for the timeline (incidents, interventions, neighbourhood events).

    Returns
    -------
    geopandas.GeoDataFrame
        The events layer's columns.

    Examples
    --------
    >>> len(build_events()) > 0
    True
    """
    rows = [
        ("2026-09-05", "Vuurwerk afgestoken bij de bankjes", "incident", -1, SQUARE),
        ("2026-09-14", "Extra boa-inzet op vrijdagavond", "intervention", 0, SQUARE),
        (BENCH_DAY.isoformat(), "Nieuw bankje bij de speeltuin", "intervention", 1, PLAYGROUND),
        (CONTAINER_START.isoformat(), "Container geplaatst op het plein", "project", 0, SQUARE),
        ("2026-10-03", "Vechtpartij bij de tunnel", "incident", -1, TUNNEL),
        ("2026-10-10", "Fairplay-sportmiddag op het plein", "event", 1, SQUARE),
        (CLEAN_UP_DAY.isoformat(), "Opschoondag; afvalbakken met klep bij de winkels", "event",
         1, SNACK_BAR),
        ("2026-10-21", "Melding geluidsoverlast bij de tunnel", "report", -1, TUNNEL),
        ("2026-10-31", "Halloweentocht door de buurt", "event", 1, None),
        ("2026-11-02", "Lantaarn in de tunnel kapot gemeld", "report", -1, TUNNEL),
        (CONTAINER_END.isoformat(), "Container weggehaald; evaluatie met de buurt", "project", 0,
         SQUARE),
        ("2026-11-12", "Nieuwe ledlantaarn in de tunnel", "intervention", 1, TUNNEL),
    ]
    return gpd.GeoDataFrame(
        {
            s.ID: range(1, len(rows) + 1),
            s.DATE: pd.to_datetime([row[0] for row in rows]),
            s.TITLE: [row[1] for row in rows],
            s.KIND: [row[2] for row in rows],
            s.VALENCE: [row[3] for row in rows],
            s.PLACE: [row[4] for row in rows],
            s.NOTE: None,
        },
        # The Halloween walk went through the whole neighbourhood: no point of its own.
        geometry=[None if row[4] is None else _point_at(row[4], 5, 5) for row in rows],
        crs=s.STORAGE_CRS,
    )


# Stories the demo team heard (step 2): date, who told it, themes, how it was felt, the
# words as noted, where. Invented; no names.
STORIES = (
    ("2026-09-02", "resident", "overlast, geluid", -1,
     "Op vrijdagavond is het tot laat onrustig bij de bankjes.", SQUARE),
    ("2026-09-07", "youth", "jongeren, ontmoeting, plek voor jongeren", 0,
     "We hebben nergens anders een plek; bij de bankjes zien we elkaar.", SQUARE),
    ("2026-09-09", "professional", "veiligheid, overlast", -1,
     "Na het vuurwerk van zaterdag zijn bewoners ongerust; veel telefoontjes.", SQUARE),
    ("2026-09-15", "entrepreneur", "zwerfvuil", -1,
     "Maandagochtend ligt er altijd afval voor de deur.", SNACK_BAR),
    ("2026-09-18", "resident", "voorzieningen, groen", 0,
     "Bij de speeltuin kun je nergens zitten als je op de kleinkinderen past.", PLAYGROUND),
    ("2026-09-24", "resident", "ontmoeting, voorzieningen", 1,
     "Het nieuwe bankje bij de speeltuin: daar zitten we nu 's ochtends met een paar.",
     PLAYGROUND),
    ("2026-09-30", "youth", "jongeren, plek voor jongeren", 1,
     "De container is van ons; we mogen er zelf muziek draaien.", SQUARE),
    ("2026-10-01", "resident", "overlast, jongeren", -1,
     "Waarom krijgen zij een container? Het is nu nog drukker op het plein.", SQUARE),
    ("2026-10-05", "youth", "veiligheid, jongeren", -1,
     "Na het gevecht van zaterdag lopen we niet meer door de tunnel.", TUNNEL),
    ("2026-10-06", "professional", "veiligheid", -1,
     "Twee groepen uit verschillende buurten; het gaat om een ruzie online.", TUNNEL),
    ("2026-10-07", "resident", "ontmoeting", 1,
     "De koffietafel is gezellig; ik ken nu mijn buren.", SQUARE),
    ("2026-10-12", "youth", "ontmoeting, jongeren", 1,
     "De sportmiddag was vet, ook de wijkagent deed mee.", SQUARE),
    ("2026-10-14", "entrepreneur", "zwerfvuil, voorzieningen", -1,
     "Er staan te weinig afvalbakken; de bakken bij de cafetaria zitten elk weekend vol.",
     SNACK_BAR),
    ("2026-10-19", "resident", "zwerfvuil, ontmoeting", 1,
     "Bij de opschoondag deden ook jongeren mee; het ziet er nu netjes uit.", SHOPS),
    ("2026-10-23", "resident", "overlast, geluid", -1,
     "Scooters razen 's avonds door de tunnel, je schrikt je dood.", TUNNEL),
    ("2026-10-28", "entrepreneur", "verkeer, parkeren", -1,
     "De leverancier kan niet laden en lossen door de geparkeerde auto's.", SHOPS),
    ("2026-11-01", "resident", "ontmoeting", 1,
     "De Halloweentocht bracht veel gezinnen op straat die elkaar nog niet kenden.", None),
    ("2026-11-04", "professional", "verlichting, veiligheid", -1,
     "In de tunnel is de verlichting kapot; mensen lopen 's avonds om.", TUNNEL),
    ("2026-11-10", "youth", "jongeren, plek voor jongeren", -1,
     "Nu de container weg is, staan we weer bij de bankjes.", SQUARE),
    ("2026-11-11", "resident", "overlast, jongeren", 0,
     "Het is rustiger dan in september, maar de groep is er weer.", SQUARE),
    ("2026-11-16", "resident", "verlichting, veiligheid", 1,
     "Met de nieuwe lamp durf ik weer door de tunnel naar de bushalte.", TUNNEL),
    ("2026-11-18", "entrepreneur", "zwerfvuil", 1,
     "Sinds de bakken met klep is het 's maandags veel schoner voor de zaak.", SNACK_BAR),
)


def build_stories() -> gpd.GeoDataFrame:
    """Stories the team heard, with themes (fictional, no names).

    Returns
    -------
    geopandas.GeoDataFrame
        The stories layer's columns.

    Examples
    --------
    >>> bool(build_stories()["themes"].notna().all())
    True
    """
    return gpd.GeoDataFrame(
        {
            s.ID: range(1, len(STORIES) + 1),
            s.DATE: pd.to_datetime([row[0] for row in STORIES]),
            s.SOURCE: [row[1] for row in STORIES],
            s.THEMES: [row[2] for row in STORIES],
            s.VALENCE: [row[3] for row in STORIES],
            s.TEXT: [row[4] for row in STORIES],
        },
        geometry=[None if row[5] is None else _point_at(row[5], -5, 5) for row in STORIES],
        crs=s.STORAGE_CRS,
    )


def build_demo_layers(*, seed: int = DEFAULT_SEED, n_observations: int | None = None,
                      ) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the demo neighbourhood, deterministic for `seed`.

    Parameters
    ----------
    seed
        Which twelve weeks.
    n_observations
        Scale the observations up (see `build_observations`).

    Returns
    -------
    dict
        Layer name -> GeoDataFrame, as stored (see `read_demo_layers` for as read).

    Examples
    --------
    >>> layers = build_demo_layers(seed=3)
    >>> len(layers["observations"]) == len(build_demo_layers(seed=3)["observations"])
    True
    """
    rng = np.random.default_rng(seed)
    rounds = build_rounds(rng)
    observations = build_observations(rounds, rng, n_observations=n_observations)
    route = _round_route()
    rounds_layer = gpd.GeoDataFrame(rounds, geometry=[route] * len(rounds), crs=s.STORAGE_CRS)
    rounds_layer[s.STARTED_AT] = rounds_layer[s.STARTED_AT].dt.tz_convert("UTC")
    rounds_layer[s.ENDED_AT] = rounds_layer[s.ENDED_AT].dt.tz_convert("UTC")
    return {
        s.BOUNDARY: read_demo_boundary(),
        s.PLACES: build_places(),
        s.ROUNDS: rounds_layer,
        s.OBSERVATIONS: observations,
        s.HANGOUTS: build_hangouts(),
        s.SPOTS: build_spots(rng),
        s.EXPERIMENTS: build_experiments(),
        s.EVENTS: build_events(),
        s.STORIES: build_stories(),
    }


def read_demo_layers(*, seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """The demo's layers as reading a workspace gives them (local hour, weekday and date,
    metric coordinates), without writing one: for examples and quick checks.

    Parameters
    ----------
    seed
        Which demo neighbourhood; each seed is another twelve weeks.

    Returns
    -------
    dict
        Layer name -> GeoDataFrame, as `storage.read_layers` would return it.

    Examples
    --------
    >>> layers = read_demo_layers(seed=3)
    >>> int(layers["observations"]["local_hour"].max()) <= 23
    True
    """
    return {name: frame.copy() for name, frame in _read_demo_layers(seed).items()}


@functools.lru_cache(maxsize=2)
def _read_demo_layers(seed: int) -> dict[str, gpd.GeoDataFrame]:
    # Cached: every docstring example starts from it; callers get copies.
    layers = build_demo_layers(seed=seed)
    crs = choose_metric_crs([layers[s.BOUNDARY]])
    return {name: localise_layer(name, validate_layer(name, frame, max_messages=None), TZ,
                                 metric_crs=crs)
            for name, frame in layers.items()}


def create_demo_workspace(path: str | Path, *, seed: int = DEFAULT_SEED,
                          n_observations: int | None = None) -> WorkspaceInfo:
    """Create the demo workspace at `path` (which must not exist yet).

    Parameters
    ----------
    path
        Where the GeoPackage goes.
    seed
        Which demo neighbourhood.
    n_observations
        Scale the observations up (see `build_observations`).

    Returns
    -------
    WorkspaceInfo
        The new workspace's information (`is_demo` set).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> create_demo_workspace(pathlib.Path(tempfile.mkdtemp()) / "demo.gpkg").is_demo
    True
    """
    layers = build_demo_layers(seed=seed, n_observations=n_observations)
    info = create_workspace(path, tz=TZ, name=DEMO_NAME, is_demo=True, layers=layers)
    write_scenes(path, DEMO_SCENES)
    return info
