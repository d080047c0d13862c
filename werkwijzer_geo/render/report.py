"""Printed snapshots: a PNG map for a report and a PDF report (map, week chart, patterns,
experiments, snapshot information). Drawn with matplotlib and fpdf2; no network needed."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from fpdf import FPDF
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox
from PIL import Image

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.analysis import patterns as pt
from werkwijzer_geo.analysis.aggregate import aggregate_to_grid
from werkwijzer_geo.analysis.connections import connect_events
from werkwijzer_geo.analysis.public import (
    MIN_PUBLIC_COUNT,
    PUBLIC_CELL_M,
    describe_public_experiments,
    describe_public_themes,
    describe_public_timeline,
    get_public_week,
    keep_public_moments,
    make_public_layers,
    make_public_timeline,
)
from werkwijzer_geo.analysis.selection import select_layers
from werkwijzer_geo.metric import RD_NEW, choose_for_layers

from .maps import AGGREGATE_ABOVE

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
FONT_BOLD = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"


SCALE_STEPS = (10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000)


def _draw_scale_bar(ax, extent: tuple[float, float, float, float]) -> None:
    west, south, east, north = extent
    width = east - west
    length = next((step for step in SCALE_STEPS if step >= width / 6), SCALE_STEPS[-1])
    x0, y0 = west + width * 0.04, south + (north - south) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt")
    ax.text(x0 + length / 2, y0 + (north - south) * 0.015, f"{length} m", ha="center",
            fontsize=9)


def _draw_north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.96, 0.95), xytext=(0.96, 0.86), xycoords="axes fraction",
                ha="center", fontsize=12, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5})


def draw_map(ax, layers: dict[str, gpd.GeoDataFrame], snapshot) -> list:
    """Outline, places and the chosen layers in their legend colours; returns legend handles.

    Parameters
    ----------
    ax
        A matplotlib Axes (of a `Figure`, never pyplot's global state).
    layers
        The workspace's layers.
    snapshot
        Which layers and filter; a public one draws only public cells.

    Returns
    -------
    list
        Legend handles, one per drawn group or kind.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.render.export import Snapshot
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> snapshot = Snapshot(("observations", "spots"), TimeFilter())
    >>> handles = draw_map(Figure().add_subplot(), layers, snapshot)
    >>> len(handles) > 0
    True
    """
    visible = set(snapshot.layers)
    crs = choose_for_layers(layers)  # RD New in the Netherlands, else the UTM zone: north up

    def _rd(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.to_crs(crs)

    boundary = _rd(layers[s.BOUNDARY])
    places = _rd(layers[s.PLACES])
    drawn: list = [boundary, places]
    handles: list = []
    if len(places):
        places.plot(ax=ax, color=labels.LAYER_COLOURS[s.PLACES], alpha=0.18,
                    edgecolor=labels.LAYER_COLOURS[s.PLACES])
    # Names on top of everything, with a white halo; the smaller place yields where two
    # would overlap (see `declutter_labels`).
    for _, row in places.assign(_area=places.geometry.area).sort_values(
            "_area", ascending=False).iterrows():
        point = row.geometry.representative_point()
        # parse_math off: a '$' in a name is text, not a formula (nor a parse error).
        ax.text(point.x, point.y, row[s.NAME], fontsize=7, ha="center", va="center",
                color="#1d4f4d", fontweight="bold", parse_math=False, zorder=10,
                gid=PLACE_LABEL, path_effects=[patheffects.withStroke(linewidth=3,
                                                                      foreground="white")])
    if len(boundary):
        boundary.boundary.plot(ax=ax, color=labels.LAYER_COLOURS[s.BOUNDARY], linewidth=1.5,
                               linestyle="--")
    if snapshot.public:
        public = make_public_layers(layers, snapshot.time_filter)
        cells = _rd(public["cells"]) if s.OBSERVATIONS in visible else None
        spots = _rd(public[s.SPOTS]) if s.SPOTS in visible else None
        spot_open = None if spots is None else spots["is_open"]
        experiments = public[s.EXPERIMENTS]
    else:
        selected = select_layers(layers, snapshot.time_filter)
        cells = None
        obs = selected[s.OBSERVATIONS] if s.OBSERVATIONS in visible else None
        if obs is not None and len(obs) > AGGREGATE_ABOVE:
            cells, obs = _rd(aggregate_to_grid(obs)), None
        if obs is not None and len(obs):
            points = _rd(obs)
            drawn.append(points)
            ax.scatter(points.geometry.x, points.geometry.y,
                       s=12 + 6 * np.sqrt(points[s.COUNT].to_numpy(dtype=float)),
                       c=[labels.GROUP_COLOURS[g] for g in points[s.GROUP]],
                       edgecolors="white", linewidths=0.5, zorder=6, gid=MARKERS)
            handles += _group_handles(set(points[s.GROUP]))
        spots = _rd(selected[s.SPOTS]) if s.SPOTS in visible else None
        spot_open = None if spots is None else spots[s.RESOLVED_AT].isna()
        experiments = selected[s.EXPERIMENTS]
    if cells is not None and len(cells):
        drawn.append(cells)
        cells.plot(ax=ax, color=[labels.GROUP_COLOURS[g] for g in cells["top_group"]],
                   alpha=0.6, edgecolor="white", zorder=3)
        handles += _group_handles(set(cells["top_group"]))
    if spots is not None and len(spots):
        drawn.append(spots)
        colours = [labels.SPOT_KIND_COLOURS[k] for k in spots[s.KIND]]
        ax.scatter(spots.geometry.x, spots.geometry.y, s=30, marker="s", zorder=5, gid=MARKERS,
                   facecolors=[c if o else "none" for c, o in zip(colours, spot_open,
                                                                  strict=True)],
                   edgecolors=colours)
        handles += [Patch(color=labels.SPOT_KIND_COLOURS[k], label=labels.SPOT_KIND_LABELS[k])
                    for k in sorted(set(spots[s.KIND]))]
    if s.EXPERIMENTS in visible and len(experiments):
        rd = _rd(experiments)
        radius = experiments[s.RADIUS_M].fillna(s.DEFAULT_RADIUS_M).to_numpy(dtype=float)
        circles = rd.geometry.centroid.buffer(radius)
        drawn.append(circles)
        circles.boundary.plot(
            ax=ax, color=labels.LAYER_COLOURS[s.EXPERIMENTS], linestyle=":", linewidth=1.5)
        handles.append(Line2D([], [], color=labels.LAYER_COLOURS[s.EXPERIMENTS], linestyle=":",
                              label="Acties en experimenten (straal)"))
    west, south, east, north = _get_extent(drawn)
    pad = max(east - west, north - south, 100) * 0.05
    extent = (west - pad, south - pad, east + pad, north + pad)
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    ax.set_axis_off()
    _draw_scale_bar(ax, extent)
    _draw_north_arrow(ax)
    return handles


def _get_extent(drawn: list) -> tuple[float, float, float, float]:
    """The outline's extent, else the places', else all that was drawn together."""
    for frame in drawn[:2]:
        if len(frame) and np.all(np.isfinite(frame.total_bounds)):
            return tuple(frame.total_bounds)
    bounds = np.array([frame.total_bounds for frame in drawn[2:] if len(frame)])
    if not len(bounds) or not np.all(np.isfinite(bounds)):
        raise WerkwijzerError("Er staat niets op deze kaart: geen buurtgrens, geen plekken en "
                              "geen gegevens in deze selectie. Kies andere lagen of een ruimere "
                              "selectie, of teken eerst de buurtgrens.")
    return (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())


def _group_handles(groups: set[str]) -> list:
    return [Line2D([], [], marker="o", linestyle="", markersize=8,
                   markerfacecolor=labels.GROUP_COLOURS[g], markeredgecolor="white",
                   label=labels.GROUP_LABELS[g]) for g in s.GROUP_CODES if g in groups]


PLACE_LABEL = "bk-place-label"
MARKERS = "bk-markers"
# Where a name may go, in points from its place: on it, then above, below, left and right,
# then further out (clear of a marker on the place). Fractions of the name's own size first.
_LABEL_STEPS = (0, 6, 14)


def _marker_boxes(ax, renderer) -> list:
    """The display boxes of the markers drawn with gid MARKERS."""
    boxes = []
    for collection in ax.collections:
        if collection.get_gid() != MARKERS:
            continue
        centres = ax.transData.transform(collection.get_offsets())
        sizes = np.sqrt(np.broadcast_to(collection.get_sizes(), (len(centres),)))
        radii = sizes / 2 * renderer.points_to_pixels(1)
        boxes += [Bbox.from_extents(x - r, y - r, x + r, y + r)
                  for (x, y), r in zip(centres, radii, strict=True)]
    return boxes


def declutter_labels(figure: Figure) -> list[str]:
    """Place names that never cover each other and cover as few markers as they can: each
    name, biggest place first, takes the spot (on its place, above, below, left, right, then
    further out) that touches no name already shown and the fewest markers; a name with no
    spot clear of the others is left out.

    Parameters
    ----------
    figure
        A figure drawn by `draw_map`, with its final size and limits.

    Returns
    -------
    list of str
        The names left out.

    Examples
    --------
    >>> figure = Figure(figsize=(2, 2))
    >>> ax = figure.subplots()
    >>> for name in ("Europaplein", "Europaplein-noord"):
    ...     _ = ax.text(0.5, 0.5, name, gid=PLACE_LABEL, ha="center", va="center")
    >>> ax.set_xlim(0, 1), ax.set_ylim(0, 1)
    ((0.0, 1.0), (0.0, 1.0))
    >>> declutter_labels(figure)
    []
    >>> [round(float(text.get_position()[1]), 2) for text in ax.texts]  # one moved up
    [0.5, 0.6]
    """
    renderer = FigureCanvasAgg(figure).get_renderer()
    points = renderer.points_to_pixels(1)
    hidden = []
    for ax in figure.axes:
        markers = _marker_boxes(ax, renderer)
        to_data = ax.transData.inverted()
        shown: list = []
        for text in ax.texts:
            if text.get_gid() != PLACE_LABEL:
                continue
            home = ax.transData.transform(text.get_position())
            box = text.get_window_extent(renderer)
            width, height = box.width, box.height
            candidates = [(0.0, 0.0)]
            for step in _LABEL_STEPS:
                extra = step * points
                candidates += [(0.0, 1.1 * height + extra), (0.0, -1.1 * height - extra),
                               (-width / 2 - 8 * points - extra, 0.0),
                               (width / 2 + 8 * points + extra, 0.0)]
            best = None
            for dx, dy in candidates:
                moved = box.translated(dx, dy)
                if any(moved.overlaps(other) for other in shown):
                    continue
                hits = sum(moved.overlaps(marker) for marker in markers)
                if best is None or hits < best[0]:
                    best = (hits, dx, dy, moved)
                if hits == 0:
                    break
            if best is None:
                text.set_visible(False)
                hidden.append(text.get_text())
                continue
            _, dx, dy, moved = best
            text.set_position(to_data.transform((home[0] + dx, home[1] + dy)))
            shown.append(moved)
    return hidden


def _selection_line(snapshot, info: dict[str, str]) -> str:
    """The filter, and the data's period only when the filter has no dates of its own."""
    filtered = snapshot.time_filter.date_from or snapshot.time_filter.date_to
    return info["filter"] if filtered else f"{info['filter']} · gegevens {info['data_period']}"


def write_png_map(out: Path, layers: dict[str, gpd.GeoDataFrame], snapshot,
                  info: dict[str, str], *, titled: bool = True) -> None:
    """An A4-landscape map: title, caption with filter and data period, scale bar, north
    arrow, legend and attribution.

    Parameters
    ----------
    out
        The PNG to write.
    layers
        The workspace's layers.
    snapshot
        Which layers and filter.
    info
        From `export.get_snapshot_info`.
    titled
        With the workspace's name and the selection above the map (a report that prints
        them itself leaves them out).

    Raises
    ------
    WerkwijzerError
        When there is nothing to draw.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.render.export import Snapshot
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> snapshot = Snapshot(("observations", "spots"), TimeFilter())
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "kaart.png"
    >>> info = {"workspace": "Demo", "filter": "hele dag",
    ...        "data_period": "31-08-2026 t/m 22-11-2026", "app_version": "0.1.0",
    ...        "made_at": "28-11-2026 21:00"}
    >>> write_png_map(out, layers, snapshot, info)
    >>> out.read_bytes()[:4]
    b'\x89PNG'
    """
    # A Figure of its own, not pyplot: Streamlit serves sessions on threads.
    figure = Figure(figsize=(11.7, 8.3), dpi=150)
    ax = figure.subplots()
    handles = draw_map(ax, layers, snapshot)
    public = " (voor bewoners: vakken van 50 m, kleine aantallen verborgen)" if \
        snapshot.public else ""
    if titled:
        figure.suptitle(f"{info['workspace']}", fontsize=16, fontweight="bold", x=0.05,
                        ha="left", parse_math=False)
        ax.set_title(f"{_selection_line(snapshot, info)}{public}", fontsize=10, loc="left",
                     parse_math=False)
    if handles:
        # Beside the map, never over the outline or the data.
        ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(1.01, 0), fontsize=8,
                  title="Legenda", frameon=False, alignment="left")
    # The outline's source is named only when it is the CBS outline of a Dutch workspace.
    dutch = choose_for_layers(layers) == RD_NEW and len(layers[s.BOUNDARY])
    source = f"{labels.ATTRIBUTION_CBS} · " if dutch else ""
    figure.text(0.05, 0.02, f"{source}Buurtkaart {info['app_version']}, "
                f"gemaakt {info['made_at']}", fontsize=7, color="#555555")
    declutter_labels(figure)
    partial = out.with_name(out.name + ".partial.png")
    figure.savefig(partial, bbox_inches="tight")
    partial.replace(out)


