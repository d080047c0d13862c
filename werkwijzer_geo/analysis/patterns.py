"""What comes back: effort, typical weeks, recurring patterns, claims and presence gaps.

Every count is read against the rounds that covered its weekday and hour: a slot nobody
observed is unknown (NaN), never zero.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import choose_metric_crs
from werkwijzer_geo.timefilter import TimeFilter, hours_between

from .placing import PlaceIndex, locate_places
from .selection import get_round_slots, select_timed

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
    kind: str = "regular"  # "regular", "always" (every hour looked) or "busier" (a peak)
    rate_ratio: float | None = None  # busier: people per round here / at its other hours
    rate_ratio_low: float | None = None  # the ratio's one-sided 95% lower bound
    score: float = 0.0  # strength and evidence: patterns are listed highest first

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def _attach_rounds(observations: pd.DataFrame, rounds: pd.DataFrame) -> pd.Series:
    """Round per observation: its own round_id, else a round whose time covers it (and, for
    rounds with an area, whose area holds it)."""
    known = observations[s.ROUND_ID].astype("Int64")
    missing = known.isna()
    if missing.any() and len(rounds) and _has_areas(rounds):
        known[missing] = _attach_by_area(observations[missing], rounds)
    elif missing.any() and len(rounds):
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


# A team walking a route sees this far either side of it; an area it drew is where it looked
# (a little margin for a place's middle on its edge). Two counters 100 m apart stay apart.
ROUTE_MARGIN_M = 50
AREA_MARGIN_M = 10


def _has_areas(rounds: pd.DataFrame) -> bool:
    return isinstance(rounds, gpd.GeoDataFrame) and bool(
        (rounds.geometry.notna() & ~rounds.geometry.is_empty).any())


def _round_reach(rounds: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Where each round looked, in degrees: its route with ROUTE_MARGIN_M around it, or its
    area with AREA_MARGIN_M; None for a round without one (it looked everywhere)."""
    crs = choose_metric_crs([rounds])
    metric = rounds.geometry.to_crs(crs)
    is_area = metric.geom_type.isin(["Polygon", "MultiPolygon"])
    margin = np.where(is_area, AREA_MARGIN_M, ROUTE_MARGIN_M)
    reach = metric.where(metric.isna() | metric.is_empty, metric.buffer(margin))
    return gpd.GeoSeries(reach, crs=crs).to_crs(s.STORAGE_CRS)


def _attach_by_area(observations: pd.DataFrame, rounds: gpd.GeoDataFrame) -> pd.array:
    """For rounds with an area: the first round whose time covers the sighting and whose
    area holds it (rounds without an area hold everything)."""
    reach = _round_reach(rounds).to_numpy()
    start = rounds[s.STARTED_AT].dt.tz_convert("UTC").to_numpy()
    end = rounds[s.ENDED_AT].dt.tz_convert("UTC").fillna(
        rounds[s.STARTED_AT].dt.tz_convert("UTC") + pd.Timedelta(hours=1)).to_numpy()
    ids = rounds[s.ID].to_numpy()
    moments = observations[s.OBSERVED_AT].dt.tz_convert("UTC").to_numpy()
    points = observations.geometry.to_numpy()
    found = []
    for moment, point in zip(moments, points, strict=True):
        match = pd.NA
        for index in np.flatnonzero((start <= moment) & (moment <= end)):
            area = reach[index]
            if area is None or area.is_empty or (point is not None and area.covers(point)):
                match = ids[index]
                break
        found.append(match)
    return pd.array(found, dtype="Int64")


def get_place_coverage(rounds: gpd.GeoDataFrame, locations: dict[str, tuple[float, float]],
                       ) -> dict[str, set[int]] | None:
    """Per place the rounds that looked there: a round with an area or route only near it.
    None when no round has one: every round looked everywhere.

    Parameters
    ----------
    rounds
        The rounds layer; a route reaches ROUTE_MARGIN_M, an area AREA_MARGIN_M.
    locations
        Place -> (lat, lon), as `placing.PlaceIndex.locations`.

    Returns
    -------
    dict or None
        Place -> the ids of the rounds that looked there.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> coverage = get_place_coverage(layers["rounds"], {"Europaplein": (52.4930, 4.6770)})
    >>> len(coverage["Europaplein"]) == len(layers["rounds"])
    True
    """
    if rounds.empty or not _has_areas(rounds):
        return None
    reach = _round_reach(rounds).to_numpy()
    ids = rounds[s.ID].to_numpy()
    coverage = {}
    for place, (lat, lon) in locations.items():
        point = shapely.Point(lon, lat)
        coverage[place] = {int(i) for i, area in zip(ids, reach, strict=True)
                           if area is None or area.is_empty or area.covers(point)}
    return coverage


