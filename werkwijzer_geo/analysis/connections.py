"""What changed around an event: the weeks after it against the weeks before, per round.

Step 3 of the approach ("betekenis geven") lays events on a time line and asks what came of
them. For each event this compares, within a radius of its place (or in the whole
neighbourhood when it has none), the rounds before and after it:

- per group: in how many rounds the group was seen there ("3 van 9 rondes tegen 7 van 10"),
  counting only rounds that walked at an hour of the week when that group was seen there
  (in either period): a morning round says nothing about an evening group, and a change in
  when the team walked must not read as a change in the neighbourhood;
- litter and graffiti: reports there per week.

A change is named only when it is unlikely to be chance: Fisher's exact test for the rounds,
an exact binomial test for the reports (both two-sided, at `ALPHA`), with at least
`MIN_ROUNDS` rounds on each side. Otherwise the sentence says there is no clear difference,
or that there were too few rounds to say anything.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import get_metric_crs, to_metric

from .aggregate import get_metric_xy
from .selection import get_round_slots

WEEKS = 4
RADIUS_M = 150.0
MIN_ROUNDS = 3
ALPHA = 0.05
SPOT_KINDS = ("litter", "graffiti")


@dataclass
class Finding:
    """One thing that was (or was not) different after the event."""

    subject: str  # a group code, or a spot kind
    before: int  # rounds that saw the group, or reports
    before_of: int  # rounds, or days
    after: int
    after_of: int
    p_value: float  # after Holm's correction over the event's findings
    verdict: str  # "minder", "meer" or "gelijk"


@dataclass
class EventConnection:
    """The weeks before and after one event, around its place."""

    event_id: int
    title: str
    date: str  # dd-mm-jjjj
    radius_m: float | None  # None: the whole neighbourhood
    weeks: int
    rounds_before: int
    rounds_after: int
    findings: list[Finding]
    sentence: str

    def to_dict(self) -> dict:
        """JSON-ready.

        Returns
        -------
        dict
            The fields, findings as dicts.

        Examples
        --------
        >>> EventConnection(1, "Bank", "01-10-2026", 150.0, 4, 0, 0, [], "").to_dict()["title"]
        'Bank'
        """
        return asdict(self)


def fisher_exact_p(a: int, n1: int, b: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test for `a` of `n1` against `b` of `n2`.

    Parameters
    ----------
    a, n1
        Hits and trials before.
    b, n2
        Hits and trials after.

    Returns
    -------
    float
        The chance of a table at most as likely as this one, margins fixed.

    Examples
    --------
    >>> round(fisher_exact_p(7, 10, 3, 9), 3), fisher_exact_p(5, 10, 5, 10)
    (0.179, 1.0)
    """
    hits, total = a + b, n1 + n2
    low, high = max(0, hits - n2), min(hits, n1)

    def probability(k: int) -> float:
        return math.comb(n1, k) * math.comb(n2, hits - k) / math.comb(total, hits)

    observed = probability(a)
    return min(1.0, sum(p for k in range(low, high + 1)
                        if (p := probability(k)) <= observed * (1 + 1e-9)))


def binomial_p(after: int, total: int, share_after: float) -> float:
    """Two-sided exact binomial p-value: `after` of `total` events fell in a period that
    holds `share_after` of the time.

    Parameters
    ----------
    after
        Events after.
    total
        Events before and after.
    share_after
        The after period's share of the time compared (0-1).

    Returns
    -------
    float
        The chance of a split at most as likely as this one.

    Examples
    --------
    >>> binomial_p(1, 10, 0.5) < 0.05, binomial_p(5, 10, 0.5)
    (True, 1.0)
    """
    def probability(k: int) -> float:
        return math.comb(total, k) * share_after ** k * (1 - share_after) ** (total - k)

    observed = probability(after)
    return min(1.0, sum(p for k in range(total + 1)
                        if (p := probability(k)) <= observed * (1 + 1e-9)))


def _event_centre(event: pd.Series, places: gpd.GeoDataFrame | None):
    """The event's point, else the place it names, else None (the whole neighbourhood)."""
    geometry = event.get("geometry")
    if geometry is not None and not getattr(geometry, "is_empty", True):
        return geometry
    name = event.get(s.PLACE)
    if places is not None and isinstance(name, str) and name.strip():
        match = places[places[s.NAME].str.casefold() == name.strip().casefold()]
        if len(match):
            return match.geometry.iloc[0].centroid
    return None


