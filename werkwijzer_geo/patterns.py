"""What comes back: effort, typical weeks, recurring patterns, claims and presence gaps.

Every count is read against the rounds that covered its weekday and hour: a slot nobody
observed is unknown (NaN), never zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from . import labels
from . import schema as s
from .placing import PlaceIndex, locate_places
from .selection import get_round_slots, select_timed
from .timefilter import TimeFilter

# Rows of one round, place and group this close in time are one moment: their counts add up.
SAME_MOMENT = pd.Timedelta(minutes=5)
PLACE_KEY = "place_key"
YOUTH = "youth"


@dataclass(frozen=True)
class PatternSettings:
    """Thresholds for calling something a pattern; the page explains each."""

    # Chosen on the demo with 8 seeds (planted chances >= 0.7, noise <= 0.2): these gave
    # 1 false and 1 missed pattern in all; lower shares or fewer rounds called noise patterns.
    min_share: float = 0.6  # present in at least 60% of the rounds that covered the slot
    min_rounds: int = 5  # at least this many rounds covered the slot
    min_dates: int = 4  # seen on at least this many different dates
    claim_share: float = 0.7  # one group has this share of the people at a place and hour
    max_professional_share: float = 0.1  # "no professional": seen in at most 1 in 10 rounds


@dataclass
class Pattern:
    """A group that is regularly at a place in a weekday-and-hour window."""

    group: str
    place: str
    weekdays: list[str]
    start_hour: int
    end_hour: int
    dates_seen: int
    rounds_covering: int
    rounds_present: int
    share: float
    typical_count: str
    sentence: str
    lat: float | None = None  # where the place is
    lon: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def assign_places(observations: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                  hangouts: gpd.GeoDataFrame | None = None) -> pd.Series:
    """A place name per observation (see `placing.locate_places`)."""
    return locate_places(observations, places, hangouts).names


def _attach_rounds(observations: pd.DataFrame, rounds: pd.DataFrame) -> pd.Series:
    """Round per observation: its own round_id, else a round whose time covers it."""
    known = observations[s.ROUND_ID].astype("Int64")
    missing = known.isna()
    if missing.any() and len(rounds):
        start = rounds[s.STARTED_AT].dt.tz_convert("UTC")
        end = rounds[s.ENDED_AT].dt.tz_convert("UTC").fillna(start + pd.Timedelta(hours=1))
        order = np.argsort(start.to_numpy())
        starts, ends = start.to_numpy()[order], end.to_numpy()[order]
        ids = rounds[s.ID].to_numpy()[order]
        moments = observations.loc[missing, s.OBSERVED_AT].dt.tz_convert("UTC").to_numpy()
        candidate = np.searchsorted(starts, moments, side="right") - 1
        valid = (candidate >= 0) & (moments <= ends[np.clip(candidate, 0, None)])
        found = np.where(valid, ids[np.clip(candidate, 0, None)], pd.NA)
        known[missing] = pd.array(found, dtype="Int64")
    return known


def get_covered_slots(rounds: gpd.GeoDataFrame, time_filter: TimeFilter | None = None,
                      ) -> pd.DataFrame:
    """Which round covered which local date and hour (see `selection.get_round_slots`),
    within the filter."""
    return select_timed(get_round_slots(rounds), time_filter or TimeFilter())


def get_effort_from_slots(slots: pd.DataFrame) -> pd.DataFrame:
    """Rounds per weekday (rows 0-6) and hour (columns 0-23); NaN where nobody looked."""
    table = slots.groupby([s.LOCAL_WEEKDAY, s.LOCAL_HOUR])[s.ROUND_ID].nunique().unstack()
    table = table.reindex(index=range(7), columns=range(24)).astype(float)
    return table.where(table > 0)


def get_effort(rounds: gpd.GeoDataFrame, time_filter: TimeFilter | None = None) -> pd.DataFrame:
    """Rounds per weekday (rows 0-6) and hour (columns 0-23); NaN where nobody looked."""
    return get_effort_from_slots(get_covered_slots(rounds, time_filter))


def get_presence(observations: gpd.GeoDataFrame, rounds: gpd.GeoDataFrame,
                 places: gpd.GeoDataFrame | PlaceIndex, time_filter: TimeFilter | None = None,
                 ) -> pd.DataFrame:
    """One row per (round, place, group, hour): who was where in which round.

    Columns: round_id, place_key, group, local_weekday, local_hour, local_date, count.
    Counting rules: rows of one round, place and group within `SAME_MOMENT` of each other
    are one moment and add up (a file with a row per person); of the moments in one round
    and hour the largest counts (the same people seen again are not added). Observations in
    an hour their round did not cover are left out: they say nothing about how often.
    """
    # Places are found on every observation, so a filter never moves a place.
    place_index = places if isinstance(places, PlaceIndex) else locate_places(observations,
                                                                                places)
    selected = select_timed(observations, time_filter or TimeFilter())
    columns = [s.ROUND_ID, PLACE_KEY, s.GROUP, s.LOCAL_WEEKDAY, s.LOCAL_HOUR, s.LOCAL_DATE,
               s.COUNT]
    if selected.empty:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame({
        s.ROUND_ID: _attach_rounds(selected, rounds).to_numpy(),
        PLACE_KEY: place_index.names.loc[selected.index].to_numpy(),
        s.GROUP: selected[s.GROUP].to_numpy(),
        s.LOCAL_WEEKDAY: selected[s.LOCAL_WEEKDAY].to_numpy(dtype=int),
        s.LOCAL_HOUR: selected[s.LOCAL_HOUR].to_numpy(dtype=int),
        s.LOCAL_DATE: selected[s.LOCAL_DATE].to_numpy(),
        s.COUNT: selected[s.COUNT].to_numpy(dtype=int),
        "moment": selected[s.OBSERVED_AT].dt.tz_convert("UTC").to_numpy(),
    })
    frame = frame[frame[s.ROUND_ID].notna()]
    covered = get_round_slots(rounds)[[s.ROUND_ID, s.LOCAL_DATE, s.LOCAL_HOUR]]
    frame = frame.merge(covered.drop_duplicates(), on=[s.ROUND_ID, s.LOCAL_DATE, s.LOCAL_HOUR])
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.sort_values([s.ROUND_ID, PLACE_KEY, s.GROUP, "moment"], kind="stable")
    same_series = (frame[[s.ROUND_ID, PLACE_KEY, s.GROUP]].shift()
                   == frame[[s.ROUND_ID, PLACE_KEY, s.GROUP]]).all(axis=1)
    close = frame["moment"].diff() <= SAME_MOMENT
    frame["moment_id"] = (~(same_series & close)).cumsum()
    keys = [s.ROUND_ID, PLACE_KEY, s.GROUP, s.LOCAL_WEEKDAY, s.LOCAL_HOUR, s.LOCAL_DATE]
    moments = frame.groupby([*keys, "moment_id"], as_index=False)[s.COUNT].sum()
    return moments.groupby(keys, as_index=False)[s.COUNT].max()[columns]


def get_typical_week(presence: pd.DataFrame, effort: pd.DataFrame, *, group: str | None = None,
                     place: str | None = None) -> pd.DataFrame:
    """Share of covering rounds with the group (and/or at the place) per weekday x hour.

    NaN where no round covered the slot.
    """
    chosen = presence
    if group is not None:
        chosen = chosen[chosen[s.GROUP] == group]
    if place is not None:
        chosen = chosen[chosen[PLACE_KEY] == place]
    present = chosen.groupby([s.LOCAL_WEEKDAY, s.LOCAL_HOUR])[s.ROUND_ID].nunique().unstack()
    present = present.reindex(index=range(7), columns=range(24)).fillna(0)
    return present / effort


def _slot_table(presence: pd.DataFrame, effort: pd.DataFrame) -> pd.DataFrame:
    keys = [PLACE_KEY, s.GROUP, s.LOCAL_WEEKDAY, s.LOCAL_HOUR]
    table = presence.groupby(keys).agg(rounds_present=(s.ROUND_ID, "nunique"),
                                       dates=(s.LOCAL_DATE, "nunique")).reset_index()
    covering = effort.stack().rename("rounds_covering").reset_index()
    covering.columns = [s.LOCAL_WEEKDAY, s.LOCAL_HOUR, "rounds_covering"]
    table = table.merge(covering, on=[s.LOCAL_WEEKDAY, s.LOCAL_HOUR], how="left")
    table["share"] = table["rounds_present"] / table["rounds_covering"]
    return table


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of hours as (start, end exclusive)."""
    runs: list[tuple[int, int]] = []
    for hour in sorted(hours):
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs


def _windows(slots: pd.DataFrame) -> list[tuple[int, int, int]]:
    """(weekday, start, end) windows; a run after midnight joins the evening before it."""
    by_day = {day: _runs(group[s.LOCAL_HOUR].tolist())
              for day, group in slots.groupby(s.LOCAL_WEEKDAY)}
    windows = []
    for day in range(7):
        for start, end in by_day.get(day, []):
            before = by_day.get((day - 1) % 7, [])
            if start == 0 and end < 12 and before and before[-1][1] == 24:
                continue  # belongs to the evening before
            if end == 24:
                following = by_day.get((day + 1) % 7, [])
                if following and following[0][0] == 0 and following[0][1] < 12:
                    end = following[0][1]  # wraps past midnight: 21 -> 2
            windows.append((day, start, end % 24 if end > 24 else end))
    return windows


def _typical(counts: pd.Series) -> str:
    low, high = (int(np.round(v)) for v in counts.quantile([0.25, 0.75]))
    return str(low) if low == high else f"{low}-{high}"


def _day_words(days: list[int]) -> str:
    names = [labels.WEEKDAY_LONG[d] for d in days]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]
    return text[0].upper() + text[1:]


def _sentence(pattern_days: list[int], start: int, end: int, typical: str, group: str,
              place: str, present: int, covering: int) -> str:
    group_word = labels.GROUP_LABELS[group].lower()
    where = place if place.startswith("bij ") else f"bij {place}"
    return (f"{_day_words(pattern_days)} {start}-{end % 24} uur: {typical} {group_word} {where} "
            f"(gezien in {present} van {covering} rondes).")