def scope_slots(slots: pd.DataFrame, coverage: dict[str, set[int]] | None) -> pd.DataFrame:
    """Covered slots per place (a `place_key` column) when rounds looked only at some places;
    unchanged when every round looked everywhere.

    Parameters
    ----------
    slots
        From `get_covered_slots`.
    coverage
        From `get_place_coverage`.

    Returns
    -------
    pandas.DataFrame
        The slots, once per place each round looked at.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> scope_slots(slots, None) is slots
    True
    """
    if coverage is None:
        return slots
    parts = [slots[slots[s.ROUND_ID].isin(ids)].assign(**{PLACE_KEY: place})
             for place, ids in coverage.items()]
    return pd.concat(parts, ignore_index=True) if parts else slots.assign(**{PLACE_KEY: None})


def _for_place(slots: pd.DataFrame, place: str) -> pd.DataFrame:
    """The slots that looked at `place` (all of them when rounds looked everywhere)."""
    return slots[slots[PLACE_KEY] == place] if PLACE_KEY in slots.columns else slots


def get_covered_slots(rounds: gpd.GeoDataFrame, time_filter: TimeFilter | None = None,
                      ) -> pd.DataFrame:
    """Which round covered which local date and hour (see `selection.get_round_slots`),
    within the filter.

    Parameters
    ----------
    rounds
        The rounds layer.
    time_filter
        The filter; default everything.

    Returns
    -------
    pandas.DataFrame
        round_id, local_date, local_weekday, local_hour.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> evening = get_covered_slots(layers["rounds"], TimeFilter.from_text(hours="21-2"))
    >>> sorted(set(evening["local_hour"]) - {21, 22, 23, 0, 1})
    []
    """
    return select_timed(get_round_slots(rounds), time_filter or TimeFilter())


def get_effort_from_slots(slots: pd.DataFrame) -> pd.DataFrame:
    """Rounds per weekday (rows 0-6) and hour (columns 0-23); NaN where nobody looked.

    Parameters
    ----------
    slots
        From `get_covered_slots`.

    Returns
    -------
    pandas.DataFrame
        7 x 24 counts of distinct rounds.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> effort = get_effort_from_slots(get_covered_slots(layers["rounds"]))
    >>> effort.shape, bool(effort.isna().any().any())
    ((7, 24), True)
    """
    table = slots.groupby([s.LOCAL_WEEKDAY, s.LOCAL_HOUR])[s.ROUND_ID].nunique().unstack()
    table = table.reindex(index=range(7), columns=range(24)).astype(float)
    return table.where(table > 0)


def get_effort(rounds: gpd.GeoDataFrame, time_filter: TimeFilter | None = None) -> pd.DataFrame:
    """Rounds per weekday (rows 0-6) and hour (columns 0-23); NaN where nobody looked.

    Parameters
    ----------
    rounds
        The rounds layer.
    time_filter
        The filter; default everything.

    Returns
    -------
    pandas.DataFrame
        7 x 24, as `get_effort_from_slots`.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> int(get_effort(layers["rounds"]).loc[4, 22])  # Friday 22:00
    12
    """
    return get_effort_from_slots(get_covered_slots(rounds, time_filter))


def get_presence(observations: gpd.GeoDataFrame, rounds: gpd.GeoDataFrame,
                 places: gpd.GeoDataFrame | PlaceIndex, time_filter: TimeFilter | None = None,
                 ) -> pd.DataFrame:
    """One row per (round, place, group, hour): who was where in which round.

    Counting rules: rows of one round, place and group within `SAME_MOMENT` of each other
    are one moment and add up (a file with a row per person); of the moments in one round
    and hour the largest counts (the same people seen again are not added). Observations in
    an hour their round did not cover are left out: they say nothing about how often.

    Parameters
    ----------
    observations, rounds
        The layers.
    places
        The places layer, or a `PlaceIndex` already made for these observations.
    time_filter
        The filter; default everything.

    Returns
    -------
    pandas.DataFrame
        round_id, place_key, group, local_weekday, local_hour, local_date, count.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> youth = presence[(presence["group"] == "youth") & (presence["place_key"] == "Europaplein")]
    >>> int(youth["round_id"].nunique()) > 10
    True
    """
    rows = _covered_rows(observations, rounds, places, time_filter)
    return _largest_moment(rows, [s.ROUND_ID, PLACE_KEY, s.GROUP])