def _metric_xy(frame: gpd.GeoDataFrame, crs: str) -> tuple[np.ndarray, np.ndarray]:
    if frame.empty:
        return np.zeros(0), np.zeros(0)
    x, y, frame_crs = get_metric_xy(frame)
    if frame_crs != crs:  # never mix two CRSes in one distance
        x, y = to_metric(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), crs)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _near_xy(x: np.ndarray, y: np.ndarray, centre, radius_m: float, crs: str) -> np.ndarray:
    cx, cy = to_metric(np.array([centre.x]), np.array([centre.y]), crs)
    return (x - cx[0]) ** 2 + (y - cy[0]) ** 2 <= radius_m ** 2


def _near(frame: gpd.GeoDataFrame, centre, radius_m: float, crs: str) -> np.ndarray:
    if frame.empty:
        return np.zeros(0, dtype=bool)
    return _near_xy(*_metric_xy(frame, crs), centre, radius_m, crs)


def prepare_sightings(observations: gpd.GeoDataFrame) -> pd.DataFrame:
    """The few columns of the observations made in a round that every event reads: round,
    group, hour of the week, date and metric x/y; made once for many events.

    Parameters
    ----------
    observations
        The observations layer (as read, with local dates).

    Returns
    -------
    pandas.DataFrame
        One row per observation with a round.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> sightings = prepare_sightings(read_demo_layers(seed=3)["observations"])
    >>> sorted(sightings.columns)
    ['group', 'hour_of_week', 'local_date', 'round_id', 'x', 'y']
    """
    crs = get_metric_crs(observations)
    with_round = observations[observations[s.ROUND_ID].notna()]
    x, y = _metric_xy(with_round, crs)
    return pd.DataFrame({
        s.ROUND_ID: with_round[s.ROUND_ID].to_numpy(dtype=np.int64),
        s.GROUP: with_round[s.GROUP].to_numpy(),
        "hour_of_week": (with_round[s.LOCAL_WEEKDAY].to_numpy(dtype=np.int64) * 24
                         + with_round[s.LOCAL_HOUR].to_numpy(dtype=np.int64)),
        s.LOCAL_DATE: pd.to_datetime(with_round[s.LOCAL_DATE]).to_numpy(),
        "x": x, "y": y})


