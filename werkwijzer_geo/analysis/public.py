"""What may be shown to residents: people aggregated to 50 m cells, small counts hidden,
no free text, no observers, no exact times. Presentation and public exports use only this."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import to_degrees
from werkwijzer_geo.timefilter import HourRange, TimeFilter

from .aggregate import aggregate_to_grid, get_metric_xy
from .selection import get_round_slots, select_layers
from .stories import THEME_LIST, join_themes, split_themes

PUBLIC_CELL_M = 50  # never finer than this
MIN_PUBLIC_COUNT = 5  # any group count below this in a cell is not shown
PUBLIC_LAYERS = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS, s.PLACES, s.BOUNDARY,
                 s.STORIES)


def keep_public_moments(observations: gpd.GeoDataFrame, *, cell_m: float = PUBLIC_CELL_M,
                        min_count: int = MIN_PUBLIC_COUNT) -> gpd.GeoDataFrame:
    """The observations of every moment that may be counted in public: a moment is one 50 m
    cell, one group, one local date and one clock hour, and it is kept only when it holds at
    least `min_count` people.

    Every public number (a scene, an hour of a played-back day, the week chart, an export) is
    a sum over whole moments: filters cut on dates, weekdays and whole hours, never inside
    one. So each public number is a sum of counts of `min_count` or more, and no difference
    of two of them can single out a smaller group.

    Parameters
    ----------
    observations
        The observations layer (or a selection of it).
    cell_m
        The public cell size in metres (in the metric CRS).
    min_count
        The fewest people a moment may show.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of those moments.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> observations = read_demo_layers(seed=3)["observations"]
    >>> 0 < len(keep_public_moments(observations)) < len(observations)
    True
    """
    if observations.empty:
        return observations
    x, y, _ = get_metric_xy(observations)
    moment = pd.DataFrame({
        "cell_x": np.floor(x / cell_m), "cell_y": np.floor(y / cell_m),
        s.GROUP: observations[s.GROUP].to_numpy(),
        s.LOCAL_DATE: observations[s.LOCAL_DATE].to_numpy(),
        s.LOCAL_HOUR: observations[s.LOCAL_HOUR].to_numpy(),
        s.COUNT: observations[s.COUNT].to_numpy(dtype=np.int64)})
    persons = moment.groupby(["cell_x", "cell_y", s.GROUP, s.LOCAL_DATE, s.LOCAL_HOUR],
                             sort=False)[s.COUNT].transform("sum")
    return observations[(persons >= min_count).to_numpy()]


def make_public_cells(observations: gpd.GeoDataFrame, *, cell_m: float = PUBLIC_CELL_M,
                      min_count: int = MIN_PUBLIC_COUNT) -> gpd.GeoDataFrame:
    """People per 50 m cell and group, counted only from moments of `min_count` or more
    people (see `keep_public_moments`), so no published number holds a hidden one and none
    can be found by subtracting shown numbers.

    Parameters
    ----------
    observations
        The observations layer (or a selection of it).
    cell_m, min_count
        See `keep_public_moments`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell and group: `group`, `persons` and the cell's square.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> cells = make_public_cells(read_demo_layers(seed=3)["observations"])
    >>> bool((cells["persons"] >= MIN_PUBLIC_COUNT).all())
    True
    """
    if cell_m < PUBLIC_CELL_M:
        raise ValueError(f"public cells are at least {PUBLIC_CELL_M} m")
    cells = aggregate_to_grid(keep_public_moments(observations, cell_m=cell_m,
                                                  min_count=min_count), cell_m=cell_m)
    # Every group has its column (zero where none was shown), so exports look alike.
    group_columns = [f"persons_{g}" for g in s.GROUP_CODES]
    for column in group_columns:
        cells[column] = cells[column].fillna(0).astype(int) if column in cells.columns else 0
    cells["persons"] = cells[group_columns].sum(axis=1) if len(cells) else 0
    cells = cells[cells["persons"] > 0].copy()
    if len(cells):
        cells["top_group"] = cells[group_columns].idxmax(axis=1).str.removeprefix("persons_")
    # What would let someone trace a visit: how many sightings, on how many days.
    cells = cells.drop(columns=["records", "dates"], errors="ignore")
    return cells.reset_index(drop=True)


def make_public_hangouts(hangouts: gpd.GeoDataFrame, *, cell_m: float = PUBLIC_CELL_M,
                         min_count: int = MIN_PUBLIC_COUNT) -> gpd.GeoDataFrame:
    """Hangouts as cells: group, days and hours, summed size; names and notes never shown (a
    name is typed by the team and may name a person), cells under `min_count` hidden.

    Parameters
    ----------
    hangouts
        The hangouts layer (or a selection).
    cell_m, min_count
        See `keep_public_moments`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per cell, group, days and hours, without `name` or `note`.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> public = make_public_hangouts(read_demo_layers(seed=3)["hangouts"])
    >>> "name" in public.columns or "note" in public.columns
    False
    """
    if hangouts.empty:
        return gpd.GeoDataFrame(columns=[s.GROUP, s.WEEKDAYS, s.START_HOUR, s.END_HOUR,
                                         s.SIZE], geometry=[], crs=s.STORAGE_CRS)
    centres = hangouts.copy()
    centres["geometry"] = hangouts.geometry.representative_point()
    x, y, crs = get_metric_xy(centres)
    frame = pd.DataFrame({
        "cell_x": np.floor(x / cell_m) * cell_m, "cell_y": np.floor(y / cell_m) * cell_m,
        s.GROUP: hangouts[s.GROUP].to_numpy(), s.WEEKDAYS: hangouts[s.WEEKDAYS].to_numpy(),
        s.START_HOUR: hangouts[s.START_HOUR].to_numpy(dtype=int),
        s.END_HOUR: hangouts[s.END_HOUR].to_numpy(dtype=int),
        s.SIZE: hangouts[s.SIZE].fillna(0).to_numpy(dtype=int)})
    keys = ["cell_x", "cell_y", s.GROUP, s.WEEKDAYS, s.START_HOUR, s.END_HOUR]
    cells = frame.groupby(keys, as_index=False)[s.SIZE].sum()
    cells = cells[cells[s.SIZE] >= min_count]
    lon, lat = to_degrees(cells["cell_x"].to_numpy() + cell_m / 2,
                          cells["cell_y"].to_numpy() + cell_m / 2, crs)
    return gpd.GeoDataFrame(cells.drop(columns=["cell_x", "cell_y"]).reset_index(drop=True),
                            geometry=gpd.points_from_xy(lon, lat), crs=s.STORAGE_CRS)


def make_public_spots(spots: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Litter and graffiti: kind, severity, the dates (no times) and whether still open.

    Parameters
    ----------
    spots
        The spots layer (or a selection).

    Returns
    -------
    geopandas.GeoDataFrame
        Without notes and without times of day.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> "note" in make_public_spots(read_demo_layers(seed=3)["spots"]).columns
    False
    """
    public = gpd.GeoDataFrame({
        s.KIND: spots[s.KIND].to_numpy(),
        s.SEVERITY: spots[s.SEVERITY].to_numpy(),
        "reported_on": spots[s.REPORTED_AT].dt.tz_localize(None).dt.normalize().to_numpy(),
        "is_open": spots[s.RESOLVED_AT].isna().to_numpy(),
    }, geometry=spots.geometry.to_numpy(), crs=s.STORAGE_CRS)
    return public