def get_everyone(observations: gpd.GeoDataFrame, rounds: gpd.GeoDataFrame,
                 places: gpd.GeoDataFrame | PlaceIndex, time_filter: TimeFilter | None = None,
                 ) -> pd.DataFrame:
    """One row per (round, place, hour): all people there, whatever their group.

    The same rules as `get_presence`, with the groups of one moment together: the groups'
    own largest moments may lie minutes apart, and added up they would count too many.

    Parameters
    ----------
    observations, rounds, places, time_filter
        As for `get_presence`.

    Returns
    -------
    pandas.DataFrame
        round_id, place_key, local_weekday, local_hour, local_date, count.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> everyone = get_everyone(layers["observations"], layers["rounds"], layers["places"])
    >>> "group" in everyone.columns
    False
    """
    rows = _covered_rows(observations, rounds, places, time_filter)
    return _largest_moment(rows, [s.ROUND_ID, PLACE_KEY])


_ROW_COLUMNS = [s.ROUND_ID, PLACE_KEY, s.GROUP, s.LOCAL_WEEKDAY, s.LOCAL_HOUR, s.LOCAL_DATE,
                s.COUNT, "moment"]


def _covered_rows(observations: gpd.GeoDataFrame, rounds: gpd.GeoDataFrame,
                  places: gpd.GeoDataFrame | PlaceIndex, time_filter: TimeFilter | None,
                  ) -> pd.DataFrame:
    """The selected observations in an hour their round covered, with round and place."""
    # Places are found on every observation, so a filter never moves a place.
    place_index = places if isinstance(places, PlaceIndex) else locate_places(observations,
                                                                                places)
    selected = select_timed(observations, time_filter or TimeFilter())
    if selected.empty:
        return pd.DataFrame(columns=_ROW_COLUMNS)
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
    return frame.merge(covered.drop_duplicates(), on=[s.ROUND_ID, s.LOCAL_DATE, s.LOCAL_HOUR])


def _largest_moment(frame: pd.DataFrame, series: list[str]) -> pd.DataFrame:
    """Rows of one series less than `SAME_MOMENT` apart add up to a moment; per series and
    clock hour the largest moment counts."""
    keys = [*series, s.LOCAL_WEEKDAY, s.LOCAL_HOUR, s.LOCAL_DATE]
    if frame.empty:
        return pd.DataFrame(columns=[*keys, s.COUNT])
    frame = frame.sort_values([*series, "moment"], kind="stable")
    same_series = (frame[series].shift() == frame[series]).all(axis=1)
    close = frame["moment"].diff() <= SAME_MOMENT
    moment_id = (~(same_series & close)).cumsum().rename("moment_id")
    moments = frame.groupby([*[frame[k] for k in keys], moment_id])[s.COUNT].sum()
    return moments.groupby(level=list(range(len(keys)))).max().reset_index()


def get_typical_week(presence: pd.DataFrame, effort: pd.DataFrame, *, group: str | None = None,
                     place: str | None = None) -> pd.DataFrame:
    """Share of covering rounds with the group (and/or at the place) per weekday x hour.
    NaN where no round covered the slot.

    Parameters
    ----------
    presence
        From `get_presence`.
    effort
        From `get_effort`, for the same selection.
    group, place
        Only this group, only this place; default all.

    Returns
    -------
    pandas.DataFrame
        7 x 24 shares from 0 to 1.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> week = get_typical_week(presence, get_effort(layers["rounds"]), group="youth",
    ...                         place="Europaplein")
    >>> bool(week.loc[4, 22] >= 0.6)  # Friday 22:00
    True
    """
    chosen = presence
    if group is not None:
        chosen = chosen[chosen[s.GROUP] == group]
    if place is not None:
        chosen = chosen[chosen[PLACE_KEY] == place]
    present = chosen.groupby([s.LOCAL_WEEKDAY, s.LOCAL_HOUR])[s.ROUND_ID].nunique().unstack()
    present = present.reindex(index=range(7), columns=range(24)).fillna(0)
    return present / effort


