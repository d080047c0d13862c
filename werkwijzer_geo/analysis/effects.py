"""Where litter and graffiti return, and whether an experiment or action changed anything."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import get_metric_crs, to_degrees, to_metric

from .aggregate import get_metric_xy

HOTSPOT_CELL_M = 50
HOTSPOT_MIN_SPOTS = 3  # a 50 m cell with at least this many reports is a hotspot
REPEAT_M = 25
REPEAT_DAYS = 28
EFFECT_MAX_DAYS = 42  # compare at most six weeks before with the period during
EFFECT_MIN_ROUNDS = 3
LESS, MORE = 0.75, 1.33  # relative change that counts as fewer / more


def find_hotspots(spots: gpd.GeoDataFrame, *, cell_m: float = HOTSPOT_CELL_M,
                  min_spots: int = HOTSPOT_MIN_SPOTS) -> pd.DataFrame:
    """Cells of `cell_m` metres (in the metric CRS) with at least `min_spots` reports, most
    first.

    Parameters
    ----------
    spots
        The spots layer (or a selection).
    cell_m
        The cell size in metres.
    min_spots
        The fewest reports a hotspot has.

    Returns
    -------
    pandas.DataFrame
        Columns: cell_x, cell_y (metric corner), lat, lon (cell centre), spots, open, one
        column per kind, and `repeats` (reports within 25 m and 28 days of an earlier one of
        the same kind).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> hotspots = find_hotspots(read_demo_layers(seed=3)["spots"])
    >>> counts = hotspots["spots"]
    >>> bool((counts >= HOTSPOT_MIN_SPOTS).all()), counts.is_monotonic_decreasing
    (True, True)
    """
    if spots.empty:
        return pd.DataFrame(columns=["cell_x", "cell_y", "lat", "lon", "spots", "open",
                                     "repeats"])
    x, y, crs = get_metric_xy(spots)
    frame = pd.DataFrame({"cell_x": np.floor(x / cell_m) * cell_m,
                          "cell_y": np.floor(y / cell_m) * cell_m,
                          s.KIND: spots[s.KIND].to_numpy(),
                          "open": spots[s.RESOLVED_AT].isna().to_numpy(),
                          "repeat": mark_repeats(spots).to_numpy()})
    cells = frame.groupby(["cell_x", "cell_y"]).agg(spots=(s.KIND, "size"), open=("open", "sum"),
                                                    repeats=("repeat", "sum"))
    kinds = frame.pivot_table(index=["cell_x", "cell_y"], columns=s.KIND, aggfunc="size",
                              fill_value=0)
    cells = cells.join(kinds).reset_index()
    cells = cells[cells["spots"] >= min_spots].sort_values("spots", ascending=False)
    lon, lat = to_degrees(cells["cell_x"].to_numpy() + cell_m / 2,
                          cells["cell_y"].to_numpy() + cell_m / 2, crs)
    cells.insert(2, "lat", np.round(lat, 5))
    cells.insert(3, "lon", np.round(lon, 5))
    return cells.reset_index(drop=True)


def mark_repeats(spots: gpd.GeoDataFrame) -> pd.Series:
    """Whether each report follows an earlier one of the same kind within 25 m and 28 days.

    Pairs within 25 m come from an STRtree query (`dwithin` in the metric CRS), so a year of
    reports takes milliseconds instead of a pass over every earlier report per report.

    Parameters
    ----------
    spots
        The spots layer (or a selection).

    Returns
    -------
    pandas.Series
        True for a repeat, with the spots' index.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> spots = read_demo_layers(seed=3)["spots"]
    >>> repeats = mark_repeats(spots)
    >>> repeats.index.equals(spots.index), bool(repeats.iloc[0])
    (True, False)
    """
    repeat = pd.Series(False, index=spots.index)
    if spots.empty:
        return repeat
    x, y, _ = get_metric_xy(spots)
    points = shapely.points(x, y)
    later, earlier = shapely.STRtree(points).query(points, predicate="dwithin",
                                                   distance=REPEAT_M)
    moments = spots[s.REPORTED_AT].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    kinds = spots[s.KIND].to_numpy()
    gap = moments[later] - moments[earlier]
    follows = ((gap > np.timedelta64(0, "ns")) & (gap <= np.timedelta64(REPEAT_DAYS, "D"))
               & (kinds[later] == kinds[earlier]))
    repeat.iloc[np.unique(later[follows])] = True
    return repeat


def summarise_resolution(spots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Per kind: reports, still open, resolved, median days to resolve.

    Parameters
    ----------
    spots
        The spots layer (or a selection).

    Returns
    -------
    pandas.DataFrame
        Indexed by kind: reports, open, resolved, median_days.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> summary = summarise_resolution(read_demo_layers(seed=3)["spots"])
    >>> bool((summary["reports"] == summary["open"] + summary["resolved"]).all())
    True
    """
    days = (spots[s.RESOLVED_AT] - spots[s.REPORTED_AT]).dt.total_seconds() / 86400
    frame = pd.DataFrame({s.KIND: spots[s.KIND], "open": spots[s.RESOLVED_AT].isna(),
                          "days": days})
    summary = frame.groupby(s.KIND).agg(reports=("open", "size"), open=("open", "sum"),
                                        median_days=("days", "median"))
    summary["resolved"] = summary["reports"] - summary["open"]
    summary["median_days"] = summary["median_days"].round(1)
    summary.index = [labels.SPOT_KIND_LABELS.get(k, k) for k in summary.index]
    return summary[["reports", "open", "resolved", "median_days"]]