EVENT_COLOUR, HEARD_COLOUR = "#2B7A78", "#7F8C8D"
HEARD_LANE = "wat we hoorden"


def get_public_roll(layers: dict[str, gpd.GeoDataFrame], snapshot) -> pd.DataFrame:
    """The residents' timeline of the snapshot's dates (`public.make_public_timeline`).

    Parameters
    ----------
    layers
        The workspace's layers.
    snapshot
        Its filter chooses the dates.

    Returns
    -------
    pandas.DataFrame
        Week, what, title, kind; in time order.

    Raises
    ------
    WerkwijzerError
        When the selection holds no event and no story with a theme.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.render.export import Snapshot
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> roll = get_public_roll(read_demo_layers(seed=3), Snapshot(("events",), TimeFilter()))
    >>> roll["title"].iloc[0]
    'Vuurwerk afgestoken bij de bankjes'
    """
    selected = select_layers(layers, snapshot.time_filter)
    roll = make_public_timeline(selected[s.EVENTS], selected[s.STORIES])
    if roll.empty:
        raise WerkwijzerError("Geen gebeurtenissen of verhalen met thema's in deze selectie: "
                              "er is geen tijdlijn te tekenen. Kies een ruimere periode, of "
                              "leg ze vast op Invoer.")
    return roll