def _slot_table(presence: pd.DataFrame, effort: pd.DataFrame,
                slots: pd.DataFrame | None = None) -> pd.DataFrame:
    keys = [PLACE_KEY, s.GROUP, s.LOCAL_WEEKDAY, s.LOCAL_HOUR]
    table = presence.groupby(keys).agg(rounds_present=(s.ROUND_ID, "nunique"),
                                       dates=(s.LOCAL_DATE, "nunique")).reset_index()
    if slots is not None and PLACE_KEY in slots.columns:  # rounds looked at some places only
        on = [PLACE_KEY, s.LOCAL_WEEKDAY, s.LOCAL_HOUR]
        covering = slots.groupby(on)[s.ROUND_ID].nunique().rename("rounds_covering")
        table = table.merge(covering.reset_index(), on=on, how="left")
        table["share"] = table["rounds_present"] / table["rounds_covering"]
        return table
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
    return labels.format_weekdays(days, long=True, sentence=True)


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

    Parameters
    ----------
    presence
        From `get_presence`.
    slots
        The covered slots of the same selection (`get_covered_slots`, scoped per place by
        `scope_slots` when rounds have areas).
    settings
        The thresholds.
    locations
        Each place's (lat, lon), for the result.

    Returns
    -------
    list of Pattern
        Kinds "regular" and "always", highest share first.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> found = find_patterns(presence, slots)
    >>> [(p.weekdays, p.start_hour, p.end_hour) for p in found
    ...  if p.group == "youth" and p.place == "Europaplein"]
    [(['fri', 'sat'], 21, 23)]
    """
    if presence.empty:
        return []
    effort = get_effort_from_slots(slots)
    table = _slot_table(presence, effort, slots)
    strong = table[(table["share"] >= settings.min_share)
                   & (table["rounds_covering"] >= settings.min_rounds)]
    patterns = []
    for (place, group), strong_slots in strong.groupby([PLACE_KEY, s.GROUP]):
        eligible = int((get_effort_from_slots(_for_place(slots, place))
                        >= settings.min_rounds).sum().sum())
        if eligible >= ALWAYS_MIN_SLOTS and len(strong_slots) >= ALWAYS_SHARE * eligible \
                and strong_slots[s.LOCAL_WEEKDAY].nunique() >= 3:
            # There at (nearly) every hour the team looked: one line, not every hour walked.
            always = _measure_window(presence, slots, place, group, list(range(7)), 0, 0)
            if always.dates_seen >= settings.min_dates:
                where = place if place.startswith("bij ") else f"bij {place}"
                always.kind = "always"
                always.weekdays = sorted(strong_slots[s.LOCAL_WEEKDAY].map(
                    labels.WEEKDAY_CODES.__getitem__).unique(), key=labels.WEEKDAY_CODES.index)
                always.sentence = (f"{labels.GROUP_LABELS[group]} {where}: op vrijwel elk uur "
                                   f"dat we keken, meestal {always.typical_count} (gezien in "
                                   f"{always.rounds_present} van {always.rounds_covering} "
                                   "rondes).")
                always.lat, always.lon = (locations or {}).get(place, (None, None))
                patterns.append(always)
            continue
        found: dict[tuple[int, int], list[int]] = {}
        for day, start, end in _windows(strong_slots):
            found.setdefault((start, end), []).append(day)
        for (start, end), days in found.items():
            pattern = _measure_window(presence, slots, place, group, days, start, end)
            if pattern.dates_seen >= settings.min_dates and pattern.share >= settings.min_share:
                pattern.lat, pattern.lon = (locations or {}).get(place, (None, None))
                patterns.append(pattern)
    return sorted(patterns, key=lambda p: (-p.share, -p.dates_seen, p.place, p.group))


Z_ONE_SIDED_95 = 1.645
BUSIER_RATIO = 1.5  # "clearly above": at least half as busy again as its other hours...
BUSIER_LOW = 1.0  # ...and the ratio's 95% lower bound above 1
# A group strong in this share of all hours the team looked is "always there".
ALWAYS_SHARE = 0.75
ALWAYS_MIN_SLOTS = 12  # ...when the team looked at enough different hours to say so
# Only where the group is usually there anyway: elsewhere "regularly there" says it all.
BUSIER_BASELINE_SHARE = 0.5


def _wilson_low(successes: int, trials: int) -> float:
    """One-sided 95% lower bound of a share (Wilson score)."""
    if trials == 0:
        return 0.0
    z, share = Z_ONE_SIDED_95, successes / trials
    centre = share + z * z / (2 * trials)
    spread = z * np.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return float((centre - spread) / (1 + z * z / trials))


def _people_per_unit(presence: pd.DataFrame, slots: pd.DataFrame, place: str,
                     group: str) -> pd.DataFrame:
    """Every covered (round, date, hour) with the people of `group` at `place` in it (0 when
    none were seen): the units the rates are measured on."""
    keys = [s.ROUND_ID, s.LOCAL_DATE, s.LOCAL_HOUR]
    seen = presence[(presence[PLACE_KEY] == place) & (presence[s.GROUP] == group)]
    units = _for_place(slots, place).drop_duplicates(keys).merge(seen[[*keys, s.COUNT]],
                                                                 on=keys, how="left")
    units[s.COUNT] = units[s.COUNT].fillna(0).astype(float)
    return units


def _rate_ratio(inside: np.ndarray, outside: np.ndarray) -> tuple[float, float]:
    """Mean people per unit inside over outside, and a one-sided 95% lower bound (delta
    method on the log ratio; units are rounds, so a group seen together counts once)."""
    if len(inside) < 2 or len(outside) < 2:
        return float("nan"), float("nan")
    mean_in, mean_out = inside.mean(), outside.mean()
    if mean_in <= 0 or mean_out <= 0:
        return float("nan"), float("nan")
    variance = (inside.var(ddof=1) / (len(inside) * mean_in ** 2)
                + outside.var(ddof=1) / (len(outside) * mean_out ** 2))
    ratio = mean_in / mean_out
    return float(ratio), float(np.exp(np.log(ratio) - Z_ONE_SIDED_95 * np.sqrt(variance)))


def _number(value: float) -> str:
    """People per round in Dutch: '2,5', or '12' from ten up."""
    whole = value >= 10 or round(float(value), 1).is_integer()
    return labels.format_number(value, 0 if whole else 1)


def _times_word(ratio: float) -> str:
    words = {2: "twee", 3: "drie", 4: "vier", 5: "vijf"}
    rounded = round(ratio * 2) / 2
    if rounded < 2:
        return "ongeveer anderhalf keer zo druk"
    if rounded in words:
        return f"ongeveer {words[int(rounded)]} keer zo druk"
    return f"ongeveer {labels.format_number(rounded)} keer zo druk"


def find_busier_windows(presence: pd.DataFrame, slots: pd.DataFrame,
                        settings: PatternSettings = PatternSettings(),
                        locations: dict[str, tuple[float, float]] | None = None,
                        ) -> list[Pattern]:
    """Windows where a group's people per covering round at a place are clearly above that
    place's own level at the other hours observed: the peaks of a place where people always
    are, not every hour the team walked.

    Parameters
    ----------
    presence, slots, settings, locations
        As for `find_patterns`.

    Returns
    -------
    list of Pattern
        Kind "busier", with `rate_ratio` and its one-sided 95% lower bound above 1.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> all(p.rate_ratio_low > 1 for p in find_busier_windows(presence, slots))
    True
    """
    if presence.empty or slots.empty:
        return []
    found = []
    for (place, group), _ in presence.groupby([PLACE_KEY, s.GROUP]):
        units = _people_per_unit(presence, slots, place, group)
        by_slot = units.groupby([s.LOCAL_WEEKDAY, s.LOCAL_HOUR])[s.COUNT].agg(["sum", "size"])
        total, size = units[s.COUNT].sum(), len(units)
        other = (total - by_slot["sum"]) / (size - by_slot["size"]).replace(0, np.nan)
        here = by_slot["sum"] / by_slot["size"]
        candidates = by_slot[(here >= BUSIER_RATIO * other) & (other > 0)
                             & (by_slot["size"] >= settings.min_rounds)].reset_index()
        windows: dict[tuple[int, int], list[int]] = {}
        for day, start, end in _windows(candidates):
            windows.setdefault((start, end), []).append(day)
        for (start, end), days in windows.items():
            pattern = _measure_busier(presence, units, place, group, days, start, end)
            if pattern is not None and pattern.rounds_covering >= settings.min_rounds \
                    and pattern.dates_seen >= settings.min_dates:
                pattern.lat, pattern.lon = (locations or {}).get(place, (None, None))
                found.append(pattern)
    return found


def _measure_busier(presence: pd.DataFrame, units: pd.DataFrame, place: str, group: str,
                    days: list[int], start: int, end: int) -> Pattern | None:
    hours = _window_hours(start, end)
    inside = _in_window(units, days, hours)
    outside = units.loc[~inside, s.COUNT].to_numpy()
    if not len(outside) or (outside > 0).mean() < BUSIER_BASELINE_SHARE:
        return None
    ratio, low = _rate_ratio(units.loc[inside, s.COUNT].to_numpy(), outside)
    if not (ratio >= BUSIER_RATIO and low > BUSIER_LOW):
        return None
    in_window = units[inside]
    covering = int(in_window[s.ROUND_ID].nunique())
    present = int(in_window.loc[in_window[s.COUNT] > 0, s.ROUND_ID].nunique())
    per_round_in = in_window.groupby(s.ROUND_ID)[s.COUNT].max().mean()
    per_round_out = units[~inside].groupby(s.ROUND_ID)[s.COUNT].max().mean()
    dates = int(in_window.loc[in_window[s.COUNT] > 0, s.LOCAL_DATE].nunique())
    group_word = labels.GROUP_LABELS[group].lower()
    where = place if place.startswith("bij ") else f"bij {place}"
    sentence = (f"{_day_words(sorted(days))} {start}-{end % 24} uur: {_times_word(ratio)} met "
                f"{group_word} {where} als op de andere uren die we zagen (gemiddeld "
                f"{_number(per_round_in)} tegen {_number(per_round_out)} per ronde, "
                f"{covering} rondes).")
    return Pattern(
        group=group, place=place, weekdays=[labels.WEEKDAY_CODES[d] for d in sorted(days)],
        start_hour=start, end_hour=end, dates_seen=dates, rounds_covering=covering,
        rounds_present=present, share=round(present / covering, 3) if covering else 0.0,
        typical_count=_typical(in_window.groupby(s.ROUND_ID)[s.COUNT].max()),
        sentence=sentence, kind="busier", rate_ratio=round(ratio, 2),
        rate_ratio_low=round(low, 2))


def rank_patterns(patterns: list[Pattern], presence: pd.DataFrame) -> list[Pattern]:
    """Strongest first: how surely the group is there (the share's lower bound), times how
    many people it brings; a peak also by how surely it is busier. A busier window that
    repeats a regular one is said in the regular one's sentence instead.

    Parameters
    ----------
    patterns
        Regular, always and busier patterns together.
    presence
        From `get_presence`.

    Returns
    -------
    list of Pattern
        Each with its `score`, highest first.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> ranked = rank_patterns(find_patterns(presence, slots), presence)
    >>> [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)
    True
    """
    regular = {(p.place, p.group, tuple(p.weekdays), p.start_hour, p.end_hour): p
               for p in patterns if p.kind == "regular"}
    kept = []
    for pattern in patterns:
        key = (pattern.place, pattern.group, tuple(pattern.weekdays), pattern.start_hour,
               pattern.end_hour)
        if pattern.kind == "busier" and key in regular:
            twin = regular[key]
            twin.rate_ratio, twin.rate_ratio_low = pattern.rate_ratio, pattern.rate_ratio_low
            twin.sentence = twin.sentence[:-2] + (f"; {_times_word(pattern.rate_ratio)} als op "
                                                  "de andere uren die we zagen).")
            continue
        kept.append(pattern)
    for pattern in kept:
        low, high = (int(part) for part in (pattern.typical_count.split("-") * 2)[:2])
        people = np.log1p(pattern.share * (low + high) / 2)
        pattern.score = round(float(
            _wilson_low(pattern.rounds_present, pattern.rounds_covering) * people
            * min(pattern.rate_ratio_low or 1.0, 2.0) ** 0.5), 3)
    return sorted(kept, key=lambda p: (-p.score, p.place, p.group, p.start_hour))


def _window_hours(start: int, end: int) -> list[int]:
    return hours_between(start, end)


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
    scoped = _for_place(slots, place)
    covering_ids = set(scoped.loc[_in_window(scoped, days, hours), s.ROUND_ID])
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
class BusyHour:
    """One of the place-hours with the most people per covering round: a description of
    what the team saw, not a claim that it comes back (see `dates` and `recurs`)."""

    place: str
    weekday: str
    hour: int
    people_per_round: float
    rounds_covering: int
    dates: int
    largest_group: str
    recurs: bool  # covered by at least min_rounds rounds on at least min_dates dates
    sentence: str
    lat: float | None = None
    lon: float | None = None

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


BUSIEST_COUNT = 10


def find_busiest_hours(everyone: pd.DataFrame, presence: pd.DataFrame, slots: pd.DataFrame,
                       settings: PatternSettings = PatternSettings(),
                       locations: dict[str, tuple[float, float]] | None = None,
                       top: int = BUSIEST_COUNT) -> list[BusyHour]:
    """The place x weekday x hour with the most people (all groups) per covering round,
    busiest first. Named also when too few dates carry a pattern (a counting study that
    came once), and then said so: the busiest hours of a file are never silent.

    Parameters
    ----------
    everyone
        From `get_everyone`.
    presence
        From `get_presence`, for the same selection (for the largest group).
    slots, settings, locations
        As for `find_patterns`.
    top
        How many to name.

    Returns
    -------
    list of BusyHour
        Busiest first; `recurs` says whether enough rounds and dates carry it.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> everyone = get_everyone(layers["observations"], layers["rounds"], layers["places"])
    >>> busiest = find_busiest_hours(everyone, presence, slots, top=3)
    >>> len(busiest), busiest[0].people_per_round >= busiest[-1].people_per_round
    (3, True)
    """
    if everyone.empty or slots.empty:
        return []
    keys = [PLACE_KEY, s.LOCAL_WEEKDAY, s.LOCAL_HOUR]
    table = everyone.groupby(keys).agg(people=(s.COUNT, "sum"),
                                        dates=(s.LOCAL_DATE, "nunique")).reset_index()
    on = [s.LOCAL_WEEKDAY, s.LOCAL_HOUR]
    if PLACE_KEY in slots.columns:
        on = [PLACE_KEY, *on]
    covering = slots.groupby(on)[s.ROUND_ID].nunique().rename("rounds_covering").reset_index()
    table = table.merge(covering, on=on, how="inner")
    table["per_round"] = table["people"] / table["rounds_covering"]
    table = table.sort_values(["per_round", "rounds_covering", PLACE_KEY],
                              ascending=[False, False, True], kind="stable").head(top)
    by_group = presence.groupby([*keys, s.GROUP])[s.COUNT].sum()
    found = []
    for row in table.itertuples(index=False):
        place = getattr(row, PLACE_KEY)
        day, hour = int(getattr(row, s.LOCAL_WEEKDAY)), int(getattr(row, s.LOCAL_HOUR))
        largest = str(by_group.loc[(place, day, hour)].idxmax())
        recurs = row.rounds_covering >= settings.min_rounds and row.dates >= settings.min_dates
        where = place if place.startswith("bij ") else f"bij {place}"
        one_round = row.rounds_covering == 1
        evidence = (f"{row.rounds_covering} {'ronde' if one_round else 'rondes'}"
                    f" op {row.dates} {'datum' if row.dates == 1 else 'data'}")
        people = (f"{_number(row.per_round)} mensen" if one_round
                  else f"gemiddeld {_number(row.per_round)} mensen per ronde")
        caveat = "" if recurs else "; te weinig om te zeggen dat het terugkomt"
        lat, lon = (locations or {}).get(place, (None, None))
        found.append(BusyHour(
            place, labels.WEEKDAY_CODES[day], hour, round(float(row.per_round), 1),
            int(row.rounds_covering), int(row.dates), largest, bool(recurs),
            f"{_day_words([day])} {hour:02d}-{(hour + 1) % 24:02d} uur "
            f"{where}: {people}, de meesten "
            f"{labels.GROUP_LABELS[largest].lower()} ({evidence}{caveat}).", lat, lon))
    return found


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
    that covered the window.

    Parameters
    ----------
    presence, slots, settings, locations
        As for `find_patterns`.

    Returns
    -------
    list of PresenceGap
        With the rounds that covered the window, had youths, and had professionals.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> gaps = find_presence_gaps(presence, slots)
    >>> all(g.rounds_with_professionals <= 0.1 * g.rounds_covering for g in gaps)
    True
    """
    youth = find_patterns(presence[presence[s.GROUP] == YOUTH], slots, settings, locations)
    pros = presence[presence[s.GROUP] == s.PROFESSIONALS]
    gaps = []
    for pattern in youth:
        days = [labels.WEEKDAY_CODES.index(code) for code in pattern.weekdays]
        hours = _window_hours(pattern.start_hour, pattern.end_hour)
        scoped = _for_place(slots, pattern.place)
        covering = set(scoped.loc[_in_window(scoped, days, hours), s.ROUND_ID])
        seen = pros[(pros[PLACE_KEY] == pattern.place).to_numpy(dtype=bool)
                    & _in_window(pros, days, hours)]
        with_pros = len(set(seen[s.ROUND_ID]) & covering)
        if with_pros > settings.max_professional_share * len(covering):
            continue
        where = pattern.place if pattern.place.startswith("bij ") else f"bij {pattern.place}"
        pros_text = "geen professional gezien" if with_pros == 0 else (
            f"een professional in {with_pros} van {len(covering)}")
        when = "Op vrijwel elk uur dat we keken" if pattern.kind == "always" else (
            f"{_day_words(days)} {pattern.start_hour}-{pattern.end_hour % 24} uur")
        gaps.append(PresenceGap(
            pattern.place, pattern.weekdays, pattern.start_hour, pattern.end_hour,
            len(covering), pattern.rounds_present, with_pros,
            f"{when} {where}: jongeren in {pattern.rounds_present} van {len(covering)} rondes, "
            f"{pros_text}.", pattern.lat, pattern.lon))
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
    """Per place and slot the share of each group's people; flag dominance.

    Parameters
    ----------
    presence
        From `get_presence`.
    settings
        `claim_share` (the share that counts as having a place to itself) and `min_dates`.

    Returns
    -------
    list of Claim
        Places where one group has most of the people at some hours and others come at
        other hours.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> slots = get_covered_slots(layers["rounds"])
    >>> presence = get_presence(layers["observations"], layers["rounds"], layers["places"])
    >>> any(c.group == "youth" and c.place == "Europaplein" for c in find_claims(presence))
    True
    """
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
                f"{labels.GROUP_LABELS[group]} hebben {place} in {len(slots)} uur "
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
    places: PlaceIndex | None = None  # the place of every observation, as patterns found it
    busiest: list[BusyHour] = field(default_factory=list)  # most people per round, described

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
            "busiest": [x.to_dict() for x in self.busiest],
        }