def get_weekly_trend(spots: gpd.GeoDataFrame) -> pd.DataFrame:
    """Reports per week (rows: Monday of the week) and kind (columns).

    Parameters
    ----------
    spots
        The spots layer (or a selection).

    Returns
    -------
    pandas.DataFrame
        Counts, 0 where a week had none of a kind.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> trend = get_weekly_trend(read_demo_layers(seed=3)["spots"])
    >>> {day.weekday() for day in trend.index}
    {0}
    """
    if spots.empty:
        return pd.DataFrame()
    week = spots[s.LOCAL_DATE] - pd.to_timedelta(spots[s.LOCAL_DATE].dt.day_of_week, unit="D")
    trend = pd.crosstab(week, spots[s.KIND])
    full = pd.date_range(trend.index.min(), trend.index.max(), freq="7D")
    return trend.reindex(full, fill_value=0)


@dataclass
class GroupEffect:
    """Per group: people per covering round inside the radius and elsewhere, per period."""

    group: str
    inside_before: float
    inside_during: float
    outside_before: float
    outside_during: float
    relative_change: float | None
    verdict: str


@dataclass
class ExperimentEffect:
    """Before, during and after an experiment or action, around its spot."""

    experiment_id: int
    name: str
    radius_m: float
    before: tuple[str, str]
    during: tuple[str, str]
    after: tuple[str, str] | None
    rounds_before: int
    rounds_during: int
    rounds_after: int
    groups: list[GroupEffect]
    spots_inside_before_per_week: float
    spots_inside_during_per_week: float
    verdict: str

    def to_dict(self) -> dict:
        """JSON-ready."""
        return asdict(self)


def _per_round(people: pd.DataFrame, rounds_in_period: int) -> float:
    return round(float(people[s.COUNT].sum()) / rounds_in_period, 2) if rounds_in_period else 0.0


def _verdict_word(relative: float | None) -> str:
    if relative is None:
        return "te weinig om iets over te zeggen"
    if relative <= LESS:
        return "minder"
    if relative >= MORE:
        return "meer"
    return "ongeveer gelijk"


MIN_PEOPLE_PER_ROUND = 0.5  # below this inside the radius, a change is too small to judge


def _relative(inside_before: float, inside_during: float, outside_before: float,
              outside_during: float) -> float | None:
    if max(inside_before, inside_during) < MIN_PEOPLE_PER_ROUND:
        return None
    inside = (inside_during + 0.1) / (inside_before + 0.1)
    outside = (outside_during + 0.1) / (outside_before + 0.1)
    return round(inside / outside, 2)