def draw_public_timeline(ax, roll: pd.DataFrame) -> None:
    """Events by week in a lane per kind, each marked with its number in time order (the
    titles go in a list beside or below), and a dot for each week stories were heard.

    Parameters
    ----------
    ax
        A matplotlib Axes.
    roll
        From `get_public_roll` (or `public.make_public_timeline`).

    Examples
    --------
    >>> roll = pd.DataFrame({"week": pd.to_datetime(["2026-08-31", "2026-08-31"]),
    ...     "what": ["event", "themes"], "title": ["Vuurwerk", "overlast"],
    ...     "kind": ["incident", "wat we hoorden"]})
    >>> ax = Figure().add_subplot()
    >>> draw_public_timeline(ax, roll)
    >>> [text.get_text() for text in ax.texts]
    ['1']
    """
    numbered = roll.reset_index(drop=True)
    lanes = [*dict.fromkeys(numbered.loc[numbered["what"] == "event", "kind"]), HEARD_LANE]
    height = {lane: len(lanes) - 1 - index for index, lane in enumerate(lanes)}
    weeks = pd.to_datetime(numbered["week"])
    # Events of one week and lane sit side by side, not on top of each other.
    place_in_week = numbered.groupby([weeks, numbered["kind"]]).cumcount()
    number = 0
    for index, row in numbered.iterrows():
        event = row["what"] == "event"
        x = mdates.date2num(weeks[index] + pd.Timedelta(days=1.6 * place_in_week[index]))
        y = height[row["kind"]]
        ax.scatter([x], [y], marker="D" if event else "o", s=90 if event else 40, zorder=3,
                   color=EVENT_COLOUR if event else HEARD_COLOUR, edgecolors="white")
        if event:  # numbered as `public.describe_public_timeline`
            number += 1
            ax.annotate(str(number), (x, y), xytext=(0, 9), textcoords="offset points",
                        ha="center", fontsize=8, fontweight="bold", annotation_clip=False)
    ax.set_yticks(list(height.values()), list(height), fontsize=9)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    first, last = weeks.min(), weeks.max()
    ax.set_xlim(mdates.date2num(first - pd.Timedelta(days=5)),
                mdates.date2num(last + pd.Timedelta(days=9)))
    step = max(1, -(-((last - first).days // 7 + 1) // 12))  # at most 12 labels
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=step))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d-%m"))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel("week van (maandag)", fontsize=8)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def write_png_timeline(out: Path, layers: dict[str, gpd.GeoDataFrame], snapshot,
                       info: dict[str, str], *, with_list: bool = True,
                       titled: bool = True) -> None:
    """The wallpaper roll as a picture, for a report or the wall at a residents' evening:
    events by week and the themes heard (never a story's words or who told it), with the
    numbered list of what each marker is below it.

    Parameters
    ----------
    out
        The PNG to write.
    layers
        The workspace's layers.
    snapshot
        Its filter chooses the dates (public or not, the roll shows the same).
    info
        From `export.get_snapshot_info`.
    with_list
        The numbered list below the chart (a report that prints it as text leaves it out).
    titled
        With the workspace's name, the selection and the version (a report that prints
        them itself leaves them out).

    Raises
    ------
    WerkwijzerError
        When there is no event and no story with a theme in the selection.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.render.export import Snapshot
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tijdlijn.png"
    >>> info = {"workspace": "Demo", "filter": "hele dag",
    ...        "data_period": "31-08-2026 t/m 22-11-2026", "app_version": "0.1.0",
    ...        "made_at": "28-11-2026 21:00"}
    >>> write_png_timeline(out, read_demo_layers(seed=3), Snapshot(("events",), TimeFilter()),
    ...                    info)
    >>> out.read_bytes()[:4]
    b'\x89PNG'
    """
    roll = get_public_roll(layers, snapshot)
    lines = [(f"{number}.", f"{week}  {_shorten(title, 64)}")
             for number, week, _, title in describe_public_timeline(roll)]
    lines += [("", f"gehoord in {month}: {_shorten(themes, 70)}")
              for month, themes in describe_public_themes(roll)]
    lanes = roll.loc[roll["what"] == "event", "kind"].nunique() + 1
    chart_height = 1.4 + 0.55 * lanes
    rows = -(-len(lines) // 2) if with_list else 0
    figure = Figure(figsize=(11.7, chart_height + 0.9 + 0.22 * rows), dpi=150)
    grid = figure.add_gridspec(2, 1, height_ratios=[chart_height, 0.1 + 0.22 * rows],
                               hspace=0.3, top=1 - 0.55 / (chart_height + 0.9 + 0.22 * rows))
    ax = figure.add_subplot(grid[0])
    draw_public_timeline(ax, roll)
    if titled:
        figure.suptitle(f"{info['workspace']}: wat er gebeurde, week voor week", fontsize=14,
                        fontweight="bold", x=0.05, ha="left", parse_math=False)
        ax.set_title(f"{_selection_line(snapshot, info)} · verhalen alleen als thema",
                     fontsize=9, loc="left", parse_math=False)
        figure.text(0.05, 0.005, f"Buurtkaart {info['app_version']}, gemaakt "
                    f"{info['made_at']}", fontsize=7, color="#555555")
    if with_list:
        listing = figure.add_subplot(grid[1])
        listing.set_axis_off()
        for position, (number, line) in enumerate(lines):
            column, row = divmod(position, rows)
            y = 1 - (row + 0.5) / rows
            # parse_math off: a '$' in a title is text, never a formula.
            listing.text(0.5 * column, y, number, fontsize=8, va="center", ha="right",
                         fontweight="bold", parse_math=False, transform=listing.transAxes)
            listing.text(0.5 * column + 0.005, y, line, fontsize=8, va="center",
                         parse_math=False, transform=listing.transAxes,
                         color="black" if number else "#444444")
    partial = out.with_name(out.name + ".partial.png")
    figure.savefig(partial, bbox_inches="tight")
    partial.replace(out)


def choose_week_group(observations: gpd.GeoDataFrame) -> str:
    """The group a report's typical week is about: the one with the most people in the
    selection (youths when it holds nobody).

    Parameters
    ----------
    observations
        The selected observations.

    Returns
    -------
    str
        A group code.

    Examples
    --------
    >>> import pandas as pd
    >>> choose_week_group(pd.DataFrame({"group": ["elderly", "youth", "elderly"],
    ...                                 "count": [6, 4, 3]}))
    'elderly'
    """
    people = observations.groupby(s.GROUP)[s.COUNT].sum()
    return str(people.idxmax()) if len(people) else "youth"


def _week_chart(path: Path, layers: dict[str, gpd.GeoDataFrame], snapshot) -> None:
    figure = Figure(figsize=(10, 3.2), dpi=150)
    ax = figure.subplots()
    selected = select_layers(layers, snapshot.time_filter)[s.OBSERVATIONS]
    if snapshot.public:  # counts of public moments only; when the team looked stays out
        selected = keep_public_moments(selected)
    group = choose_week_group(selected)
    name = labels.GROUP_LABELS[group]
    if snapshot.public:
        week = get_public_week(selected, group=group)
        image = ax.imshow(week.to_numpy(dtype=float), cmap="YlOrRd", vmin=0, aspect="auto")
        title = (f"{name} gezien per weekdag en uur, opgeteld (alleen momenten met "
                 f"{MIN_PUBLIC_COUNT} of meer op één plek)")
        unit = "mensen"
    else:
        effort = pt.get_effort(layers[s.ROUNDS], snapshot.time_filter)
        presence = pt.get_presence(layers[s.OBSERVATIONS], layers[s.ROUNDS],
                                   layers[s.PLACES], snapshot.time_filter)
        week = pt.get_typical_week(presence, effort, group=group)
        image = ax.imshow(week.to_numpy(dtype=float) * 100, cmap="YlOrRd", vmin=0, vmax=100,
                          aspect="auto")
        title = f"{name} aanwezig, in % van de rondes die keken (grijs: niet gekeken)"
        unit = "%"
    ax.set_facecolor("#d9d9d9")
    ax.set_yticks(range(7), labels.WEEKDAY_LONG)
    ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)], fontsize=7)
    ax.set_title(title, fontsize=10)
    figure.colorbar(image, ax=ax, label=unit)
    figure.savefig(path, bbox_inches="tight")