NO_ROUNDS = ("Geen rondes in deze selectie: zonder rondes weet Buurtkaart niet wanneer er "
             "gekeken is, en dus ook niet wat terugkomt. Leg rondes vast (Invoer, Ronde "
             "starten), importeer ze, of leid ze af uit de waarnemingen (pagina Patronen, of "
             "python -m werkwijzer_geo patterns --rounds-from-observations 30).")


def describe_not_observed(effort: pd.DataFrame, time_filter: TimeFilter) -> list[str]:
    """Per weekday of the filter, the hours of the filter no round covered: 'vrijdag 00-08,
    12-13 uur'. Those hours are unknown, not quiet.

    Parameters
    ----------
    effort
        From `get_effort`.
    time_filter
        The filter whose hours and weekdays are asked about.

    Returns
    -------
    list of str
        One Dutch line per weekday with unobserved hours.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> describe_not_observed(get_effort(layers["rounds"]), TimeFilter.from_text(
    ...     hours="3-5", weekdays="tue"))
    ['dinsdag 03-05 uur']
    """
    lines = []
    for day in sorted(time_filter.weekdays):
        hours = [h for h in time_filter.hours.get_hours() if np.isnan(effort.loc[day, h])]
        if hours:
            runs = ", ".join(f"{a:02d}-{b:02d}" for a, b in _runs(hours))
            lines.append(f"{labels.WEEKDAY_LONG[day]} {runs} uur")
    return lines