def connect_event(event: pd.Series, observations: gpd.GeoDataFrame, rounds: gpd.GeoDataFrame,
                  spots: gpd.GeoDataFrame, *, places: gpd.GeoDataFrame | None = None,
                  weeks: int = WEEKS, radius_m: float = RADIUS_M,
                  round_slots: pd.DataFrame | None = None,
                  sightings: pd.DataFrame | None = None) -> EventConnection:
    """Compare the `weeks` before an event with the `weeks` after it, around its place.

    Parameters
    ----------
    event
        One row of the events layer.
    observations, rounds, spots
        The workspace's layers (as read, with local dates).
    places
        The places layer, to find an event that names a place but has no point.
    weeks
        How many weeks on each side (the event's own day is in neither).
    radius_m
        The radius around the event's place.
    round_slots
        `selection.get_round_slots(rounds)`, when the caller has it already.
    sightings
        `prepare_sightings(observations)`, when the caller has it already.

    Returns
    -------
    EventConnection
        Rounds on each side, what differed, and a Dutch sentence.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> found = connect_event(layers["events"].iloc[0], layers["observations"],
    ...                       layers["rounds"], layers["spots"], places=layers["places"])
    >>> found.sentence.startswith("Na ")
    True
    """
    day = pd.Timestamp(event[s.DATE]).normalize()
    before = (day - pd.Timedelta(weeks=weeks), day - pd.Timedelta(days=1))
    after = (day + pd.Timedelta(days=1), day + pd.Timedelta(weeks=weeks))
    centre = _event_centre(event, places)
    crs = get_metric_crs(observations)

    def within(frame: pd.DataFrame, period) -> pd.DataFrame:
        dates = pd.to_datetime(frame[s.LOCAL_DATE])
        return frame[(dates >= period[0]) & (dates <= period[1])]

    def near(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame if centre is None else frame[_near(frame, centre, radius_m, crs)]

    round_ids = {name: set(within(rounds, period)[s.ID].dropna().astype(int))
                 for name, period in (("before", before), ("after", after))}
    counts = {name: len(ids) for name, ids in round_ids.items()}
    enough = min(counts.values()) >= MIN_ROUNDS
    findings: list[Finding] = []
    if enough:
        slots = get_round_slots(rounds) if round_slots is None else round_slots
        hour_of_week = (slots[s.LOCAL_WEEKDAY].astype(int) * 24
                        + slots[s.LOCAL_HOUR].astype(int)).to_numpy()
        slot_rounds = slots[s.ROUND_ID].astype(int).to_numpy()
        if sightings is None:
            sightings = prepare_sightings(observations)
        in_periods = np.fromiter(round_ids["before"] | round_ids["after"], dtype=np.int64)
        keep = np.isin(sightings[s.ROUND_ID].to_numpy(), in_periods)
        if centre is not None:
            keep &= _near_xy(sightings["x"].to_numpy(), sightings["y"].to_numpy(), centre,
                             radius_m, crs)
        seen = sightings[keep]
        for group in s.GROUP_CODES:
            of_group = seen[seen[s.GROUP] == group]
            if of_group.empty:
                continue
            # Only rounds that walked at an hour of the week when this group was seen here.
            group_hours = np.unique(of_group["hour_of_week"].to_numpy())
            looked = set(slot_rounds[np.isin(hour_of_week, group_hours)])
            met = set(of_group[s.ROUND_ID].tolist())
            of = {name: len(ids & looked) for name, ids in round_ids.items()}
            hits = {name: len(ids & looked & met) for name, ids in round_ids.items()}
            if min(of.values()) < MIN_ROUNDS:
                continue
            p = fisher_exact_p(hits["before"], of["before"], hits["after"], of["after"])
            share = (hits["after"] / of["after"]) - (hits["before"] / of["before"])
            findings.append(Finding(group, hits["before"], of["before"], hits["after"],
                                    of["after"], p, "minder" if share < 0 else "meer"))
        reported = near(spots)
        # Reports are compared per day the data covers: the weeks after an event near the
        # end of the data (or before one near its start) are shorter.
        first, last = _data_period(rounds, spots)
        days_before = (before[1] - max(before[0], first)).days + 1
        days_after = (min(after[1], last) - after[0]).days + 1
        for kind in SPOT_KINDS:
            of_kind = reported[reported[s.KIND] == kind]
            b, a = len(within(of_kind, before)), len(within(of_kind, after))
            if not a + b or min(days_before, days_after) < 7:
                continue
            p = binomial_p(a, a + b, days_after / (days_before + days_after))
            per_day = a / days_after - b / days_before
            findings.append(Finding(kind, b, days_before, a, days_after, p,
                                    "minder" if per_day < 0 else "meer"))
        _adjust_for_several(findings)
    title = str(event[s.TITLE])
    date = labels.format_date(day)
    return EventConnection(
        int(event[s.ID]), title, date, None if centre is None else radius_m, weeks,
        counts["before"], counts["after"], findings,
        _sentence(title, day, weeks, None if centre is None else radius_m, counts, findings,
                  enough))


def _data_period(rounds: pd.DataFrame, spots: pd.DataFrame) -> tuple[pd.Timestamp,
                                                                       pd.Timestamp]:
    dates = pd.concat([pd.to_datetime(rounds[s.LOCAL_DATE]), pd.to_datetime(spots[s.LOCAL_DATE])
                       ]).dropna()
    if dates.empty:
        return pd.Timestamp.min, pd.Timestamp.max
    # Whole weeks, Monday to Sunday: a quiet first or last day is still a day looked at.
    first, last = dates.min(), dates.max()
    return (first - pd.Timedelta(days=first.day_of_week),
            last + pd.Timedelta(days=6 - last.day_of_week))


def _adjust_for_several(findings: list[Finding]) -> None:
    """Holm's correction over one event's findings: with eight groups and two kinds of
    report checked, one of them would cross 5% by chance far too often. A finding keeps its
    direction only when its adjusted p-value is below `ALPHA`; else it reads "gelijk"."""
    ordered = sorted(findings, key=lambda finding: finding.p_value)
    running = 0.0
    for rank, finding in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - rank) * finding.p_value))
        finding.p_value = round(running, 4)
        if running >= ALPHA:
            finding.verdict = "gelijk"