def find_patterns(presence: pd.DataFrame, slots: pd.DataFrame,
                  settings: PatternSettings = PatternSettings(),
                  locations: dict[str, tuple[float, float]] | None = None) -> list[Pattern]:
    """Group-at-place windows seen in a high share of covering rounds, on several dates.

    `slots` are the covered slots of the same selection (`get_covered_slots`); `locations`
    gives each place's (lat, lon) for the result.
    """
    if presence.empty:
        return []
    effort = get_effort_from_slots(slots)
    table = _slot_table(presence, effort)
    strong = table[(table["share"] >= settings.min_share)
                   & (table["rounds_covering"] >= settings.min_rounds)]
    patterns = []
    for (place, group), strong_slots in strong.groupby([PLACE_KEY, s.GROUP]):
        found: dict[tuple[int, int], list[int]] = {}
        for day, start, end in _windows(strong_slots):
            found.setdefault((start, end), []).append(day)
        for (start, end), days in found.items():
            pattern = _measure_window(presence, slots, place, group, days, start, end)
            if pattern.dates_seen >= settings.min_dates and pattern.share >= settings.min_share:
                pattern.lat, pattern.lon = (locations or {}).get(place, (None, None))
                patterns.append(pattern)
    return sorted(patterns, key=lambda p: (-p.share, -p.dates_seen, p.place, p.group))


def _window_hours(start: int, end: int) -> list[int]:
    return [(start + step) % 24 for step in range((end - start) % 24 or 24)]


def _in_window(frame: pd.DataFrame, days: list[int], hours: list[int]) -> np.ndarray:
    """Rows on one of `days` in one of `hours`; hours after midnight belong to the evening
    before (a Friday window 21-2 holds Saturday 01:00)."""
    evening = frame[s.LOCAL_WEEKDAY].isin(days) & frame[s.LOCAL_HOUR].isin(
        [h for h in hours if h >= hours[0]])
    night = frame[s.LOCAL_WEEKDAY].isin([(d + 1) % 7 for d in days]) & frame[
        s.LOCAL_HOUR].isin([h for h in hours if h < hours[0]])
    return (evening | night).to_numpy(dtype=bool)


def _measure_window(presence: pd.DataFrame, slots: pd.DataFrame, place: str, group: str,
                    days: list[int], start: int, end: int) -> Pattern:
    hours = _window_hours(start, end)
    in_window = presence[((presence[PLACE_KEY] == place) & (presence[s.GROUP] == group)
                          ).to_numpy(dtype=bool) & _in_window(presence, days, hours)]
    # Covering rounds of a window: the distinct rounds that covered any of its hours.
    covering_ids = set(slots.loc[_in_window(slots, days, hours), s.ROUND_ID])
    covering = len(covering_ids)
    present = int(in_window[s.ROUND_ID].nunique())
    typical = _typical(in_window.groupby(s.ROUND_ID)[s.COUNT].max())
    return Pattern(
        group=group, place=place, weekdays=[labels.WEEKDAY_CODES[d] for d in sorted(days)],
        start_hour=start, end_hour=end, dates_seen=int(in_window[s.LOCAL_DATE].nunique()),
        rounds_covering=covering, rounds_present=present,
        share=round(present / covering, 3) if covering else 0.0, typical_count=typical,
        sentence=_sentence(sorted(days), start, end, typical, group, place, present, covering),
    )