def _public_sentence(pattern: pt.Pattern) -> str:
    days = labels.format_weekdays(pattern.weekdays, long=True, sentence=True)
    return (f"{days} {pattern.start_hour}-{pattern.end_hour % 24} uur: "
            f"{labels.GROUP_LABELS[pattern.group].lower()} bij {pattern.place}.")


def write_pdf_report(out: Path, layers: dict[str, gpd.GeoDataFrame], snapshot,
                     info: dict[str, str], *,
                     progress: Callable[[float, str], None] | None = None) -> None:
    """A PDF: the map, the typical week, what comes back, experiments, the timeline of events
    and themes (for the team also what changed after each event), snapshot information.

    Parameters
    ----------
    out
        The PDF to write.
    layers
        The workspace's layers.
    snapshot
        Which layers and filter; a public one holds only public numbers.
    info
        From `export.get_snapshot_info`.
    progress
        Called with (fraction, Dutch message).

    Raises
    ------
    WerkwijzerError
        When there is nothing to draw.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.render.export import Snapshot
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> snapshot = Snapshot(("observations", "spots"), TimeFilter())
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "rapport.pdf"
    >>> info = {"workspace": "Demo", "filter": "hele dag",
    ...        "data_period": "31-08-2026 t/m 22-11-2026", "app_version": "0.1.0",
    ...        "made_at": "28-11-2026 21:00"}
    >>> write_pdf_report(out, layers, snapshot, info)
    >>> out.read_bytes()[:5]
    b'%PDF-'
    """
    report = progress or (lambda fraction, message: None)
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_auto_page_break(auto=True, margin=12)
    with tempfile.TemporaryDirectory() as folder:
        map_png, week_png = Path(folder) / "kaart.png", Path(folder) / "week.png"
        report(0.4, "Kaart tekenen…")
        write_png_map(map_png, layers, snapshot, info, titled=False)
        report(0.6, "Week tekenen…")
        _week_chart(week_png, layers, snapshot)
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 18)
        pdf.cell(0, 10, f"Buurtkaart – {info['workspace']}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 6, f"Selectie: {_selection_line(snapshot, info)}",
                 new_x="LMARGIN", new_y="NEXT")
        # The map on page 1, inside the margins: as high as the page leaves, centred.
        with Image.open(map_png) as image:
            aspect = image.height / image.width
        room = pdf.h - pdf.get_y() - pdf.b_margin - 2
        width = min(pdf.w - pdf.l_margin - pdf.r_margin, room / aspect)
        pdf.image(str(map_png), x=(pdf.w - width) / 2, w=width, h=width * aspect)
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(0, 8, "Een gewone week", new_x="LMARGIN", new_y="NEXT")
        pdf.image(str(week_png), w=250)
    report(0.8, "Patronen en acties…")
    if snapshot.public:  # patterns only from moments that may be shown in public, and
        # places only as drawn or as coordinates: a typed place may name a person's house.
        shown = keep_public_moments(layers[s.OBSERVATIONS]).assign(**{s.PLACE: None})
        found = pt.build_report({**layers, s.OBSERVATIONS: shown}, snapshot.time_filter)
    else:
        found = pt.build_report(layers, snapshot.time_filter)
    sentences = [_public_sentence(p) if snapshot.public else p.sentence for p in found.patterns]
    _section(pdf, "Wat komt terug", sentences or ["Geen patronen in deze selectie."])
    if not snapshot.public:
        _section(pdf, "Geen professional in beeld", [g.sentence for g in found.gaps] or
                 ["Geen."])
    experiments = select_layers(layers, snapshot.time_filter)[s.EXPERIMENTS]
    _section(pdf, "Acties en experimenten", [
        f"{name}: {detail}" for name, detail in describe_public_experiments(experiments)]
        or ["Geen in deze periode."])
    _timeline_pages(pdf, layers, snapshot, info)
    _section(pdf, "Over deze momentopname", [f"{SNAPSHOT_INFO_LABELS.get(key, key)}: {value}"
                                            for key, value in info.items()]
             + [f"{PUBLIC_CELL_M} m-vakken, aantallen onder 5 weggelaten."
                if snapshot.public else "Niet openbaar: alleen voor het team."])
    partial = out.with_name(out.name + ".partial.pdf")
    pdf.output(str(partial))
    partial.replace(out)