def make_public_experiments(experiments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Experiments and actions by name, kind, object, period and status; no goal, evaluation
    or owner text (free text, and an owner may be a person).

    Parameters
    ----------
    experiments
        The experiments layer (or a selection).

    Returns
    -------
    geopandas.GeoDataFrame
        Without `goal`, `evaluation` and `owner`.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> public = make_public_experiments(read_demo_layers(seed=3)["experiments"])
    >>> {"goal", "evaluation", "owner"} & set(public.columns)
    set()
    """
    keep = [s.ID, s.NAME, s.STEP, s.OBJECT, s.START_DATE, s.END_DATE, s.STATUS, s.RADIUS_M]
    return gpd.GeoDataFrame(experiments[keep].copy(), geometry=experiments.geometry.to_numpy(),
                            crs=s.STORAGE_CRS)


def make_public_places(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Places with their names and kinds, without notes.

    Parameters
    ----------
    places
        The places layer.

    Returns
    -------
    geopandas.GeoDataFrame
        `name`, `kind` and the outline.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> "Europaplein" in make_public_places(read_demo_layers(seed=3)["places"])["name"].tolist()
    True
    """
    return gpd.GeoDataFrame(places[[s.ID, s.NAME, s.KIND]].copy(),
                            geometry=places.geometry.to_numpy(), crs=s.STORAGE_CRS)


def keep_public_themes(stories: pd.DataFrame) -> pd.Series:
    """Each story's themes as residents may see them: the short list, and a team's own word
    only when it came up in `MIN_PUBLIC_COUNT` or more of these stories (a word typed once
    may be a name or a house; a word the team uses again and again is a theme).

    Parameters
    ----------
    stories
        The stories layer (or a selection); `themes` holds comma-separated themes.

    Returns
    -------
    pandas.Series
        Per story the themes kept, joined by ", " (None when none are left).

    Examples
    --------
    >>> stories = pd.DataFrame({"themes": ["overlast, familie de vries"] + ["parkeren"] * 5})
    >>> keep_public_themes(stories).tolist()[:2]
    ['overlast', 'parkeren']
    """
    told = stories[s.THEMES].map(split_themes)
    heard = told.explode().dropna().value_counts()
    shown = set(THEME_LIST) | set(heard[heard >= MIN_PUBLIC_COUNT].index)
    return told.map(lambda themes: join_themes([t for t in themes if t in shown]))


def count_story_themes(stories: pd.DataFrame) -> pd.Series:
    """Stories only as themes: how often each theme was heard (no text, no source, no date;
    a team's own word only as `keep_public_themes` allows).

    Parameters
    ----------
    stories
        The stories layer (or a selection); `themes` holds comma-separated themes.

    Returns
    -------
    pandas.Series
        Theme -> count, most heard first.

    Examples
    --------
    >>> import pandas as pd
    >>> count_story_themes(pd.DataFrame({"themes": ["veiligheid, afval", "zwerfvuil"]})
    ...                    ).to_dict()
    {'veiligheid': 1, 'zwerfvuil': 1}
    """
    themes = keep_public_themes(stories).map(split_themes).explode().dropna()
    return themes.value_counts()


def make_public_layers(layers: dict[str, gpd.GeoDataFrame], time_filter: TimeFilter,
                       ) -> dict[str, gpd.GeoDataFrame | pd.Series]:
    """The public selection of a workspace under a filter: everything a residents' evening or a
    public export may contain, and nothing else.

    Parameters
    ----------
    layers
        The workspace's layers.
    time_filter
        The scene's or export's hours, weekdays and dates.

    Returns
    -------
    dict
        "cells" (people per 50 m cell and group, from moments of 5 or more only), the
        places and outline, hangouts as cells, spots and experiments without notes, and
        "themes" (story themes with their counts); never a note, name or observer.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import HourRange, TimeFilter
    >>> public = make_public_layers(read_demo_layers(seed=3), TimeFilter())
    >>> bool((public["cells"]["persons"] >= MIN_PUBLIC_COUNT).all())
    True
    """
    selected = select_layers(layers, time_filter)
    return {
        "cells": make_public_cells(selected[s.OBSERVATIONS]),
        s.HANGOUTS: make_public_hangouts(selected[s.HANGOUTS]),
        s.SPOTS: make_public_spots(selected[s.SPOTS]),
        s.EXPERIMENTS: make_public_experiments(selected[s.EXPERIMENTS]),
        s.PLACES: make_public_places(layers[s.PLACES]),
        s.BOUNDARY: layers[s.BOUNDARY][[s.NAME, "geometry"]],
        "themes": count_story_themes(selected[s.STORIES]),
    }


def get_public_week(observations: gpd.GeoDataFrame, *, group: str | None = None,
                    ) -> pd.DataFrame:
    """People seen per weekday (rows, Monday first) and hour (columns), added up over the
    selection, from public moments only; NaN where nothing may be shown.

    Parameters
    ----------
    observations
        The observations layer (or a selection).
    group
        Only this group; default all.

    Returns
    -------
    pandas.DataFrame
        7 x 24.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> week = get_public_week(read_demo_layers(seed=3)["observations"], group="youth")
    >>> week.shape, bool(week.loc[4, 22] >= MIN_PUBLIC_COUNT)
    ((7, 24), True)
    """
    kept = keep_public_moments(observations)
    if group is not None:
        kept = kept[kept[s.GROUP] == group]
    week = kept.pivot_table(index=s.LOCAL_WEEKDAY, columns=s.LOCAL_HOUR, values=s.COUNT,
                            aggfunc="sum") if len(kept) else pd.DataFrame()
    week = week.reindex(index=range(7), columns=range(24)).astype(float)
    return week.where(week > 0)


DAYTIME = range(6, 18)


def describe_public_effort(rounds: gpd.GeoDataFrame) -> str:
    """When the team looked, only as coarse as residents may know it: how many rounds began
    in the daytime (06-18 uur) and how many in the evening or night.

    Parameters
    ----------
    rounds
        The rounds layer (or a selection).

    Returns
    -------
    str
        One Dutch sentence.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> describe_public_effort(read_demo_layers(seed=3)["rounds"])[:25]
    'Het buurtteam liep 80 ron'
    """
    if rounds.empty:
        return "Het buurtteam liep in deze periode geen rondes."
    daytime = int(rounds[s.LOCAL_HOUR].isin(DAYTIME).sum())
    evening = len(rounds) - daytime
    return (f"Het buurtteam liep {len(rounds)} rondes: {daytime} overdag (06-18 uur) en "
            f"{evening} 's avonds en 's nachts.")


def describe_public(public: dict) -> str:
    """A line for residents: how many people in the shown cells (hidden counts excluded).

    Parameters
    ----------
    public
        What `make_public_layers` returned.

    Returns
    -------
    str
        Dutch sentences, the count with thousands separated by points.

    Examples
    --------
    >>> import geopandas as gpd
    >>> describe_public({"cells": gpd.GeoDataFrame({"persons": [1200, 34]})})[:40]
    '1.234 mensen gezien in de getoonde vakke'
    """
    persons = int(public["cells"]["persons"].sum()) if len(public["cells"]) else 0
    shown = labels.format_number(persons)
    return (f"{shown} mensen gezien in de getoonde vakken van {PUBLIC_CELL_M} m (opgeteld). "
            f"Waar en wanneer minder dan {MIN_PUBLIC_COUNT} mensen van een groep samen waren, "
            "tellen we niet mee.")



def describe_public_experiments(experiments: pd.DataFrame) -> list[tuple[str, str]]:
    """What a room reads beside the map about each action: its name, and what kind, how far
    along and when; the running ones first, then the planned, then the rest.

    Parameters
    ----------
    experiments
        From `make_public_experiments` (no goal, evaluation or owner).

    Returns
    -------
    list of (str, str)
        (name, 'kind · status · period') per action, as plain text (escape it for HTML).

    Examples
    --------
    >>> import datetime as dt
    >>> frame = pd.DataFrame({"name": ["Koffie"], "step": ["action"], "status": ["running"],
    ...                       "start_date": [dt.date(2026, 9, 16)], "end_date": [None]})
    >>> describe_public_experiments(frame)
    [('Koffie', 'zichtbare actie · loopt · vanaf 16-09-2026')]
    """
    order = {"running": 0, "planned": 1}
    rows = sorted(experiments.to_dict("records"),
                  key=lambda row: (order.get(row[s.STATUS], 2), str(row[s.NAME])))
    lines = []
    for row in rows:
        parts = [labels.EXPERIMENT_STEP_LABELS.get(row[s.STEP], row[s.STEP]),
                 labels.EXPERIMENT_STATUS_LABELS.get(row[s.STATUS], row[s.STATUS]),
                 labels.format_period(row[s.START_DATE], row[s.END_DATE])]
        lines.append((str(row[s.NAME]), " · ".join(part for part in parts if part)))
    return lines


@dataclass
class PublicHour:
    """What residents may hear about one weekday and hour, per round the team walked."""

    weekday: int
    hour: int
    looked: bool  # whether any round covered this weekday and hour
    typical: dict[str, tuple[int, int]]  # group -> middle half of its people per round seen
    sentence: str


def describe_public_hour(observations: gpd.GeoDataFrame, rounds: gpd.GeoDataFrame,
                         weekday: int, hour: int) -> PublicHour:
    """One hour of a played-back day, honestly: "niet gekeken" when no round looked, else
    per group how many people a round saw (the middle half of the rounds that saw the
    group), "meestal" when that was at least half the rounds that looked, else "soms";
    counted from public moments only.

    Numbers are per round, not added up over weeks: a room reads "6-9 jongeren" as people
    there at once. Every round that looked counts, also those that saw nobody.

    Parameters
    ----------
    observations, rounds
        The workspace's layers.
    weekday, hour
        The moment of the week (0 = Monday; a clock hour).

    Returns
    -------
    PublicHour
        With a Dutch sentence for the room.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> friday_night = describe_public_hour(layers["observations"], layers["rounds"], 4, 22)
    >>> friday_night.looked, friday_night.typical["youth"][0] >= MIN_PUBLIC_COUNT
    (True, True)
    >>> friday_night.sentence.startswith("Per ronde: meestal ")
    True
    >>> describe_public_hour(layers["observations"], layers["rounds"], 1, 3).sentence
    'Op dit uur liep het buurtteam niet: niet gekeken.'
    """
    slots = get_round_slots(rounds)
    slots = slots[(slots[s.LOCAL_WEEKDAY] == weekday) & (slots[s.LOCAL_HOUR] == hour)]
    dates = sorted(set(pd.to_datetime(slots[s.LOCAL_DATE]).dt.normalize()))
    if not dates:
        return PublicHour(weekday, hour, False, {},
                          "Op dit uur liep het buurtteam niet: niet gekeken.")
    at_hour = select_layers({s.OBSERVATIONS: observations}, TimeFilter(
        hours=HourRange(hour, (hour + 1) % 24), weekdays=frozenset({weekday})))[s.OBSERVATIONS]
    public = keep_public_moments(at_hour)
    per_date = (public.assign(day=pd.to_datetime(public[s.LOCAL_DATE]).dt.normalize())
                .groupby([s.GROUP, "day"])[s.COUNT].sum())
    typical, often = {}, {}
    for group in s.GROUP_CODES:
        if group not in per_date.index.get_level_values(0):
            continue
        counts = per_date[group].astype(float)  # the rounds that saw this group in public
        low, high = (round(float(v)) for v in counts.quantile([0.25, 0.75]))
        typical[group] = (low, high)
        often[group] = len(counts) * 2 >= len(dates)  # in at least half the rounds
    if not typical:
        sentence = (f"Op dit uur zagen we nooit {MIN_PUBLIC_COUNT} of meer mensen van één "
                    "groep bij elkaar.")
    else:
        parts = []
        for group, (low, high) in sorted(typical.items(), key=lambda item: -item[1][1]):
            amount = low if low == high else f"{low}-{high}"
            word = labels.GROUP_LABELS[group].lower()
            parts.append(f"{'meestal' if often[group] else 'soms'} {amount} {word}")
        sentence = "Per ronde: " + ", ".join(parts) + "."
    return PublicHour(weekday, hour, True, typical, sentence)


def make_public_timeline(events: pd.DataFrame, stories: pd.DataFrame) -> pd.DataFrame:
    """The wallpaper roll for residents: per week (from Monday) the events by title and kind,
    and the themes heard in stories (as `keep_public_themes` allows). Never a story's words,
    who told it, or its day.

    Parameters
    ----------
    events
        The events layer (or a selection).
    stories
        The stories layer (or a selection).

    Returns
    -------
    pandas.DataFrame
        Columns `week` (the Monday, a Timestamp), `what` ("event" or "themes"), `title`
        (an event's title, or the week's themes joined by ", "), `kind` (an event's kind
        in Dutch, or "wat we hoorden"); by week, events first.

    Examples
    --------
    >>> events = pd.DataFrame({"date": pd.to_datetime(["2026-09-05"]), "title": ["Vuurwerk"],
    ...                        "kind": ["incident"]})
    >>> stories = pd.DataFrame({"date": pd.to_datetime(["2026-09-03", "2026-09-04"]),
    ...     "themes": ["overlast", "overlast, groen"], "text": ["geheim", "ook geheim"],
    ...     "source": ["resident", "youth"]})
    >>> make_public_timeline(events, stories)[["what", "title"]].values.tolist()
    [['event', 'Vuurwerk'], ['themes', 'overlast, groen']]
    """
    def monday(dates: pd.Series) -> pd.Series:
        days = pd.to_datetime(dates).dt.normalize()
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")

    happened = pd.DataFrame({
        "week": monday(events[s.DATE]), "what": "event",
        "title": events[s.TITLE].astype(str),
        "kind": events[s.KIND].map(labels.EVENT_KIND_LABELS).fillna("gebeurtenis")})
    heard = keep_public_themes(stories).groupby(monday(stories[s.DATE])).agg(
        join_themes).dropna()
    themes = pd.DataFrame({"week": heard.index, "what": "themes", "title": heard.to_numpy(),
                           "kind": "wat we hoorden"})
    table = pd.concat([happened, themes], ignore_index=True)  # "event" sorts before "themes"
    return table.sort_values(["week", "what"], kind="stable").reset_index(drop=True)


def describe_public_timeline(timeline: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    """The events beside the residents' timeline, numbered as its markers, in time order,
    with their week and kind (the themes go by month: `describe_public_themes`).

    Parameters
    ----------
    timeline
        From `make_public_timeline`.

    Returns
    -------
    list of tuple
        (number, the week's Monday as "dd-mm", kind, title).

    Examples
    --------
    >>> table = pd.DataFrame({"week": pd.to_datetime(["2026-08-31", "2026-08-31"]),
    ...     "what": ["event", "themes"], "title": ["Vuurwerk", "overlast"],
    ...     "kind": ["incident", "wat we hoorden"]})
    >>> describe_public_timeline(table)
    [(1, '31-08', 'incident', 'Vuurwerk')]
    """
    events = timeline[timeline["what"] == "event"]
    return [(number, f"{pd.Timestamp(week):%d-%m}", kind, title) for number, (week, kind, title)
            in enumerate(zip(events["week"], events["kind"], events["title"], strict=True),
                         start=1)]


def describe_public_themes(timeline: pd.DataFrame, *, top: int = 5) -> list[tuple[str, str]]:
    """The themes heard, per month: the `top` heard in most weeks, most first. A week
    belongs to the month of its Thursday, as ISO weeks do (31-08 to 06-09 is September).

    Parameters
    ----------
    timeline
        From `make_public_timeline`.
    top
        How many themes per month.

    Returns
    -------
    list of tuple
        ("september 2026", "jongeren, ontmoeting, overlast"), in time order.

    Examples
    --------
    >>> table = pd.DataFrame({"week": pd.to_datetime(["2026-08-31", "2026-09-07"]),
    ...     "what": ["themes", "themes"], "title": ["groen", "overlast, groen"],
    ...     "kind": ["wat we hoorden"] * 2})
    >>> describe_public_themes(table)
    [('september 2026', 'groen, overlast')]
    """
    heard = timeline[timeline["what"] == "themes"]
    if heard.empty:
        return []
    thursdays = pd.to_datetime(heard["week"]) + pd.Timedelta(days=3)
    themes = heard["title"].map(split_themes).set_axis(thursdays.dt.to_period("M")).explode()
    lines = []
    for month, words in themes.groupby(level=0, sort=True):
        ordered = words.value_counts(sort=True).index[:top]  # ties keep the order heard
        lines.append((f"{labels.MONTH_NAMES[month.month - 1]} {month.year}", ", ".join(ordered)))
    return lines
