"""The stories a team heard (step 2), as themes: how often each came up, per month and per
place. For the team; residents see only `public.count_story_themes`."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.metric import get_metric_crs, to_metric

# The short list a team picks from first; any other word is kept as a free tag.
THEME_LIST = ("veiligheid", "ontmoeting", "jongeren", "zwerfvuil", "overlast",
              "voorzieningen", "verlichting", "verkeer", "groen")
PLACE_RADIUS_M = 150.0
ELSEWHERE = "elders"
NO_PLACE = "zonder plek"


def split_themes(value: object) -> list[str]:
    """The themes in one story's `themes` text: split on commas or semicolons, trimmed,
    lower case, each once, in the order told.

    Parameters
    ----------
    value
        The stored text (or None).

    Returns
    -------
    list of str
        The themes.

    Examples
    --------
    >>> split_themes(" Overlast; geluid,overlast ")
    ['overlast', 'geluid']
    >>> split_themes(None)
    []
    """
    if not isinstance(value, str):
        return []
    seen: list[str] = []
    for part in re.split(r"[;,]", value):
        theme = " ".join(part.split()).casefold()
        if theme and theme not in seen:
            seen.append(theme)
    return seen


def join_themes(themes) -> str | None:
    """Chosen and typed themes as the stored text: trimmed, lower case, each once, joined
    by ", "; None when there are none.

    Parameters
    ----------
    themes
        Words from the short list or typed (each may hold several, split on , or ;).

    Returns
    -------
    str or None
        The `themes` text.

    Examples
    --------
    >>> join_themes(["overlast", " Parkeren ", "overlast; geluid"])
    'overlast, parkeren, geluid'
    >>> join_themes([]) is None, join_themes([None, "groen"])
    (True, 'groen')
    """
    words = [theme for theme in (() if themes is None else themes) if isinstance(theme, str)]
    joined = split_themes(",".join(words))
    return ", ".join(joined) or None


def _long(stories: pd.DataFrame) -> pd.DataFrame:
    """One row per (story, theme)."""
    rows = [(index, theme) for index, value in stories[s.THEMES].items()
            for theme in split_themes(value)]
    return pd.DataFrame(rows, columns=["story", "theme"])


def _ordered_themes(counts: pd.Series) -> list[str]:
    """The short list first (as often as heard), then free tags, most heard first."""
    listed = [theme for theme in THEME_LIST if theme in counts.index]
    listed.sort(key=lambda theme: -counts[theme])
    free = counts.drop(listed).sort_values(ascending=False, kind="stable").index.tolist()
    return listed + free


def count_themes_per_month(stories: pd.DataFrame) -> pd.DataFrame:
    """How often each theme came up, per calendar month of the story's date.

    Parameters
    ----------
    stories
        The stories layer (or a selection): `date` and `themes`.

    Returns
    -------
    pandas.DataFrame
        One row per theme (short list first), one column per month ("09-2026"), a
        "totaal" column; counts of stories.

    Examples
    --------
    >>> stories = pd.DataFrame({"date": pd.to_datetime(["2026-09-03", "2026-09-20",
    ...                                                  "2026-10-01"]),
    ...                         "themes": ["overlast, geluid", "overlast", "zwerfvuil"]})
    >>> count_themes_per_month(stories).to_dict("index")["overlast"]
    {'09-2026': 2, '10-2026': 0, 'totaal': 2}
    """
    long = _long(stories)
    if long.empty:
        return pd.DataFrame(columns=["totaal"])
    dates = pd.to_datetime(stories[s.DATE]).loc[long["story"]].to_numpy()
    long["month"] = pd.PeriodIndex(dates, freq="M")
    table = pd.crosstab(long["theme"], long["month"])
    table.columns = [f"{period.month:02d}-{period.year}" for period in table.columns]
    table["totaal"] = table.sum(axis=1)
    return table.loc[_ordered_themes(table["totaal"])].rename_axis(index=None)


def count_themes_per_place(stories: gpd.GeoDataFrame, places: gpd.GeoDataFrame, *,
                           radius_m: float = PLACE_RADIUS_M) -> pd.DataFrame:
    """How often each theme came up per place: a story belongs to the nearest place within
    `radius_m` of its point, else to "elders"; a story without a point to "zonder plek".

    Parameters
    ----------
    stories
        The stories layer (or a selection).
    places
        The places layer (named areas).
    radius_m
        How far from a place's edge a story still belongs to it.

    Returns
    -------
    pandas.DataFrame
        One row per theme (short list first), one column per place (most stories first),
        then "elders" and "zonder plek" where they occur, and "totaal".

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> places = gpd.GeoDataFrame({"name": ["Plein"]}, geometry=[box(4.676, 52.492,
    ...                           4.678, 52.494)], crs="EPSG:4326")
    >>> stories = gpd.GeoDataFrame({"themes": ["overlast", "overlast", "groen"]},
    ...     geometry=[Point(4.677, 52.493), Point(4.70, 52.50), None], crs="EPSG:4326")
    >>> count_themes_per_place(stories, places).to_dict("index")["overlast"]
    {'Plein': 1, 'elders': 1, 'zonder plek': 0, 'totaal': 2}
    """
    long = _long(stories)
    if long.empty:
        return pd.DataFrame(columns=["totaal"])
    where = _nearest_place(stories, places, radius_m)
    long["place"] = where.loc[long["story"]].to_numpy()
    table = pd.crosstab(long["theme"], long["place"])
    named = [p for p in table.sum().sort_values(ascending=False, kind="stable").index
             if p not in (ELSEWHERE, NO_PLACE)]
    table = table[named + [p for p in (ELSEWHERE, NO_PLACE) if p in table.columns]]
    table["totaal"] = table.sum(axis=1)
    table.columns.name = None
    return table.loc[_ordered_themes(table["totaal"])].rename_axis(index=None)


def _nearest_place(stories: gpd.GeoDataFrame, places: gpd.GeoDataFrame,
                   radius_m: float) -> pd.Series:
    result = pd.Series(NO_PLACE, index=stories.index, dtype=object)
    located = stories.geometry.notna() & ~stories.geometry.is_empty
    if not located.any():
        return result
    result[located] = ELSEWHERE
    named = places[places.geometry.notna()] if len(places) else places
    if named.empty:
        return result
    crs = get_metric_crs(named)
    points = stories[located]
    x, y = to_metric(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(), crs)
    metric_points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=crs)
    areas = named.to_crs(crs).geometry.reset_index(drop=True)
    distances = np.column_stack([metric_points.distance(area).to_numpy() for area in areas])
    nearest = distances.argmin(axis=1)
    close = distances[np.arange(len(points)), nearest] <= radius_m
    names = named[s.NAME].astype(str).to_numpy()
    result.loc[points.index[close]] = names[nearest[close]]
    return result


def describe_theme_counts(table: pd.DataFrame, *, top: int = 3) -> str:
    """One Dutch sentence over a `count_themes_per_month` table: the most heard themes.

    Parameters
    ----------
    table
        From `count_themes_per_month` or `count_themes_per_place`.
    top
        How many themes to name.

    Returns
    -------
    str
        Such as "Het vaakst gehoord: overlast (4 verhalen), zwerfvuil (2 verhalen)."

    Examples
    --------
    >>> table = pd.DataFrame({"totaal": [4, 1]}, index=["overlast", "groen"])
    >>> describe_theme_counts(table)
    'Het vaakst gehoord: overlast (4 verhalen), groen (1 verhaal).'
    >>> describe_theme_counts(pd.DataFrame(columns=["totaal"]))
    "Nog geen verhalen met thema's."
    """
    if table.empty:
        return "Nog geen verhalen met thema's."
    heard = table["totaal"].sort_values(ascending=False, kind="stable").head(top)
    parts = [f"{theme} ({labels.format_count(int(n), 'verhaal', 'verhalen')})"
             for theme, n in heard.items()]
    return "Het vaakst gehoord: " + ", ".join(parts) + "."
