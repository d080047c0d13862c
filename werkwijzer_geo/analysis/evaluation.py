"""An evaluation anyone can rerun: plant recurring groups in synthetic neighbourhoods that no
threshold was chosen on, run the pattern finder, and count what it found and missed.

Each world varies what real files vary: where the grid lies, spots whose sightings straddle
cell edges, rounds of 10 minutes to 4 hours, noise and groups that come now and then, with
and without drawn places, in the Netherlands and in Boston, one row per group or one row per
person, and a shopping street where adults always are, with one real peak.

The thresholds in `PatternSettings` were chosen on demo seeds 1-8; `HELD_OUT_SEEDS` were never
used to choose anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.io.storage import localise_layer
from werkwijzer_geo.metric import choose_metric_crs, to_degrees, to_metric
from werkwijzer_geo.timefilter import hours_between

from .patterns import PatternSettings, build_report

HELD_OUT_SEEDS = tuple(range(100, 120))
CENTRES = {"Beverwijk": (4.677, 52.493, "Europe/Amsterdam"),
           "Boston": (-71.0589, 42.3601, "America/New_York")}
FIRST_MONDAY = dt.date(2026, 9, 7)
WEEKS = 10
MATCH_M = 60  # a found place within this distance of the planted spot is the same spot


@dataclass(frozen=True)
class Planted:
    """A recurring group put into a world: who, where (metres), when, how sure."""

    group: str
    x: float
    y: float
    weekdays: tuple[int, ...]
    start: int
    end: int
    kind: str = "regular"  # "regular", "always" or "busier"


@dataclass
class World:
    """A synthetic workspace's layers and what was planted in them."""

    name: str
    layers: dict[str, gpd.GeoDataFrame]
    planted: list[Planted]
    crs: str


@dataclass
class Score:
    """What the finder got right and wrong in one world."""

    world: str
    planted: int
    found: int
    matched_planted: int
    matched_found: int
    hour_overlap: list[float] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)


def _variant(seed: int) -> dict:
    """Which real-file features this seed's world has (every combination over the seeds)."""
    return {"centre": "Boston" if seed % 2 else "Beverwijk", "drawn": seed % 4 < 2,
            "per_person": seed % 3 == 0, "busy_street": seed % 5 != 4}


def make_world(seed: int) -> World:
    """A ten-week neighbourhood with planted groups, rounds and noise, localised as a
    workspace would be read.

    Parameters
    ----------
    seed
        Decides everything: Dutch or Boston, drawn places or not, rows per group or per
        person, round lengths, grid offset and what is planted.

    Returns
    -------
    World
        Its layers, what was planted, and its metric CRS.

    Examples
    --------
    >>> world = make_world(100)
    >>> len(world.planted) > 0, "observations" in world.layers
    (True, True)
    """
    rng = np.random.default_rng(seed)
    variant = _variant(seed)
    lon0, lat0, tz = CENTRES[variant["centre"]]
    crs = choose_metric_crs([gpd.GeoSeries([shapely.Point(lon0, lat0)], crs=s.STORAGE_CRS)])
    cx, cy = to_metric(np.array([lon0]), np.array([lat0]), crs)
    # Spots at random offsets: no grid lines are respected.
    spots = []
    while len(spots) < 6:
        x, y = cx[0] + rng.uniform(-450, 450), cy[0] + rng.uniform(-450, 450)
        if all(np.hypot(x - a, y - b) > 150 for a, b in spots):
            spots.append((x, y))
    groups = ["youth", "young_adults", "children", "elderly", "parents"]
    planted = []
    for index in range(int(rng.integers(2, 5))):
        days = tuple(sorted(rng.choice(7, size=int(rng.integers(1, 3)), replace=False).tolist()))
        start = int(rng.choice([9, 10, 14, 15, 16, 19, 20, 21]))
        planted.append(Planted(groups[index], *spots[index], days, start,
                               start + int(rng.integers(2, 4))))
    if variant["busy_street"]:
        street = spots[4]
        peak_day = int(rng.integers(0, 6))
        planted += [Planted("adults", *street, tuple(range(7)), 0, 0, "always"),
                    Planted("adults", *street, (peak_day,), 14, 16, "busier")]
    rounds, sightings = _walk(rng, planted, spots, variant["busy_street"])
    layers = _to_layers(rounds, sightings, spots, planted, crs, tz, variant, rng)
    name = (f"seed {seed} ({variant['centre']}, {'met' if variant['drawn'] else 'zonder'} "
            f"plekken, {'per persoon' if variant['per_person'] else 'per groep'}, "
            f"{'winkelstraat' if variant['busy_street'] else 'geen winkelstraat'})")
    return World(name, layers, planted, crs)


