"""Plotly charts for the Patronen page: week heat tables and trends, with Dutch labels."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s

UNKNOWN_COLOUR = "#d9d9d9"


def plot_week_heatmap(table: pd.DataFrame, *, title: str, value_label: str,
                      percent: bool = False, missing_text: str = "niet gekeken",
                      large: bool = False) -> go.Figure:
    """A 7 x 24 table as a heat map; NaN cells (nobody looked) are grey and say so.

    Parameters
    ----------
    table
        Weekdays (rows, Monday first) by hours (columns 0-23).
    title, value_label
        Dutch title and the colour bar's label.
    percent
        Show shares (0-1) as percentages.
    missing_text
        What a grey cell says when hovered.
    large
        Type for a projector: at least 18 px.

    Returns
    -------
    plotly.graph_objects.Figure
        Weekdays in Dutch, hours 0-23.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> table = pd.DataFrame(np.nan, index=range(7), columns=range(24))
    >>> table.loc[4, 22] = 9
    >>> figure = plot_week_heatmap(table, title="Rondes", value_label="rondes")
    >>> list(figure.data[0].y)[:2]
    ['maandag', 'dinsdag']
    """
    values = table.to_numpy(dtype=float)
    shown = np.where(np.isnan(values), None, np.round(values * 100 if percent else values, 0))
    text = [[missing_text if v is None else (f"{v:.0f}%" if percent else f"{v:.0f}")
             for v in row] for row in shown]
    figure = go.Figure(go.Heatmap(
        z=shown, x=[f"{h:02d}" for h in table.columns], y=list(labels.WEEKDAY_LONG),
        text=text, hovertemplate="%{y} %{x}:00 — %{text}<extra></extra>",
        colorscale="YlOrRd", zmin=0, zmax=100 if percent else max(1, np.nanmax(values, initial=0)),
        colorbar={"title": value_label}, xgap=1, ygap=1))
    figure.update_layout(title=title, plot_bgcolor=UNKNOWN_COLOUR, height=330,
                         margin={"l": 10, "r": 10, "t": 50, "b": 10},
                         xaxis={"title": "uur", "dtick": 1},
                         yaxis={"autorange": "reversed"})
    if large:
        _make_large(figure, height=400)
        figure.update_xaxes(dtick=3)  # every third hour: 18 px labels need the room
    return figure


LARGE_FONT = 18


def _make_large(figure: go.Figure, *, height: int) -> None:
    # Every text named: a theme (Streamlit's) may otherwise bring its own smaller sizes.
    figure.update_layout(font={"size": LARGE_FONT}, title_font={"size": LARGE_FONT + 4},
                         height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10},
                         legend={"font": {"size": LARGE_FONT}},
                         hoverlabel={"font": {"size": LARGE_FONT}})
    figure.update_xaxes(tickfont={"size": LARGE_FONT}, title_font={"size": LARGE_FONT},
                        automargin=True)
    figure.update_yaxes(tickfont={"size": LARGE_FONT}, title_font={"size": LARGE_FONT},
                        automargin=True)
    figure.update_traces(selector={"type": "heatmap"},
                         colorbar={"tickfont": {"size": LARGE_FONT},
                                   "title": {"font": {"size": LARGE_FONT}}})


def plot_weekly_trend(trend: pd.DataFrame, *, large: bool = False) -> go.Figure:
    """Reports per week and kind as lines; weeks as dd-mm-jjjj.

    Parameters
    ----------
    trend
        From `effects.get_weekly_trend`.
    large
        Type for a projector: at least 18 px.

    Returns
    -------
    plotly.graph_objects.Figure
        One line per kind, Dutch names.

    Examples
    --------
    >>> from werkwijzer_geo.analysis.effects import get_weekly_trend
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> figure = plot_weekly_trend(get_weekly_trend(read_demo_layers(seed=3)["spots"]))
    >>> "Zwerfvuil" in [line.name for line in figure.data]
    True
    """
    figure = go.Figure()
    for kind in trend.columns:
        name = labels.SPOT_KIND_LABELS.get(kind, kind)
        figure.add_trace(go.Scatter(
            x=list(pd.to_datetime(trend.index)), y=trend[kind].tolist(), mode="lines+markers",
            name=name, line={"color": labels.SPOT_KIND_COLOURS.get(kind)},
            hovertemplate=f"{name}, week vanaf %{{x|%d-%m-%Y}}: %{{y}}<extra></extra>"))
    # A date axis with a few level dd-mm-jjjj ticks: they stay horizontal and readable.
    figure.update_layout(title="Meldingen per week (week vanaf maandag)", height=300,
                         xaxis={"type": "date", "tickformat": "%d-%m-%Y", "nticks": 6},
                         yaxis={"title": "meldingen", "rangemode": "tozero"},
                         margin={"l": 10, "r": 10, "t": 50, "b": 10})
    if large:
        _make_large(figure, height=400)
        figure.update_xaxes(nticks=4, tickangle=0)
        # The legend under the (level) dates; plotly makes room for it as it wraps.
        figure.update_layout(title="Meldingen per week",
                             legend={"orientation": "h", "y": -0.12, "yanchor": "top",
                                     "x": 0})
    return figure


VALENCE_COLOURS = {-1: "#C0392B", 0: "#7F8C8D", 1: "#1E8449"}
STORY_LANE = "verhalen"


def _shown(text: object, limit: int = 90) -> str:
    """User text for a hover label: escaped (plotly reads a few HTML tags), shortened."""
    value = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    value = " ".join(value.split())
    if len(value) > limit:
        value = value[:limit - 1] + "…"
    return html.escape(value, quote=True)


def plot_timeline(events: pd.DataFrame, stories: pd.DataFrame, *,
                  connections: dict[int, str] | None = None,
                  changes: dict[int, str] | None = None) -> go.Figure:
    """Events and stories on one time axis (the "wallpaper roll"): a lane per kind of event
    and one for stories; colour by how it was felt (negative, neutral, positive).

    Parameters
    ----------
    events
        The events layer (or a selection).
    stories
        The stories layer (or a selection).
    connections
        Event id -> what changed after it (`analysis.connections`), shown on hover.
    changes
        Event id -> the change in a few words (`connections.describe_change`), written
        above the event, so the eye finds the events after which something changed.

    Returns
    -------
    plotly.graph_objects.Figure
        Dates as dd-mm-jjjj; drag to zoom, the range slider to pan.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> figure = plot_timeline(layers["events"], layers["stories"])
    >>> sorted({trace.name for trace in figure.data})
    ['negatief', 'neutraal', 'positief']
    """
    connections = connections or {}
    lanes = [labels.EVENT_KIND_LABELS[kind] for kind in labels.EVENT_KIND_LABELS
             if kind in set(events[s.KIND])] + ([STORY_LANE] if len(stories) else [])
    rows = []
    for _, event in events.iterrows():
        lines = [f"<b>{_shown(event[s.TITLE])}</b>",
                 f"{pd.Timestamp(event[s.DATE]):%d-%m-%Y} · "
                 f"{labels.EVENT_KIND_LABELS.get(event[s.KIND], _shown(event[s.KIND]))}"]
        if isinstance(event.get(s.PLACE), str) and event[s.PLACE].strip():
            lines.append(_shown(event[s.PLACE]))
        if int(event[s.ID]) in connections:
            lines.append(_shown(connections[int(event[s.ID])], 160))
        rows.append((event[s.DATE], labels.EVENT_KIND_LABELS.get(event[s.KIND], "anders"),
                     event.get(s.VALENCE), "<br>".join(lines), "diamond", 16))
    for _, story in stories.iterrows():
        source = labels.STORY_SOURCE_LABELS.get(story[s.SOURCE], _shown(story[s.SOURCE]))
        lines = [f"<b>Verhaal van een {source}</b>",
                 f"{pd.Timestamp(story[s.DATE]):%d-%m-%Y} · thema's: "
                 f"{_shown(story.get(s.THEMES)) or 'geen'}"]
        lines.append(_shown(story.get(s.TEXT)))  # the team's page only
        rows.append((story[s.DATE], STORY_LANE, story.get(s.VALENCE), "<br>".join(lines),
                     "circle", 12))
    figure = go.Figure()
    for valence, name in labels.VALENCE_LABELS.items():
        mine = [row for row in rows if pd.notna(row[2]) and int(row[2]) == valence]
        if valence == 0:
            mine += [row for row in rows if pd.isna(row[2])]
        if not mine:
            continue
        figure.add_trace(go.Scatter(
            x=[pd.Timestamp(row[0]) for row in mine], y=[row[1] for row in mine],
            mode="markers", name=name, hovertext=[row[3] for row in mine],
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"color": VALENCE_COLOURS[valence], "symbol": [row[4] for row in mine],
                    "size": [row[5] for row in mine], "line": {"width": 1, "color": "white"}}))
    labelled = events[events[s.ID].astype(int).isin(list(changes or {}))]
    if len(labelled):
        figure.add_trace(go.Scatter(
            x=[pd.Timestamp(day) for day in labelled[s.DATE]],
            y=[labels.EVENT_KIND_LABELS.get(kind, "anders") for kind in labelled[s.KIND]],
            # An invisible marker of the event's size puts the words clear above it.
            mode="markers+text", marker={"size": 22, "opacity": 0},
            text=[_shown(changes[int(i)], 60) for i in labelled[s.ID]],
            textposition="top center", textfont={"size": 12, "color": "#1d4f4d"},
            hoverinfo="skip", showlegend=False, name="wat veranderde"))
    figure.update_layout(
        title="Gebeurtenissen en verhalen in de tijd", height=160 + 60 * max(len(lanes), 1),
        xaxis={"type": "date", "tickformat": "%d-%m-%Y", "nticks": 8,
               "rangeslider": {"visible": True, "thickness": 0.08}},
        yaxis={"categoryorder": "array", "categoryarray": lanes[::-1], "title": None},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right",
                "title": {"text": "zo beleefd:", "side": "left"}},
        margin={"l": 10, "r": 10, "t": 70, "b": 10})
    return figure


def plot_public_timeline(timeline: pd.DataFrame, *, large: bool = True) -> go.Figure:
    """The wallpaper roll for residents: events by week in a lane per kind, numbered in time
    order for the list beside it (a projector has no hover), and a dot for each week in
    which stories were heard (their themes are listed by month beside it).

    Parameters
    ----------
    timeline
        From `public.make_public_timeline`.
    large
        Type for a projector: at least 18 px.

    Returns
    -------
    plotly.graph_objects.Figure
        Weeks as their Monday (dd-mm); no story text, no day.

    Examples
    --------
    >>> table = pd.DataFrame({"week": pd.to_datetime(["2026-08-31", "2026-08-31"]),
    ...     "what": ["event", "themes"], "title": ["Vuurwerk", "overlast"],
    ...     "kind": ["incident", "wat we hoorden"]})
    >>> [list(trace.text or []) for trace in plot_public_timeline(table).data]
    [['1'], []]
    """
    figure = go.Figure()
    # Each event carries its number in time order; the words are beside the chart
    # (`public.describe_public_timeline`): long titles on a chart run into each other.
    events = timeline[timeline["what"] == "event"].reset_index(drop=True)
    events = events.assign(number=events.index + 1)
    themes = timeline[timeline["what"] == "themes"]
    figure.add_trace(go.Scatter(
        x=list(events["week"]), y=list(events["kind"]), mode="markers+text",
        text=[str(n) for n in events["number"]], textposition="top center",
        name="gebeurtenissen", hoverinfo="skip",
        marker={"symbol": "diamond", "size": 18, "color": "#2B7A78"}))
    figure.add_trace(go.Scatter(
        x=list(themes["week"]), y=list(themes["kind"]), mode="markers",
        name="wat we hoorden", hoverinfo="skip",
        marker={"symbol": "circle", "size": 14, "color": "#7F8C8D"}))
    lanes = [*dict.fromkeys(events["kind"]), "wat we hoorden"]
    # Ticks on the Mondays themselves (plotly's own would fall on any day), few enough to
    # stay level.
    weeks = sorted(pd.to_datetime(timeline["week"]).unique())
    ticks = weeks[::max(1, -(-len(weeks) // (6 if large else 10)))]
    figure.update_layout(
        title="Wat er gebeurde, week voor week", showlegend=False,
        height=180 + 90 * len(lanes),
        # A margin of days on both sides, so titles at the ends are not cut off.
        xaxis={"type": "date", "tickvals": ticks, "title": "week van (maandag)",
               "ticktext": [f"{pd.Timestamp(day):%d-%m}" for day in ticks],
               "range": [weeks[0] - pd.Timedelta(days=12), weeks[-1] + pd.Timedelta(days=16)]
               if weeks else None},
        # Room above the top lane and below the bottom one for titles written there.
        yaxis={"categoryorder": "array", "categoryarray": lanes[::-1], "title": None,
               "range": [-0.9, len(lanes) - 0.2]},
        margin={"l": 10, "r": 40, "t": 60, "b": 10})
    if large:  # within a 1280 x 720 screen under the scene's title line
        _make_large(figure, height=min(180 + 80 * len(lanes), 540))
        figure.update_traces(textfont={"size": LARGE_FONT})
        figure.update_xaxes(tickangle=0)
    return figure