def build_report(layers: dict[str, gpd.GeoDataFrame], time_filter: TimeFilter | None = None,
                 settings: PatternSettings = PatternSettings()) -> PatternReport:
    """Effort, presence and every finding for the workspace's layers under the filter.

    Parameters
    ----------
    layers
        The workspace's layers as `storage.read_layers` gives them (at least rounds,
        observations and places; hangouts when there are).
    time_filter
        Which hours, weekdays and dates count (default: everything).
    settings
        The thresholds for a pattern.

    Returns
    -------
    PatternReport
        Effort, patterns (strongest first), presence gaps, claims, the busiest hours and
        the hours nobody looked; `to_dict()` gives the JSON of docs/patterns-json.md.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> report = build_report(read_demo_layers(seed=3))
    >>> any(p.group == "youth" and p.place == "Europaplein" for p in report.patterns)
    True
    """
    time_filter = time_filter or TimeFilter()
    rounds, observations = layers[s.ROUNDS], layers[s.OBSERVATIONS]
    all_slots = get_covered_slots(rounds, time_filter)
    effort = get_effort_from_slots(all_slots)
    place_index = locate_places(observations, layers[s.PLACES], layers.get(s.HANGOUTS))
    slots = scope_slots(all_slots, get_place_coverage(rounds, place_index.locations))
    rows = _covered_rows(observations, rounds, place_index, time_filter)
    presence = _largest_moment(rows, [s.ROUND_ID, PLACE_KEY, s.GROUP])
    everyone = _largest_moment(rows, [s.ROUND_ID, PLACE_KEY])
    selected = select_timed(observations, time_filter)
    in_rounds = int(_attach_rounds(selected, rounds).notna().sum()) if len(selected) else 0
    covering = select_timed(get_round_slots(rounds), time_filter)[s.ROUND_ID].nunique()
    return PatternReport(
        settings, time_filter.to_text(), int(covering), in_rounds, len(selected) - in_rounds,
        rank_patterns(find_patterns(presence, slots, settings, place_index.locations)
                      + find_busier_windows(presence, slots, settings, place_index.locations),
                      presence),
        find_presence_gaps(presence, slots, settings, place_index.locations),
        find_claims(presence, settings), effort, presence,
        describe_not_observed(effort, time_filter), place_index,
        find_busiest_hours(everyone, presence, slots, settings,
                           place_index.locations))