def _walk(rng: np.random.Generator, planted: list[Planted], spots: list,
          busy_street: bool) -> tuple[list, list]:
    """Rounds (local start, end) and sightings (local moment, group, count, x, y)."""
    rounds: list[tuple[dt.datetime, dt.datetime]] = []
    for week in range(WEEKS):
        for weekday in range(7):
            day = FIRST_MONDAY + dt.timedelta(days=7 * week + weekday)
            windows = [(p.start, p.end) for p in planted if p.kind == "regular"
                       and weekday in p.weekdays and rng.random() < 0.85]
            windows += [(int(rng.integers(8, 22)), 0)] if rng.random() < 0.6 else []
            if busy_street:
                windows += [(14, 16)] if rng.random() < 0.5 else []
            for start, end in windows:
                begin = dt.datetime.combine(day, dt.time(start)) - dt.timedelta(
                    minutes=int(rng.integers(0, 40)))
                minutes = (end - start) * 60 + int(rng.integers(10, 40)) if end else int(
                    rng.integers(10, 240))
                rounds.append((begin, begin + dt.timedelta(minutes=minutes)))
    sightings = []
    for begin, finish in rounds:
        hours = _hours_between(begin, finish)
        for plant in planted:
            if plant.kind != "regular":
                continue
            for moment in hours:  # there in 9 of 10 rounds that look at its hours
                if moment.weekday() in plant.weekdays and plant.start <= moment.hour < plant.end \
                        and rng.random() < 0.9:
                    sightings.append((moment, plant.group, int(rng.integers(5, 10)),
                                      plant.x, plant.y))
        if busy_street:
            street = next(p for p in planted if p.kind == "always")
            peak = next(p for p in planted if p.kind == "busier")
            for moment in hours:
                busy = moment.weekday() in peak.weekdays and 14 <= moment.hour < 16
                sightings.append((moment, "adults", int(rng.integers(12, 16)) if busy else
                                  int(rng.integers(2, 6)), street.x, street.y))
        for moment in hours:  # noise: anyone, anywhere, now and then
            if rng.random() < 0.3:
                x, y = spots[int(rng.integers(0, len(spots)))]
                sightings.append((moment, str(rng.choice(["adults", "youth", "elderly",
                                                          "professionals"])),
                                  int(rng.integers(1, 4)), x + rng.uniform(-200, 200),
                                  y + rng.uniform(-200, 200)))
        # A group that comes now and then to the last spot: never a pattern.
        for moment in hours:
            if moment.hour >= 18 and rng.random() < 0.2:
                sightings.append((moment, "youth", int(rng.integers(3, 7)), *spots[5]))
    return rounds, sightings


def _hours_between(begin: dt.datetime, finish: dt.datetime) -> list[dt.datetime]:
    """A moment in each clock hour the round spent at least 20 minutes in."""
    moments = []
    hour = begin.replace(minute=0)
    while hour < finish:
        inside = min(finish, hour + dt.timedelta(hours=1)) - max(begin, hour)
        if inside >= dt.timedelta(minutes=20):
            moments.append(max(begin, hour) + inside / 2)
        hour += dt.timedelta(hours=1)
    return moments


