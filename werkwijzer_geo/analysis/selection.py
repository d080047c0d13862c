"""Apply the shared time filter to each layer, each in the way that fits what it holds."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.timefilter import TimeFilter, hours_between, parse_weekdays


def get_round_slots(rounds: pd.DataFrame) -> pd.DataFrame:
    """One row per round and local clock hour it covered (at least 15 minutes of it).

    Parameters
    ----------
    rounds
        The rounds layer (a running round, without an end, counts one hour).

    Returns
    -------
    pandas.DataFrame
        Columns: round id, local_date (of that hour), local_weekday, local_hour.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> slots = get_round_slots(read_demo_layers(seed=3)["rounds"])
    >>> sorted(slots.columns)
    ['local_date', 'local_hour', 'local_weekday', 'round_id']
    """
    if rounds.empty:
        return pd.DataFrame({s.ROUND_ID: pd.Series([], dtype="Int64"),
                             s.LOCAL_DATE: pd.Series([], dtype="datetime64[ms]"),
                             s.LOCAL_WEEKDAY: pd.Series([], dtype="Int64"),
                             s.LOCAL_HOUR: pd.Series([], dtype="Int64")})
    # Naive UTC for arithmetic; local time is taken per slot, so DST changes are right.
    start = rounds[s.STARTED_AT].dt.tz_convert("UTC").dt.tz_localize(None)
    end = rounds[s.ENDED_AT].dt.tz_convert("UTC").dt.tz_localize(None)
    end = end.fillna(start + pd.Timedelta(hours=1))  # a running round: its first hour so far
    tz = rounds[s.STARTED_AT].dt.tz
    first = start.dt.floor("h")
    hours = ((end - first) / pd.Timedelta(hours=1)).apply(np.ceil).astype(int).clip(lower=1)
    repeat = np.repeat(np.arange(len(rounds)), hours.to_numpy())
    step = np.concatenate([np.arange(n) for n in hours.to_numpy()])
    slot_start = first.to_numpy()[repeat] + step * np.timedelta64(1, "h")
    slot_end = slot_start + np.timedelta64(1, "h")
    covered = (np.minimum(slot_end, end.to_numpy()[repeat])
               - np.maximum(slot_start, start.to_numpy()[repeat]))
    keep = covered >= np.timedelta64(15, "m")
    local = pd.Series(slot_start[keep]).dt.tz_localize("UTC").dt.tz_convert(tz)
    return pd.DataFrame({
        s.ROUND_ID: rounds[s.ID].to_numpy()[repeat][keep],
        s.LOCAL_DATE: local.dt.tz_localize(None).dt.normalize().to_numpy(),
        s.LOCAL_WEEKDAY: local.dt.day_of_week.to_numpy(),
        s.LOCAL_HOUR: local.dt.hour.to_numpy(),
    })


def select_timed(frame: pd.DataFrame, time_filter: TimeFilter) -> pd.DataFrame:
    """Rows whose local moment (hour, weekday, date) passes the filter.

    Parameters
    ----------
    frame
        A table with `local_hour`, `local_weekday` and `local_date`.
    time_filter
        The filter.

    Returns
    -------
    pandas.DataFrame
        The rows that pass (same type as `frame`).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> observations = read_demo_layers(seed=3)["observations"]
    >>> friday = select_timed(observations, TimeFilter.from_text(weekdays="fri"))
    >>> friday["local_weekday"].unique().tolist()
    [4]
    """
    if time_filter.is_everything() or frame.empty:
        return frame
    keep = time_filter.matches(frame[s.LOCAL_HOUR].to_numpy(dtype=int),
                               frame[s.LOCAL_WEEKDAY].to_numpy(dtype=int),
                               frame[s.LOCAL_DATE])
    return frame[keep]


def select_rounds(rounds: gpd.GeoDataFrame, time_filter: TimeFilter) -> gpd.GeoDataFrame:
    """Rounds that covered at least one hour the filter lets through.

    Parameters
    ----------
    rounds
        The rounds layer.
    time_filter
        The filter.

    Returns
    -------
    geopandas.GeoDataFrame
        Those rounds.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> rounds = read_demo_layers(seed=3)["rounds"]
    >>> 0 < len(select_rounds(rounds, TimeFilter.from_text(hours="21-2"))) < len(rounds)
    True
    """
    if time_filter.is_everything() or rounds.empty:
        return rounds
    slots = select_timed(get_round_slots(rounds), time_filter)
    return rounds[rounds[s.ID].isin(slots[s.ROUND_ID])]


def select_spots(spots: gpd.GeoDataFrame, time_filter: TimeFilter) -> gpd.GeoDataFrame:
    """Spots that were open at some moment of the date range (hours and days do not apply:
    litter found in the morning was dropped at some other hour).

    Parameters
    ----------
    spots
        The spots layer.
    time_filter
        The filter; only its dates count.

    Returns
    -------
    geopandas.GeoDataFrame
        Spots reported before the range ended and not resolved before it began.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> spots = read_demo_layers(seed=3)["spots"]
    >>> len(select_spots(spots, TimeFilter.from_text(hours="3-4"))) == len(spots)
    True
    """
    keep = np.ones(len(spots), dtype=bool)
    if time_filter.date_to is not None:
        keep &= (spots[s.LOCAL_DATE] <= pd.Timestamp(time_filter.date_to)).to_numpy(dtype=bool)
    if time_filter.date_from is not None:
        resolved = spots[s.RESOLVED_AT].dt.tz_localize(None).dt.normalize()
        still_open = resolved.isna() | (resolved >= pd.Timestamp(time_filter.date_from))
        keep &= still_open.to_numpy(dtype=bool)
    return spots[keep]


def _dates_overlap(first: pd.Series, last: pd.Series, time_filter: TimeFilter) -> np.ndarray:
    keep = np.ones(len(first), dtype=bool)
    if time_filter.date_to is not None:
        keep &= (first.isna() | (first <= pd.Timestamp(time_filter.date_to))).to_numpy(dtype=bool)
    if time_filter.date_from is not None:
        keep &= (last.isna() | (last >= pd.Timestamp(time_filter.date_from))).to_numpy(dtype=bool)
    return keep


def select_hangouts(hangouts: gpd.GeoDataFrame, time_filter: TimeFilter) -> gpd.GeoDataFrame:
    """Hangouts in use on a chosen weekday, in a chosen hour, within the date range.

    Parameters
    ----------
    hangouts
        The hangouts layer (weekdays, start and end hour, since and until).
    time_filter
        The filter.

    Returns
    -------
    geopandas.GeoDataFrame
        Those hangouts.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> hangouts = read_demo_layers(seed=3)["hangouts"]
    >>> len(select_hangouts(hangouts, TimeFilter.from_text(hours="3-4", weekdays="tue")))
    0
    """
    keep = _dates_overlap(hangouts[s.SINCE], hangouts[s.UNTIL], time_filter)
    wanted_hours = set(time_filter.hours.get_hours())
    for position, row in enumerate(hangouts.itertuples(index=False)):
        if not keep[position]:
            continue
        days = parse_weekdays(getattr(row, s.WEEKDAYS))
        start, end = int(getattr(row, s.START_HOUR)), int(getattr(row, s.END_HOUR))
        hours = set(_hour_window(start, end))
        # A window past midnight belongs to the evening it started on.
        keep[position] = bool(days & time_filter.weekdays) and bool(hours & wanted_hours)
    return hangouts[keep]


def _hour_window(start: int, end: int) -> list[int]:
    return hours_between(start, end)


def select_dated(frame: gpd.GeoDataFrame, time_filter: TimeFilter) -> gpd.GeoDataFrame:
    """Events and stories within the date range.

    Parameters
    ----------
    frame
        The events or stories layer (a `date` column).
    time_filter
        The filter; only its dates count.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows dated within the range.

    Examples
    --------
    >>> import datetime as dt
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> events = read_demo_layers(seed=3)["events"]
    >>> len(select_dated(events, TimeFilter(date_to=dt.date(1999, 1, 1))))
    0
    """
    return frame[time_filter.dates_match(frame[s.DATE])]


def select_experiments(experiments: gpd.GeoDataFrame, time_filter: TimeFilter,
                       ) -> gpd.GeoDataFrame:
    """Experiments and actions that ran (or are planned) during the date range.

    Parameters
    ----------
    experiments
        The experiments layer.
    time_filter
        The filter; only its dates count.

    Returns
    -------
    geopandas.GeoDataFrame
        Those whose start and end (open-ended when empty) overlap the range.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> experiments = read_demo_layers(seed=3)["experiments"]
    >>> len(select_experiments(experiments, TimeFilter())) == len(experiments)
    True
    """
    return experiments[_dates_overlap(experiments[s.START_DATE], experiments[s.END_DATE],
                                      time_filter)]


def select_layers(layers: Mapping[str, gpd.GeoDataFrame], time_filter: TimeFilter,
                  ) -> dict[str, gpd.GeoDataFrame]:
    """Every layer through the time filter; outline and places are always kept.

    Parameters
    ----------
    layers
        Layers as `storage.read_layers` gives them (with local hour, weekday and date).
    time_filter
        Hours, weekdays and dates to keep.

    Returns
    -------
    dict
        The same layer names, each with only its rows in the filter.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> evening = select_layers(layers, TimeFilter.from_text(hours="21-2"))
    >>> set(evening["observations"]["local_hour"]) <= {21, 22, 23, 0, 1}
    True
    """
    selectors = {
        s.OBSERVATIONS: select_timed,
        s.ROUNDS: select_rounds,
        s.SPOTS: select_spots,
        s.HANGOUTS: select_hangouts,
        s.EXPERIMENTS: select_experiments,
        s.EVENTS: select_dated,
        s.STORIES: select_dated,
    }
    return {
        name: selectors[name](frame, time_filter) if name in selectors else frame
        for name, frame in layers.items()
    }


def get_data_period(layers: Mapping[str, gpd.GeoDataFrame],
                    ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last local date of anything dated that happened (rounds, observations,
    spots, events, stories); None for an empty workspace. Experiments and hangouts are
    periods and may lie in the future, so they do not stretch it.

    Parameters
    ----------
    layers
        The workspace's layers.

    Returns
    -------
    tuple of pandas.Timestamp or None
        (first, last) local dates.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> first, last = get_data_period(read_demo_layers(seed=3))
    >>> str(first.date()), str(last.date())
    ('2026-08-31', '2026-11-21')
    """
    dates = []
    for name, column in ((s.OBSERVATIONS, s.LOCAL_DATE), (s.ROUNDS, s.LOCAL_DATE),
                         (s.SPOTS, s.LOCAL_DATE), (s.EVENTS, s.DATE), (s.STORIES, s.DATE)):
        if name in layers and not layers[name].empty:
            dates.append(layers[name][column])
    if not dates:
        return None
    joined = pd.concat(dates)
    return joined.min(), joined.max()