@dataclass
class PresenceGap:
    """A window in which youths are regularly at a place and no professional is seen there."""

    place: str
    weekdays: list[str]
    start_hour: int
    end_hour: int
    rounds_covering: int
    rounds_with_youth: int
    rounds_with_professionals: int
    sentence: str
    lat: float | None = None
    lon: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def find_presence_gaps(presence: pd.DataFrame, slots: pd.DataFrame,
                       settings: PatternSettings = PatternSettings(),
                       locations: dict[str, tuple[float, float]] | None = None,
                       ) -> list[PresenceGap]:
    """Windows where youths are a pattern at a place (same thresholds as patterns) and
    professionals were seen at that place in at most `max_professional_share` of the rounds
    that covered the window."""
    youth = find_patterns(presence[presence[s.GROUP] == YOUTH], slots, settings, locations)
    pros = presence[presence[s.GROUP] == s.PROFESSIONALS]
    gaps = []
    for pattern in youth:
        days = [labels.WEEKDAY_CODES.index(code) for code in pattern.weekdays]
        hours = _window_hours(pattern.start_hour, pattern.end_hour)
        covering = set(slots.loc[_in_window(slots, days, hours), s.ROUND_ID])
        seen = pros[(pros[PLACE_KEY] == pattern.place).to_numpy(dtype=bool)
                    & _in_window(pros, days, hours)]
        with_pros = len(set(seen[s.ROUND_ID]) & covering)
        if with_pros > settings.max_professional_share * len(covering):
            continue
        where = pattern.place if pattern.place.startswith("bij ") else f"bij {pattern.place}"
        pros_text = "geen professional gezien" if with_pros == 0 else (
            f"een professional in {with_pros} van {len(covering)}")
        gaps.append(PresenceGap(
            pattern.place, pattern.weekdays, pattern.start_hour, pattern.end_hour,
            len(covering), pattern.rounds_present, with_pros,
            f"{_day_words(days)} {pattern.start_hour}-{pattern.end_hour % 24} uur {where}: "
            f"jongeren in {pattern.rounds_present} van {len(covering)} rondes, {pros_text}.",
            pattern.lat, pattern.lon))
    return gaps


@dataclass
class Claim:
    """A place where one group has most of the people at some hours, others at other hours."""

    place: str
    group: str
    slots: list[str]
    share: float
    other_groups: list[str]
    sentence: str

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def find_claims(presence: pd.DataFrame, settings: PatternSettings = PatternSettings(),
                ) -> list[Claim]:
    """Per place and slot the share of each group's people; flag dominance."""
    if presence.empty:
        return []
    persons = presence.groupby([PLACE_KEY, s.LOCAL_WEEKDAY, s.LOCAL_HOUR, s.GROUP])[
        s.COUNT].sum()
    shares = persons / persons.groupby(level=[0, 1, 2]).transform("sum")
    rounds = presence.groupby([PLACE_KEY, s.LOCAL_WEEKDAY, s.LOCAL_HOUR, s.GROUP])[
        s.ROUND_ID].nunique()
    claims = []
    for place, place_shares in shares.groupby(level=0):
        dominant = place_shares[(place_shares >= settings.claim_share)
                                & (rounds.loc[place_shares.index] >= settings.min_dates)]
        for group, rows in dominant.groupby(level=3):
            slots = sorted({(d, h) for _, d, h, _ in rows.index})
            others = sorted(set(presence.loc[presence[PLACE_KEY] == place, s.GROUP])
                            - {group, s.PROFESSIONALS})
            if not others:
                continue
            slot_text = [f"{labels.WEEKDAY_SHORT[d]} {h:02d}:00" for d, h in slots]
            other_words = ", ".join(labels.GROUP_LABELS[g].lower() for g in others)
            claims.append(Claim(
                place, group, slot_text, round(float(rows.mean()), 3), others,
                f"{labels.GROUP_LABELS[group]} hebben {place} in {len(slots)} uur(en) "
                f"vrijwel voor zich ({', '.join(slot_text[:4])}"
                f"{' …' if len(slot_text) > 4 else ''}); op andere uren zijn er {other_words}."))
    return claims