def measure_experiment(experiment: pd.Series, observations: gpd.GeoDataFrame,
                       rounds: gpd.GeoDataFrame, spots: gpd.GeoDataFrame,
                       ) -> ExperimentEffect:
    """Compare before and during (and after) inside `radius_m` with the rest of the
    neighbourhood, normalised by the rounds in each period.

    Parameters
    ----------
    experiment
        One row of the experiments layer.
    observations, rounds, spots
        The workspace's layers.

    Returns
    -------
    ExperimentEffect
        Periods, rounds per period, per group people per round inside and elsewhere with a
        verdict, reports per week inside, and a Dutch sentence ("te weinig rondes om iets te
        zeggen" when fewer than EFFECT_MIN_ROUNDS fell before or during).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> effect = measure_experiment(layers["experiments"].iloc[0], layers["observations"],
    ...                             layers["rounds"], layers["spots"])
    >>> effect.rounds_before >= EFFECT_MIN_ROUNDS, effect.verdict.startswith(effect.name)
    (True, True)
    """
    start = pd.Timestamp(experiment[s.START_DATE])
    last_data = rounds[s.LOCAL_DATE].max() if len(rounds) else start
    first_data = rounds[s.LOCAL_DATE].min() if len(rounds) else start
    end = pd.Timestamp(experiment[s.END_DATE]) if pd.notna(experiment[s.END_DATE]) else last_data
    end = min(end, last_data) if pd.notna(last_data) else end
    length = min(max((end - start).days + 1, 1), EFFECT_MAX_DAYS)
    # Periods are clipped to the days the team was out at all (no data is no evidence).
    before = (max(start - pd.Timedelta(days=length), first_data), start - pd.Timedelta(days=1))
    during = (start, end)
    after_end = pd.Timestamp(experiment[s.END_DATE]) + pd.Timedelta(days=length) if pd.notna(
        experiment[s.END_DATE]) else None
    after = (pd.Timestamp(experiment[s.END_DATE]) + pd.Timedelta(days=1),
             min(after_end, last_data)) if after_end is not None else None
    if after is not None and after[0] > after[1]:
        after = None
    radius = float(experiment[s.RADIUS_M]) if pd.notna(experiment[s.RADIUS_M]) else float(
        s.DEFAULT_RADIUS_M)
    crs = get_metric_crs(observations)
    centre = gpd.GeoSeries([experiment.geometry], crs=s.STORAGE_CRS).to_crs(crs).iloc[0]

    def in_period(frame: pd.DataFrame, period) -> pd.DataFrame:
        if period is None:
            return frame.iloc[:0]
        return frame[(frame[s.LOCAL_DATE] >= period[0]) & (frame[s.LOCAL_DATE] <= period[1])]

    def inside(frame: gpd.GeoDataFrame) -> np.ndarray:
        if frame.empty:
            return np.zeros(0, dtype=bool)
        x, y, frame_crs = get_metric_xy(frame)
        if frame_crs != crs:  # never mix two CRSes in one distance
            x, y = to_metric(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), crs)
        return gpd.GeoSeries(gpd.points_from_xy(x, y), crs=crs).distance(
            centre).to_numpy() <= radius

    counts = {name: in_period(rounds, period)[s.ID].nunique()
              for name, period in (("before", before), ("during", during), ("after", after))}
    effects = []
    obs_before, obs_during = in_period(observations, before), in_period(observations, during)
    in_before, in_during = inside(obs_before), inside(obs_during)
    enough = counts["before"] >= EFFECT_MIN_ROUNDS and counts["during"] >= EFFECT_MIN_ROUNDS
    for group in s.GROUP_CODES:
        b_group = (obs_before[s.GROUP] == group).to_numpy()
        d_group = (obs_during[s.GROUP] == group).to_numpy()
        values = (_per_round(obs_before[b_group & in_before], counts["before"]),
                  _per_round(obs_during[d_group & in_during], counts["during"]),
                  _per_round(obs_before[b_group & ~in_before], counts["before"]),
                  _per_round(obs_during[d_group & ~in_during], counts["during"]))
        if values[0] == values[1] == 0:
            continue
        relative = _relative(*values) if enough else None
        verdict = _verdict_word(relative) if enough else "te weinig rondes"
        effects.append(GroupEffect(group, *values, relative, verdict))
    spots_before, spots_during = in_period(spots, before), in_period(spots, during)
    weeks_before = max((before[1] - before[0]).days + 1, 1) / 7
    weeks_during = max((during[1] - during[0]).days + 1, 1) / 7
    spot_values = (round(int(inside(spots_before).sum()) / weeks_before, 2),
                   round(int(inside(spots_during).sum()) / weeks_during, 2))
    verdict = _experiment_sentence(experiment[s.NAME], radius, effects, enough, spot_values)
    def shown(period):
        return None if period is None else (labels.format_date(period[0]),
                                            labels.format_date(period[1]))

    return ExperimentEffect(
        int(experiment[s.ID]), experiment[s.NAME], radius, shown(before), shown(during),
        shown(after), counts["before"], counts["during"], counts["after"], effects,
        *spot_values, verdict)


def _experiment_sentence(name: str, radius: float, effects: list[GroupEffect], enough: bool,
                         spot_values: tuple[float, float]) -> str:
    if not enough:
        return f"{name}: te weinig rondes om iets te zeggen."
    parts = []
    for effect in effects:
        if effect.verdict in ("minder", "meer"):
            inside_before, inside_during, outside_before, outside_during = (
                labels.format_number(value, 1) for value in (
                    effect.inside_before, effect.inside_during, effect.outside_before,
                    effect.outside_during))
            parts.append(
                f"{effect.verdict} {labels.GROUP_LABELS[effect.group].lower()} binnen "
                f"{radius:.0f} m dan elders (binnen {inside_before} → {inside_during} per "
                f"ronde, elders {outside_before} → {outside_during})")
    if not parts:
        parts.append(f"binnen {radius:.0f} m geen duidelijk verschil met de rest van de buurt")
    litter = (f"meldingen binnen {radius:.0f} m per week: "
              f"{labels.format_number(spot_values[0], 1)} → "
              f"{labels.format_number(spot_values[1], 1)}")
    return f"{name}: " + "; ".join(parts) + f"; {litter}."


def measure_experiments(experiments: gpd.GeoDataFrame, observations: gpd.GeoDataFrame,
                        rounds: gpd.GeoDataFrame, spots: gpd.GeoDataFrame,
                        ) -> list[ExperimentEffect]:
    """`measure_experiment` for each experiment or action that has started.

    Parameters
    ----------
    experiments
        The experiments layer (or a selection).
    observations, rounds, spots
        The workspace's layers.

    Returns
    -------
    list of ExperimentEffect
        One per experiment that started (planned ones are left out).

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> effects = measure_experiments(layers["experiments"], layers["observations"],
    ...                               layers["rounds"], layers["spots"])
    >>> len(effects) >= 1
    True
    """
    today = rounds[s.LOCAL_DATE].max() if len(rounds) else None
    return [measure_experiment(row, observations, rounds, spots)
            for _, row in experiments.iterrows()
            if today is not None and pd.Timestamp(row[s.START_DATE]) <= today]