def describe_selection(selected: Mapping[str, gpd.GeoDataFrame], *,
                       observation_totals: tuple[int, int] | None = None) -> str:
    """The line of counts under the map: '312 waarnemingen (1.204 personen), 41 rondes ...'.

    Parameters
    ----------
    selected
        Layers after `select_layers`.
    observation_totals
        (observations, people) when the observations were counted without selecting their
        rows (`cube.ObservationCube.count`).

    Returns
    -------
    str
        Counts in Dutch, with thousands separated by points.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> describe_selection(read_demo_layers(seed=3)).split(",")[0].endswith("personen)")
    True
    """
    observations = selected.get(s.OBSERVATIONS)
    rounds = selected.get(s.ROUNDS)
    parts = []
    if observation_totals is None and observations is not None:
        observation_totals = (len(observations), int(observations[s.COUNT].sum())
                              if len(observations) else 0)
    if observation_totals is not None:
        records, persons = observation_totals
        parts.append(labels.format_count(records, "waarneming", "waarnemingen")
                     + f" ({labels.format_count(persons, 'persoon', 'personen')})")
    if rounds is not None:
        parts.append(labels.format_count(len(rounds), "ronde", "rondes"))
    spots = selected.get(s.SPOTS)
    if spots is not None:
        open_spots = int(spots[s.RESOLVED_AT].isna().sum())
        parts.append(labels.format_count(len(spots), "melding", "meldingen")
                     + f" ({open_spots} open)")
    return ", ".join(parts) + " in deze selectie"