@dataclass
class PatternReport:
    """Everything the Patronen page and `patterns --json` show, for one selection."""

    settings: PatternSettings
    time_filter: str
    rounds: int
    observations_in_rounds: int
    observations_outside_rounds: int
    patterns: list[Pattern]
    gaps: list[PresenceGap]
    claims: list[Claim]
    effort: pd.DataFrame  # rounds per weekday x hour, for charts
    presence: pd.DataFrame  # who was where per round, for the typical week
    not_observed: list[str] = field(default_factory=list)  # the filter's unobserved hours

    def to_dict(self) -> dict:
        """JSON-ready, in the schema documented in docs/patterns-json.md."""
        effort = [[None if np.isnan(value) else int(value) for value in row]
                  for row in self.effort.to_numpy(dtype=float)]
        return {
            "schema": "buurtkaart.patterns/2",
            "time_filter": self.time_filter,
            "settings": asdict(self.settings),
            "rounds": self.rounds,
            "effort": effort,
            "hours_not_observed": self.not_observed,
            "observations_in_rounds": self.observations_in_rounds,
            "observations_outside_rounds": self.observations_outside_rounds,
            "patterns": [x.to_dict() for x in self.patterns],
            "gaps": [x.to_dict() for x in self.gaps],
            "claims": [x.to_dict() for x in self.claims],
        }


NO_ROUNDS = ("Geen rondes in deze selectie: zonder rondes weet Buurtkaart niet wanneer er "
             "gekeken is, en dus ook niet wat terugkomt. Leg rondes vast (Invoer, Ronde "
             "starten), importeer ze, of leid ze af uit de waarnemingen (pagina Patronen, of "
             "python -m werkwijzer_geo patterns --rounds-from-observations 30).")


def describe_not_observed(effort: pd.DataFrame, time_filter: TimeFilter) -> list[str]:
    """Per weekday of the filter, the hours of the filter no round covered: 'vrijdag
    00-08, 12-13 uur'. Those hours are unknown, not quiet."""
    lines = []
    for day in sorted(time_filter.weekdays):
        hours = [h for h in time_filter.hours.get_hours() if np.isnan(effort.loc[day, h])]
        if hours:
            runs = ", ".join(f"{a:02d}-{b:02d}" for a, b in _runs(hours))
            lines.append(f"{labels.WEEKDAY_LONG[day]} {runs} uur")
    return lines


def build_report(layers: dict[str, gpd.GeoDataFrame], time_filter: TimeFilter | None = None,
                 settings: PatternSettings = PatternSettings()) -> PatternReport:
    """Effort, presence and every finding for the workspace's layers under the filter."""
    time_filter = time_filter or TimeFilter()
    rounds, observations = layers[s.ROUNDS], layers[s.OBSERVATIONS]
    slots = get_covered_slots(rounds, time_filter)
    effort = get_effort_from_slots(slots)
    place_index = locate_places(observations, layers[s.PLACES], layers.get(s.HANGOUTS))
    presence = get_presence(observations, rounds, place_index, time_filter)
    selected = select_timed(observations, time_filter)
    in_rounds = int(_attach_rounds(selected, rounds).notna().sum()) if len(selected) else 0
    covering = select_timed(get_round_slots(rounds), time_filter)[s.ROUND_ID].nunique()
    return PatternReport(
        settings, time_filter.to_text(), int(covering), in_rounds, len(selected) - in_rounds,
        find_patterns(presence, slots, settings, place_index.locations),
        find_presence_gaps(presence, slots, settings, place_index.locations),
        find_claims(presence, settings), effort, presence,
        describe_not_observed(effort, time_filter))


def select_pattern_observations(observations: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                                pattern: Pattern, *, hangouts: gpd.GeoDataFrame | None = None,
                                within: pd.Index | None = None) -> gpd.GeoDataFrame:
    """The observations behind a pattern: its group, place, weekdays and hours (after
    midnight with the evening before); `within` limits them to a selection's rows.

    `observations` is the whole layer, so places are found as the pattern found them.
    """
    days = [labels.WEEKDAY_CODES.index(code) for code in pattern.weekdays]
    hours = _window_hours(pattern.start_hour, pattern.end_hour)
    names = assign_places(observations, places, hangouts)
    keep = ((observations[s.GROUP] == pattern.group) & (names == pattern.place)).to_numpy(
        dtype=bool) & _in_window(observations, days, hours)
    if within is not None:
        keep &= observations.index.isin(within)
    return observations[keep]