def describe_change(connection: EventConnection) -> str | None:
    """What changed after an event in a few words, for a label on the timeline: "meer
    ouderen", "minder zwerfvuil"; None when nothing was named.

    Parameters
    ----------
    connection
        From `connect_event`.

    Returns
    -------
    str or None
        The named changes joined by ", ".

    Examples
    --------
    >>> found = Finding("elderly", 0, 6, 10, 12, 0.001, "meer")
    >>> describe_change(EventConnection(1, "Bank", "21-09-2026", 150.0, 4, 6, 12, [found], ""))
    'meer ouderen'
    """
    words = {"litter": "zwerfvuil", "graffiti": "graffiti"}
    named = [f"{finding.verdict} {words.get(finding.subject) or _subject_label(finding.subject)}"
             for finding in connection.findings if finding.verdict != "gelijk"]
    return ", ".join(named) or None


def _subject_label(subject: str) -> str:
    if subject in labels.GROUP_LABELS:
        return labels.GROUP_LABELS[subject].lower()
    return {"litter": "meldingen van zwerfvuil", "graffiti": "meldingen van graffiti"}[subject]


def _sentence(title: str, day: pd.Timestamp, weeks: int, radius_m: float | None,
              counts: dict[str, int], findings: list[Finding], enough: bool) -> str:
    opening = f"Na {title} ({day:%d-%m})"
    where = "in de buurt" if radius_m is None else f"binnen {radius_m:.0f} m"
    if not enough:
        return (f"{opening}: te weinig rondes om iets te zeggen ({counts['before']} in de "
                f"{weeks} weken ervoor, {counts['after']} erna).")
    parts = []
    for finding in findings:
        if finding.verdict == "gelijk":
            continue
        if finding.subject in SPOT_KINDS and finding.before_of == finding.after_of == weeks * 7:
            parts.append(f"{finding.verdict} {_subject_label(finding.subject)} {where}, "
                         f"{finding.after} tegen {finding.before} in de {weeks} weken ervoor")
        elif finding.subject in SPOT_KINDS:  # the data began or ended within the weeks
            parts.append(f"{finding.verdict} {_subject_label(finding.subject)} {where}, "
                         f"{finding.after} in de {finding.after_of} dagen erna tegen "
                         f"{finding.before} in de {finding.before_of} dagen ervoor")
        else:
            parts.append(f"{finding.verdict} {_subject_label(finding.subject)} {where} in de "
                         f"{weeks} weken erna, {finding.after} van {finding.after_of} rondes "
                         f"tegen {finding.before} van {finding.before_of} ervoor")
    if not parts:
        return (f"{opening}: geen duidelijk verschil {where} tussen de {weeks} weken ervoor "
                f"en erna ({counts['before']} en {counts['after']} rondes).")
    return f"{opening}: " + "; ".join(parts) + "."


def connect_events(events: gpd.GeoDataFrame, observations: gpd.GeoDataFrame,
                   rounds: gpd.GeoDataFrame, spots: gpd.GeoDataFrame, *,
                   places: gpd.GeoDataFrame | None = None, weeks: int = WEEKS,
                   radius_m: float = RADIUS_M) -> list[EventConnection]:
    """`connect_event` for every event, oldest first.

    Parameters
    ----------
    events
        The events layer (or a selection).
    observations, rounds, spots
        The workspace's layers.
    places
        The places layer.
    weeks
        Weeks on each side.
    radius_m
        Radius around each event.

    Returns
    -------
    list of EventConnection
        One per event.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> found = connect_events(layers["events"], layers["observations"], layers["rounds"],
    ...                        layers["spots"], places=layers["places"])
    >>> len(found) == len(layers["events"])
    True
    """
    ordered = events.sort_values(s.DATE, kind="stable")
    if ordered.empty:
        return []
    slots, sightings = get_round_slots(rounds), prepare_sightings(observations)
    return [connect_event(row, observations, rounds, spots, places=places, weeks=weeks,
                          radius_m=radius_m, round_slots=slots, sightings=sightings)
            for _, row in ordered.iterrows()]
