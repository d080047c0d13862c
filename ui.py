"""Streamlit glue shared by the pages: which workspace, its cached layers, the time filter."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import streamlit as st

from werkwijzer_geo import WerkwijzerError, labels, storage
from werkwijzer_geo import schema as s
from werkwijzer_geo.demo import create_demo_workspace
from werkwijzer_geo.selection import get_data_period
from werkwijzer_geo.timefilter import HourRange, TimeFilter

ENV_DB = "WERKWIJZER_DB"
DEMO_VERSION = "1"
# The hour slider runs over a neighbourhood day, 06:00 to 06:00, so an evening that runs
# past midnight (21:00-02:00) is one range.
DAY_START = 6
HOUR_OPTIONS = list(range(DAY_START, DAY_START + 25))
KEY_HOURS, KEY_DAYS, KEY_DATES, KEY_TILES = "filter_hours", "filter_days", "filter_dates", "tiles"


def get_demo_path() -> Path:
    """Where the demo workspace lives: the user's cache, never the repository."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "buurtkaart" / f"demo-v{DEMO_VERSION}.gpkg"


@st.cache_resource(show_spinner="Demobuurt aanmaken…")
def _ensure_demo(path: str) -> str:
    if not Path(path).exists():
        try:
            create_demo_workspace(path)
        except WerkwijzerError:
            if not Path(path).exists():  # someone else made it at the same moment: fine
                raise
    return path


def get_workspace_path() -> Path:
    """The workspace of this app: $WERKWIJZER_DB, or the demo neighbourhood."""
    configured = os.environ.get(ENV_DB)
    if configured:
        return Path(configured)
    return Path(_ensure_demo(str(get_demo_path())))


@st.cache_data(show_spinner="Werkruimte laden…", max_entries=4)
def _load_layers(path: str, modified_ns: int) -> dict[str, gpd.GeoDataFrame]:
    return storage.read_layers(path)


@st.cache_data(max_entries=4)
def _load_info(path: str, modified_ns: int) -> storage.WorkspaceInfo:
    return storage.get_workspace_info(path)


def load_workspace() -> tuple[storage.WorkspaceInfo, dict[str, gpd.GeoDataFrame]]:
    """The workspace's information and every layer, cached per (path, modification time).

    Shows the Dutch error and stops the page when the workspace cannot be opened.
    """
    path = get_workspace_path()
    try:
        modified = storage.get_modified_ns(path)
        return _load_info(str(path), modified), _load_layers(str(path), modified)
    except (WerkwijzerError, FileNotFoundError) as error:
        message = str(error) if isinstance(error, WerkwijzerError) else (
            f"Werkruimte {path} bestaat niet. Maak hem met "
            f"'python -m werkwijzer_geo init --db {path}'.")
        st.error(message)
        st.stop()
        raise


def _format_hour(hour: int) -> str:
    return f"{hour % 24:02d}:00"


def render_time_filter(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """The sidebar's time filter; its state lives in session_state and survives page changes."""
    st.sidebar.subheader("Tijdfilter")
    st.sidebar.select_slider(
        "Uren", options=HOUR_OPTIONS, value=(HOUR_OPTIONS[0], HOUR_OPTIONS[-1]),
        format_func=_format_hour, key=KEY_HOURS,
        help="Van-tot over een buurtdag van 06:00 tot 06:00, zodat een avond die na "
             "middernacht doorloopt één stuk is.",
    )
    st.sidebar.pills(
        "Dagen", options=list(range(7)), default=list(range(7)), selection_mode="multi",
        format_func=lambda day: labels.WEEKDAY_SHORT[day], key=KEY_DAYS,
    )
    period = get_data_period(layers)
    if period is not None:
        first, last = period[0].date(), period[1].date()
        st.sidebar.date_input(
            "Periode", value=(first, last), min_value=first - dt.timedelta(days=366),
            max_value=last + dt.timedelta(days=366), format="DD-MM-YYYY", key=KEY_DATES,
        )
    st.sidebar.toggle("Achtergrondkaart (internet)", value=True, key=KEY_TILES,
                      help="Zonder internet blijven buurtgrens en plekken zichtbaar.")


def get_time_filter() -> TimeFilter:
    """The filter as the sidebar set it (everything when the sidebar was not drawn yet)."""
    start, end = st.session_state.get(KEY_HOURS, (HOUR_OPTIONS[0], HOUR_OPTIONS[-1]))
    if start == end:
        end = start + 1  # both handles on one hour: that hour
    hours = HourRange(start % 24, end % 24 if end - start < 24 else start % 24)
    days = frozenset(st.session_state.get(KEY_DAYS, range(7)) or ())
    dates = st.session_state.get(KEY_DATES) or ()
    date_from = dates[0] if len(dates) >= 1 else None
    date_to = dates[1] if len(dates) == 2 else None
    return TimeFilter(hours=hours, weekdays=days, date_from=date_from, date_to=date_to)


def show_tiles() -> bool:
    """Whether to load the online base map."""
    return bool(st.session_state.get(KEY_TILES, True))


def layer_label(name: str) -> str:
    """The Dutch name of a layer, for widgets."""
    return labels.LAYER_LABELS.get(name, name)


__all__ = [
    "get_time_filter",
    "layer_label",
    "load_workspace",
    "render_time_filter",
    "s",
    "show_tiles",
]