# The snapshot's information in the report, in Dutch (the GeoPackage keeps the keys).
SNAPSHOT_INFO_LABELS = {"workspace": "Buurt", "layers": "Lagen", "filter": "Selectie",
                        "data_period": "Gegevens van", "made_at": "Gemaakt op",
                        "app_version": "Buurtkaart-versie", "public": "Openbaar"}


def _timeline_pages(pdf: FPDF, layers: dict[str, gpd.GeoDataFrame], snapshot,
                    info: dict[str, str]) -> None:
    """The wallpaper roll: the chart, its numbered list, and for the team what changed
    after each event (residents get no counts of groups around a named event)."""
    selected = select_layers(layers, snapshot.time_filter)
    roll = make_public_timeline(selected[s.EVENTS], selected[s.STORIES])
    if roll.empty:
        return
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 9, "Tijdlijn: wat er gebeurde, week voor week", new_x="LMARGIN", new_y="NEXT")
    with tempfile.TemporaryDirectory() as folder:
        chart = Path(folder) / "tijdlijn.png"
        write_png_timeline(chart, layers, snapshot, info, with_list=False, titled=False)
        with Image.open(chart) as image:
            aspect = image.height / image.width
        width = min(pdf.w - pdf.l_margin - pdf.r_margin, 120 / aspect)
        pdf.image(str(chart), x=(pdf.w - width) / 2, w=width, h=width * aspect)
    pdf.ln(2)
    _section(pdf, "Wat de nummers zijn", [
        f"{number}. week van {week} · {kind}: {title}"
        for number, week, kind, title in describe_public_timeline(roll)])
    _section(pdf, "Wat we hoorden (thema's per maand)", [
        f"{month}: {themes}" for month, themes in describe_public_themes(roll)] or [
        "Geen verhalen met thema's in deze periode."])
    if not snapshot.public:
        found = connect_events(selected[s.EVENTS], layers[s.OBSERVATIONS], layers[s.ROUNDS],
                               layers[s.SPOTS], places=layers[s.PLACES])
        _section(pdf, "Wat veranderde erna (alleen voor het team)",
                 [event.sentence for event in found] or ["Geen gebeurtenissen."])


def _section(pdf: FPDF, title: str, lines: list[str]) -> None:
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for line in lines:
        pdf.multi_cell(0, 5.5, f"• {line}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