def _to_layers(rounds: list, sightings: list, spots: list, planted: list[Planted], crs: str,
               tz: str, variant: dict, rng: np.random.Generator) -> dict:
    rows = []
    for moment, group, count, x, y in sightings:
        jitter_x, jitter_y = rng.uniform(-15, 15), rng.uniform(-15, 15)  # across cell edges
        if variant["per_person"]:  # one row per person, a few seconds apart
            rows += [(moment + dt.timedelta(seconds=5 * i), group, 1, x + jitter_x,
                      y + jitter_y) for i in range(count)]
        else:
            rows.append((moment, group, count, x + jitter_x, y + jitter_y))
    lon, lat = to_degrees(np.array([r[3] for r in rows]), np.array([r[4] for r in rows]), crs)
    observations = gpd.GeoDataFrame({
        s.ID: range(1, len(rows) + 1), s.ROUND_ID: pd.array([None] * len(rows), dtype="Int64"),
        s.OBSERVED_AT: pd.to_datetime([r[0] for r in rows]).tz_localize(
            tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC"),
        s.GROUP: [r[1] for r in rows], s.COUNT: [r[2] for r in rows],
        s.ACTIVITY: "hanging_out", s.ROLE: None, s.INTERACTION: None, s.PLACE: None,
        s.NOTE: None}, geometry=gpd.points_from_xy(lon, lat), crs=s.STORAGE_CRS)
    observations = observations[observations[s.OBSERVED_AT].notna()]
    starts = pd.to_datetime([r[0] for r in rounds]).tz_localize(
        tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
    ends = pd.to_datetime([r[1] for r in rounds]).tz_localize(
        tz, ambiguous="NaT", nonexistent="shift_forward").tz_convert("UTC")
    round_frame = gpd.GeoDataFrame({s.ID: range(1, len(rounds) + 1), s.STARTED_AT: starts,
                                    s.ENDED_AT: ends, s.OBSERVERS: None, s.NOTE: None},
                                   geometry=[None] * len(rounds), crs=s.STORAGE_CRS)
    round_frame = round_frame[round_frame[s.STARTED_AT].notna() & round_frame[s.ENDED_AT].notna()]
    drawn = [box_around(x, y, crs) for x, y in spots[:4]] if variant["drawn"] else []
    places = gpd.GeoDataFrame({s.ID: range(1, len(drawn) + 1),
                               s.NAME: [f"Plek {i + 1}" for i in range(len(drawn))],
                               s.KIND: "other", s.NOTE: None}, geometry=drawn,
                              crs=s.STORAGE_CRS)
    layers = {s.OBSERVATIONS: observations, s.ROUNDS: round_frame, s.PLACES: places}
    return {name: localise_layer(name, frame.astype({s.STARTED_AT: "datetime64[ms, UTC]",
                                                     s.ENDED_AT: "datetime64[ms, UTC]"})
                                 if name == s.ROUNDS else frame.astype(
                                     {s.OBSERVED_AT: "datetime64[ms, UTC]"})
                                 if name == s.OBSERVATIONS else frame, tz, metric_crs=crs)
            for name, frame in layers.items()}


def box_around(x: float, y: float, crs: str, half_m: float = 20) -> shapely.Polygon:
    """A drawn place: a square of 40 m around a spot, in degrees.

    Parameters
    ----------
    x, y
        The spot in metres.
    crs
        Their CRS.
    half_m
        Half the square's side.

    Returns
    -------
    shapely.Polygon
        The square in EPSG:4326.

    Examples
    --------
    >>> round(box_around(106767.0, 500825.0, "EPSG:28992").centroid.x, 3)
    4.677
    """
    xs = np.array([x - half_m, x + half_m, x + half_m, x - half_m])
    ys = np.array([y - half_m, y - half_m, y + half_m, y + half_m])
    lon, lat = to_degrees(xs, ys, crs)
    return shapely.Polygon(zip(lon, lat, strict=True))


def _matches(pattern, plant: Planted, crs: str) -> bool:
    if pattern.group != plant.group or pattern.lat is None:
        return False
    x, y = to_metric(np.array([pattern.lon]), np.array([pattern.lat]), crs)
    if np.hypot(x[0] - plant.x, y[0] - plant.y) > MATCH_M:
        return False
    if plant.kind == "always":
        return pattern.kind == "always"
    days = {labels.WEEKDAY_CODES.index(code) for code in pattern.weekdays}
    return bool(days & set(plant.weekdays)) and bool(
        _hours(pattern.start_hour, pattern.end_hour) & _hours(plant.start, plant.end))


def _hours(start: int, end: int) -> set[int]:
    return set(hours_between(start, end))


def score_world(world: World, settings: PatternSettings | None = None) -> Score:
    """Run the finder on a world and compare with what was planted.

    Parameters
    ----------
    world
        From `make_world`.
    settings
        The thresholds; default `PatternSettings()`.

    Returns
    -------
    Score
        Planted, found, matched each way, hour overlap of matches, and the misses.

    Examples
    --------
    >>> score = score_world(make_world(100))
    >>> score.matched_planted <= score.planted and score.matched_found <= score.found
    True
    """
    report = build_report(world.layers, settings=settings or PatternSettings())
    found = report.patterns
    score = Score(world.name, len(world.planted), len(found), 0, 0)
    for plant in world.planted:
        hits = [p for p in found if _matches(p, plant, world.crs)]
        if hits:
            score.matched_planted += 1
            if plant.kind != "always":
                best = max(len(_hours(h.start_hour, h.end_hour) & _hours(plant.start, plant.end))
                           / len(_hours(h.start_hour, h.end_hour) | _hours(plant.start,
                                                                            plant.end))
                           for h in hits)
                score.hour_overlap.append(best)
        else:
            days = labels.format_weekdays(plant.weekdays)
            score.missed.append(f"{plant.kind} {plant.group} {days} {plant.start}-{plant.end}")
    for pattern in found:
        if any(_matches(pattern, plant, world.crs) for plant in world.planted):
            score.matched_found += 1
        else:
            score.false.append(pattern.sentence)
    return score


def evaluate(seeds: tuple[int, ...] = HELD_OUT_SEEDS) -> dict:
    """Precision, recall and hour accuracy over the worlds of `seeds`, and the worst cases.

    Parameters
    ----------
    seeds
        Which worlds; default the 20 held-out seeds no threshold was chosen on.

    Returns
    -------
    dict
        recall, precision, hours (Jaccard), totals and the worst worlds with their misses.

    Examples
    --------
    >>> result = evaluate((100,))
    >>> 0 <= result["recall"] <= 1 and 0 <= result["precision"] <= 1
    True
    """
    scores = [score_world(make_world(seed)) for seed in seeds]
    planted = sum(x.planted for x in scores)
    found = sum(x.found for x in scores)
    overlaps = [o for x in scores for o in x.hour_overlap]
    worst = sorted(scores, key=lambda x: -(len(x.missed) + len(x.false)))[:5]
    return {
        "seeds": list(seeds),
        "worlds": len(scores),
        "planted": planted,
        "found": found,
        "recall": round(sum(x.matched_planted for x in scores) / max(planted, 1), 3),
        "precision": round(sum(x.matched_found for x in scores) / max(found, 1), 3),
        "hour_accuracy": round(float(np.mean(overlaps)) if overlaps else 0.0, 3),
        "worst": [{"world": x.world, "missed": x.missed, "false": x.false} for x in worst
                  if x.missed or x.false],
    }