def select_pattern_observations(observations: gpd.GeoDataFrame, pattern: Pattern,
                                places: PlaceIndex, *, within: pd.Index | None = None,
                                ) -> gpd.GeoDataFrame:
    """The observations behind a pattern: its group, place, weekdays and hours (after
    midnight with the evening before); `within` limits them to a selection's rows.

    Parameters
    ----------
    observations
        The whole observations layer.
    pattern
        A pattern of `places`' report.
    places
        The report's `PlaceIndex`, so places are the ones the pattern was found at.
    within
        Only these rows (a selection's index).

    Returns
    -------
    geopandas.GeoDataFrame
        Those observations, for the map.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> report = build_report(layers)
    >>> behind = select_pattern_observations(layers["observations"], report.patterns[0],
    ...                                      report.places)
    >>> set(behind["group"]) == {report.patterns[0].group}
    True
    """
    days = [labels.WEEKDAY_CODES.index(code) for code in pattern.weekdays]
    hours = _window_hours(pattern.start_hour, pattern.end_hour)
    names = places.names.reindex(observations.index)
    keep = ((observations[s.GROUP] == pattern.group) & (names == pattern.place)).to_numpy(
        dtype=bool) & _in_window(observations, days, hours)
    if within is not None:
        keep &= observations.index.isin(within)
    return observations[keep]
