"""Streamlit glue shared by the pages: which workspace, its cached layers, the time filter."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import streamlit as st

from werkwijzer_geo import WerkwijzerError, access, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.access import Action
from werkwijzer_geo.analysis import connections
from werkwijzer_geo.analysis.cube import ObservationCube, build_cube
from werkwijzer_geo.analysis.patterns import PatternReport, PatternSettings, build_report
from werkwijzer_geo.analysis.selection import get_data_period, select_layers
from werkwijzer_geo.analysis.stories import THEME_LIST, join_themes
from werkwijzer_geo.demo import create_demo_workspace
from werkwijzer_geo.io import storage
from werkwijzer_geo.io.quality import find_date_problems, set_aside_date_problems
from werkwijzer_geo.logbook import LOG, configure_logging
from werkwijzer_geo.render.assets import install_static_assets
from werkwijzer_geo.timefilter import HourRange, TimeFilter, to_weekday_codes

ENV_DB = "WERKWIJZER_DB"
ENV_TIMING = "BUURTKAART_TIMING"
ENV_CHECK_SHARED = "BUURTKAART_CHECK_SHARED"
DEMO_VERSION = "4"
# The hour slider runs over a neighbourhood day, 06:00 to 06:00, so an evening that runs
# past midnight (21:00-02:00) is one range.
DAY_START = 6
HOUR_OPTIONS = list(range(DAY_START, DAY_START + 25))
KEY_HOURS, KEY_DAYS, KEY_DATES, KEY_TILES = "filter_hours", "filter_days", "filter_dates", "tiles"
KEY_PERIOD = "data_period"  # the whole period the date widget was last drawn for


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


def get_workspace_path() -> Path | str:
    """The workspace of this app: $WERKWIJZER_DB (in a database of several, the one chosen
    in the sidebar), or the demo neighbourhood."""
    configured = os.environ.get(ENV_DB)
    if not configured:
        return Path(_ensure_demo(str(get_demo_path())))
    if not storage.is_database_url(configured):
        return Path(configured)
    choices = get_workspace_choices()
    chosen = st.session_state.get(KEY_WORKSPACE)
    if chosen in choices:
        return chosen
    named = storage.parse_database_url(configured).workspace
    if named is not None and (configured in choices or not choices):
        return configured  # the one the address names, unless this person has no role there
    if not choices and has_sign_in() and st.user.is_logged_in:
        raise WerkwijzerError(f"{st.user.get('email')} heeft in geen buurt van deze database "
                              "een rol. Vraag de beheerder van je buurt om een rol.")
    if not choices:
        raise WerkwijzerError("In deze database staat nog geen buurt. Maak er een met "
                              "'python -m werkwijzer_geo init --db ADRES?workspace=naam' of "
                              "kopieer er een naartoe met 'copy' (README, 'Een regio').")
    return next(iter(choices))


KEY_WORKSPACE, PARAM_WORKSPACE = "workspace", "buurt"


@st.cache_data(ttl=30, show_spinner=False)
def _list_workspaces(url: str, user: str | None) -> dict[str, str]:
    """Location -> name of the workspaces in the database that this person may open (with
    sign-in, `user`: where they have a role). Read again after 30 seconds: a new
    neighbourhood or role shows up then; each page still checks the role on the workspace
    itself."""
    return {info.location: info.name for info in storage.list_workspaces(url, user=user)}


def get_workspace_choices() -> dict[str, str]:
    """The workspaces of a database that the sidebar offers (location -> name); empty when
    $WERKWIJZER_DB is a GeoPackage or the demo."""
    configured = os.environ.get(ENV_DB)
    if not configured or not storage.is_database_url(configured):
        return {}
    signed_in = has_sign_in() and st.user.is_logged_in
    return _list_workspaces(configured, (st.user.get("email") or "") if signed_in else None)


def render_workspace_choice() -> None:
    """The sidebar's choice of neighbourhood (for a database that holds more than one); kept
    in the address (?buurt=), so a bookmark opens the same one."""
    choices = get_workspace_choices()
    state = st.session_state
    current = get_workspace_path()
    chosen = st.sidebar.selectbox("Buurt", list(choices), index=list(choices).index(current)
                                  if current in choices else 0,
                                  format_func=lambda location: choices[location],
                                  key=WIDGET_PREFIX + KEY_WORKSPACE)
    if chosen != current:
        state[KEY_WORKSPACE] = chosen
        st.rerun()


# The layers are read once per saved version and shared by every session and rerun, without
# a copy per use (st.cache_data would unpickle 160 MB at 1,000,000 observations on each
# rerun). So they are READ-ONLY: code that changes a table makes its own copy first; with
# $BUURTKAART_CHECK_SHARED set (the tests set it) every page checks it left them unchanged.
@st.cache_resource(show_spinner="Werkruimte laden…", max_entries=2)
def _load_layers(path: str, saved_state: tuple) -> dict[str, gpd.GeoDataFrame]:
    return storage.read_layers(path)


@st.cache_resource(max_entries=2)
def _load_cube(path: str, saved_state: tuple) -> ObservationCube:
    return build_cube(_load_usable_layers(path, saved_state)[s.OBSERVATIONS])


def get_observation_cube() -> ObservationCube:
    """People per date, hour, 50 m cell and group, summed once per saved version (read-only,
    shared): a map of cells for any filter is a sum over it."""
    path = get_workspace_path()
    return _load_cube(str(path), storage.get_saved_state(path))


@st.cache_data(max_entries=4)
def _load_info(path: str, saved_state: tuple) -> storage.WorkspaceInfo:
    return storage.get_workspace_info(path)


@st.cache_resource(max_entries=2)
def _load_usable_layers(path: str, saved_state: tuple) -> dict[str, gpd.GeoDataFrame]:
    return set_aside_date_problems(_load_layers(path, saved_state))[0]


@st.cache_data(max_entries=4)
def _load_date_problems(path: str, saved_state: tuple) -> list[str]:
    # Cached on its own: a page asks for these lines without copying every layer again.
    return [problem.describe() for problem in find_date_problems(_load_layers(path,
                                                                              saved_state))]


def get_date_problems() -> list[str]:
    """Dutch lines for the rows whose dates no page can use (see `quality`)."""
    path = get_workspace_path()
    return _load_date_problems(str(path), storage.get_saved_state(path))


def load_workspace(*, every_row: bool = False,
                   ) -> tuple[storage.WorkspaceInfo, dict[str, gpd.GeoDataFrame]]:
    """The workspace's information and its layers, cached per (path, modification time).

    Rows with impossible dates (31-12-9999) are set aside, as every page but Bewerken needs;
    `every_row` gives them too, so they can be fixed. Shows the Dutch error and stops the
    page when the workspace cannot be opened.
    """
    path = get_workspace_path()
    try:
        modified = storage.get_saved_state(path)
        info = _load_info(str(path), modified)
        if every_row:
            return info, _load_layers(str(path), modified)
        return info, _load_usable_layers(str(path), modified)
    except (WerkwijzerError, FileNotFoundError) as error:
        message = str(error) if isinstance(error, WerkwijzerError) else (
            f"Werkruimte {path} bestaat niet. Maak hem met "
            f"'python -m werkwijzer_geo init --db {path}'.")
        st.error(message)
        st.stop()
        raise


MAX_PROBLEMS_SHOWN = 10
LOOPBACK = ("127.", "::1", "localhost")


def is_open_without_sign_in(address: str | None, has_sign_in: bool) -> bool:
    """Whether the server answers other computers while nobody has to sign in (Streamlit
    listens on every interface when no address is set)."""
    listens_wide = not address or not address.startswith(LOOPBACK)
    return listens_wide and not has_sign_in


def warn_about_set_aside_rows() -> None:
    """Name the rows whose dates no page can use, and where to fix them."""
    problems = get_date_problems()
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    st.warning("Deze rijen hebben een datum waar Buurtkaart niets mee kan; ze tellen nergens "
               "mee tot ze zijn aangepast of verwijderd (Invoer › Bewerken):\n\n"
               + "\n".join(f"- {plain(line)}" for line in shown)
               + (f"\n\n… en nog {more}." if more else ""))


def _format_hour(hour: int) -> str:
    # Labels must be unique: Streamlit finds a select_slider's value by its label when the
    # page changes, and two "06:00" labels made the range jump to 06:00-07:00 (measured).
    return f"{hour % 24:02d}:00" + (" (+1 dag)" if hour == HOUR_OPTIONS[-1] else "")


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


# Everything Streamlit's Markdown gives meaning to: links and images (a browser would fetch
# them), HTML, LaTeX ($), colour and icon directives (:red[...]), lists, headings, tables.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")


# Markdown also links bare addresses (http://..., www...., name@host): an invisible word
# joiner inside each keeps the text as typed and makes no link to someone else's site.
_BARE_LINK = re.compile(r"(?i)(https?|ftp|mailto)(?=:)|(www)(?=\.)|(?<=[\w.+-])(@)(?=[\w-])")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """User text (or a sentence that holds some) made safe for any Streamlit element that
    renders Markdown: shown literally, nothing fetched, nothing formatted, nothing linked."""
    if text is None:
        return ""
    value = str(text).replace("\x00", "")
    value = _BARE_LINK.sub(lambda m: (m.group(1) or m.group(2) or "") + WORD_JOINER
                           + (m.group(3) or ""), value)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value).replace("\n", "  \n")


def show_problems(error: WerkwijzerError, intro: str = "") -> None:
    """A Dutch error box; problems that name a row and column also as a table (row, column,
    problem) a team can work through, every value shown literally."""
    placed = [problem for problem in error.details if problem.row is not None]
    if len(placed) < 2:
        lines = ([plain(intro)] if intro else []) + [plain(line) for line in error.problems]
        st.error("\n\n".join(lines))
        return
    others = [plain(problem.text) for problem in error.details if problem.row is None]
    count = f"{len(error.details)} problemen gevonden:"
    st.error("\n\n".join([plain(intro or count), *others]))
    st.dataframe(pd.DataFrame({
        "rij": [str(problem.row) for problem in placed],
        "kolom": [problem.column for problem in placed],
        "probleem": [problem.text for problem in placed],
    }), hide_index=True, width="stretch")


CRASH_MESSAGE = ("Er ging iets mis bij het tonen van dit deel van de pagina. Wat al was "
                 "opgeslagen blijft bewaard. Laad de pagina opnieuw; gaat het weer mis, geef dan "
                 "de tijd ({time}) door aan de beheerder: de details staan in het serverlog.")


def show_crash(error: BaseException) -> None:
    """An unexpected error: logged in full on the server, a Dutch sentence on the page (never a
    traceback, which could show paths, code or data to a room)."""
    LOG.error("Onverwachte fout", exc_info=error)
    st.error(CRASH_MESSAGE.format(time=dt.datetime.now().strftime("%d-%m-%Y %H:%M")))


def dutch_errors(function: Callable) -> Callable:
    """Run a page, fragment or dialog; an unexpected error becomes `show_crash`. Streamlit's
    own stop and rerun signals are BaseExceptions and pass through."""
    @functools.wraps(function)
    def guarded(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:  # the last line of defence on a page
            show_crash(error)
            return None

    return guarded


# ---- the frame of every page ----

# The pages, in menu order. Streamlit finds them by file (classic multipage layout: its own
# menu is off in .streamlit/config.toml and this one is drawn by `render_menu`).
# Material icons: Streamlit serves their font itself (offline; emoji need a system font).
PAGES = (("app.py", "Kaart", ":material/map:"), ("pages/invoer.py", "Invoer", ":material/edit:"),
         ("pages/patronen.py", "Patronen", ":material/insights:"),
         ("pages/tijdlijn.py", "Tijdlijn", ":material/timeline:"),
         ("pages/presentatie.py", "Presentatie", ":material/slideshow:"),
         ("pages/export.py", "Export", ":material/download:"),
         ("pages/beheer.py", "Beheer", ":material/admin_panel_settings:"))
# What a role must allow to open a page (its menu entry shows only then).
PAGE_ACTIONS = {"Kaart": Action.VIEW_NOTES, "Invoer": Action.EDIT,
                "Patronen": Action.VIEW_NOTES, "Tijdlijn": Action.VIEW_NOTES,
                "Presentatie": Action.PRESENT, "Export": Action.EXPORT_PUBLIC,
                "Beheer": Action.AUDIT}
KEY_ACTOR, KEY_VIEWS_LOGGED = "actor", "views_logged"
# Widgets are forgotten on a page that does not draw them; their values live under the
# KEY_* names too, so the filter holds across pages.
WIDGET_PREFIX = "widget_"
# ...and in the address, so reloading a page (a new session) keeps the filter too.
PARAM_HOURS, PARAM_DAYS, PARAM_FROM, PARAM_TO = "uren", "dagen", "van", "tot"


def _restore_workspace_from_address() -> None:
    """A new session opens the neighbourhood in the address (?buurt=), if it may."""
    state = st.session_state
    if KEY_WORKSPACE in state or PARAM_WORKSPACE not in st.query_params:
        return
    for location in get_workspace_choices():
        if _schema_of(location) == st.query_params[PARAM_WORKSPACE]:
            state[KEY_WORKSPACE] = location


def _schema_of(location: str) -> str | None:
    return storage.parse_database_url(location).workspace


def _restore_filter_from_address() -> None:
    """A new session (a reload, a shared link) starts from the filter in the address."""
    state, params = st.session_state, st.query_params
    if "filter_restored" in state:
        return
    state["filter_restored"] = True
    try:
        if PARAM_HOURS in params:
            start, end = (int(part) for part in params[PARAM_HOURS].split("-"))
            if HOUR_OPTIONS[0] <= start <= end <= HOUR_OPTIONS[-1]:
                state[KEY_HOURS] = (start, end)
        if PARAM_DAYS in params:
            days = [labels.WEEKDAY_CODES.index(code) for code in params[PARAM_DAYS].split(",")
                    if code in labels.WEEKDAY_CODES]
            state[KEY_DAYS] = days
        if PARAM_FROM in params and PARAM_TO in params:
            state[KEY_DATES] = (dt.date.fromisoformat(params[PARAM_FROM]),
                                dt.date.fromisoformat(params[PARAM_TO]))
    except ValueError:  # a hand-edited address: the parts that were readable count
        pass


def _write_filter_to_address() -> None:
    state = st.session_state
    wanted = {}
    hours = state.get(KEY_HOURS, (HOUR_OPTIONS[0], HOUR_OPTIONS[-1]))
    if tuple(hours) != (HOUR_OPTIONS[0], HOUR_OPTIONS[-1]):
        wanted[PARAM_HOURS] = f"{hours[0]}-{hours[1]}"
    days = state.get(KEY_DAYS)
    if days is not None and sorted(days) != list(range(7)):
        wanted[PARAM_DAYS] = to_weekday_codes(days)
    dates = state.get(KEY_DATES) or ()
    if len(dates) == 2:
        wanted[PARAM_FROM], wanted[PARAM_TO] = dates[0].isoformat(), dates[1].isoformat()
    if len(get_workspace_choices()) > 1:
        wanted[PARAM_WORKSPACE] = _schema_of(str(get_workspace_path()))
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def render_menu() -> None:
    """The Dutch menu at the top of the sidebar: the pages the person's role opens."""
    actor = get_actor()
    for page, label, icon in PAGES:
        if actor.is_local_owner or actor.may(PAGE_ACTIONS[label]):
            st.sidebar.page_link(page, label=label, icon=icon)


def render_time_filter(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """The sidebar's time filter. A widget a page does not draw is forgotten, so each value is
    kept under its own key too and given back as the widget's value on the next page."""
    state = st.session_state
    st.sidebar.subheader("Tijdfilter")
    state[KEY_HOURS] = st.sidebar.select_slider(
        "Uren", options=HOUR_OPTIONS, format_func=_format_hour,
        value=tuple(state.get(KEY_HOURS, (HOUR_OPTIONS[0], HOUR_OPTIONS[-1]))),
        help="Van-tot over een buurtdag van 06:00 tot 06:00, zodat een avond die na "
             "middernacht doorloopt één stuk is.", key=WIDGET_PREFIX + KEY_HOURS)
    state[KEY_DAYS] = st.sidebar.pills(
        "Dagen", options=list(range(7)), selection_mode="multi",
        default=list(state.get(KEY_DAYS, range(7))),
        format_func=lambda day: labels.WEEKDAY_SHORT[day], key=WIDGET_PREFIX + KEY_DAYS)
    period = get_data_period(layers)
    if period is not None:
        first, last = period[0].date(), period[1].date()
        earliest, latest = s.get_date_range()
        lowest = max(earliest, first - dt.timedelta(days=366))
        highest = min(latest, last + dt.timedelta(days=366))
        # A period from another workspace or an old link is clamped, never an error; without
        # a chosen period the widget shows the whole one, which grows with new data.
        kept = tuple(min(max(day, lowest), highest) for day in state.get(KEY_DATES) or ())
        widget_key, whole = WIDGET_PREFIX + KEY_DATES, (first, last)
        if state.get(KEY_PERIOD) != whole and widget_key in state \
                and tuple(state[widget_key] or ()) == state.get(KEY_PERIOD):
            del state[widget_key]  # it showed the whole period, and new data made it longer
        state[KEY_PERIOD] = whole
        chosen = st.sidebar.date_input(
            "Periode", value=kept or whole, min_value=lowest, max_value=highest,
            format="DD-MM-YYYY", key=widget_key)
        if tuple(chosen or ()) == whole:
            state.pop(KEY_DATES, None)
        else:
            state[KEY_DATES] = tuple(chosen or ())
    state[KEY_TILES] = st.sidebar.toggle(
        "Achtergrondkaart (internet)", value=bool(state.get(KEY_TILES, True)),
        help="Zonder internet blijven buurtgrens en plekken zichtbaar.",
        key=WIDGET_PREFIX + KEY_TILES)


@st.cache_resource
def _install_assets() -> Path:
    # Leaflet's files come from XStatic-Leaflet; Streamlit serves static/ at /app/static/.
    configure_logging()  # once per server: saves, imports, exports and errors to the log
    return install_static_assets(Path(__file__).parent / "static")


# Every file the server makes (workspace, backup, export, upload, log): its owner only.
os.umask(0o077)


def run_page(title: str, show: Callable[[storage.WorkspaceInfo, dict], None]) -> None:
    """The shared frame of every page: setup, who is there (sign-in and role), workspace,
    sidebar (menu, filter), warnings; then `show(info, layers)`. An unexpected error becomes
    a Dutch sentence."""
    # An emoji favicon: a Material one would be fetched from Google's servers.
    started = time.perf_counter()
    st.set_page_config(page_title=f"{title} · Buurtkaart", page_icon="🗺️", layout="wide",
                       initial_sidebar_state="auto")
    _install_assets()
    if _let_in(title):
        _run_guarded(show)
    report_timing(title, started)


def has_sign_in() -> bool:
    """Whether sign-in (OpenID Connect, `[auth]` in .streamlit/secrets.toml) is set up."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: no sign-in
        return False


def get_actor() -> access.Actor:
    """The person using this session, as `_let_in` found them."""
    return st.session_state.get(KEY_ACTOR, access.LOCAL)


# Who has which role, read once per saved version of the workspace (a role given or taken
# is a save), not on every rerun.
@st.cache_data(max_entries=8, show_spinner=False)
def _has_roles(path: str, saved_state: tuple) -> bool:
    return access.has_roles(path)


@st.cache_data(max_entries=64, show_spinner=False)
def _find_actor(path: str, saved_state: tuple | None, user: str | None) -> access.Actor:
    return access.find_actor(path, user, via="app")


@dutch_errors
def _let_in(title: str) -> bool:
    """Who is there, and may they see this page? Says why not, in Dutch, and shows nothing
    else then: not on a network without sign-in, not before signing in, not without a role
    that opens this page."""
    state = st.session_state
    signed = has_sign_in()
    if is_open_without_sign_in(st.get_option("server.address"), signed):
        st.error("Buurtkaart is open voor het netwerk zonder aanmelden en toont daarom niets: "
                 "iedereen op dit netwerk zou notities kunnen lezen en wijzigen. Start de app "
                 "zonder --server.address (dan alleen op deze computer) of stel aanmelden in "
                 "(README, 'Op een netwerk').")
        return False
    _restore_workspace_from_address()
    try:
        path = get_workspace_path()
    except WerkwijzerError as error:  # a region's database with nothing for this person
        show_problems(error)
        if signed and st.user.is_logged_in:
            st.button("Afmelden", on_click=st.logout, key="sign_out_no_workspace")
        return False
    saved = storage.get_saved_state(path) if storage.workspace_exists(path) else None
    if not signed:
        if saved is not None and _has_roles(str(path), saved):
            st.error("In deze buurt hebben mensen een rol, maar aanmelden is niet ingesteld. "
                     "Stel aanmelden in (README, 'Op een netwerk'); tot dan toont Buurtkaart "
                     "niets.")
            return False
        state[KEY_ACTOR] = access.LOCAL
    elif not st.user.is_logged_in:
        st.title("Buurtkaart")
        st.markdown("Meld je aan met je werkaccount om de buurtkaart te openen.")
        if st.button("Aanmelden", type="primary", key="sign_in"):
            st.login()
        return False
    else:
        try:
            state[KEY_ACTOR] = _find_actor(str(path), saved, st.user.get("email"))
        except WerkwijzerError as error:
            show_problems(error)
            st.button("Afmelden", on_click=st.logout, key="sign_out_refused")
            return False
    actor = get_actor()
    if not actor.is_local_owner and not actor.may(PAGE_ACTIONS[title]):
        opens = [page for page, label, _ in PAGES if actor.may(PAGE_ACTIONS[label])]
        if title == PAGES[0][1] and opens:  # the first page after signing in: go to theirs
            st.switch_page(opens[0])
        st.error(f"Met de rol {actor.role} open je {title} niet. Kies een pagina in het menu, "
                 "of vraag de beheerder van deze buurt om een andere rol.")
        st.sidebar.title("Buurtkaart")
        render_menu()
        render_who()
        return False
    if PAGE_ACTIONS[title] is Action.VIEW_NOTES and not actor.is_local_owner:
        # Who looked at the team's data, once per page per session; never what they saw.
        logged = state.setdefault(KEY_VIEWS_LOGGED, set())
        if (str(path), title) not in logged:
            access.log(path, actor, Action.VIEW_NOTES, detail=title)
            logged.add((str(path), title))
    return True


def render_who() -> None:
    """Who is signed in with which role (and a way out), or that this computer alone can
    open the app."""
    actor = get_actor()
    if actor.is_local_owner:
        st.sidebar.caption("Zonder aanmelden: alleen op deze computer te openen "
                           "(127.0.0.1).")
        return
    st.sidebar.caption(f"Aangemeld als {plain(actor.user)} · rol {actor.role}")
    st.sidebar.button("Afmelden", on_click=st.logout, key="sign_out")


def report_timing(part: str, started: float) -> None:
    """The server's work for a rerun, on stderr when $BUURTKAART_TIMING is set (the browser
    benchmark reads it; see werkwijzer_geo.browser_bench)."""
    if os.environ.get(ENV_TIMING):
        milliseconds = (time.perf_counter() - started) * 1000
        print(f"buurtkaart-timing {part} {milliseconds:.1f}", file=sys.stderr, flush=True)


# On a phone in the street the map belongs in the first screen: a smaller title, less air.
PHONE_STYLE = """<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"], .block-container { padding-top: 2.6rem !important; }
  h1 { font-size: 1.7rem !important; padding: 0.2rem 0 !important; }
}
</style>"""


@dutch_errors
def _run_guarded(show: Callable[[storage.WorkspaceInfo, dict], None]) -> None:
    st.html(PHONE_STYLE)
    _restore_filter_from_address()
    info, layers = load_workspace()
    checked = _shared_layers() if os.environ.get(ENV_CHECK_SHARED) else None
    before = [fingerprint_layers(frames) for frames in checked] if checked else None
    st.sidebar.title("Buurtkaart")
    if len(get_workspace_choices()) > 1:
        render_workspace_choice()
    else:
        st.sidebar.caption(plain(info.name))
    render_menu()
    render_who()
    render_time_filter(layers)
    _write_filter_to_address()
    warn_about_set_aside_rows()
    show(info, layers)
    if checked and [fingerprint_layers(frames) for frames in checked] != before:
        raise RuntimeError("a page changed the shared, cached layers in place")


def _shared_layers() -> list[dict]:
    path = get_workspace_path()
    modified = storage.get_saved_state(path)
    return [_load_layers(str(path), modified), _load_usable_layers(str(path), modified)]


def fingerprint_layers(layers: dict[str, gpd.GeoDataFrame]) -> dict:
    """Everything a page could change in the shared layers: columns, rows, values, shapes
    and attrs. Compared before and after a page when $BUURTKAART_CHECK_SHARED is set (the
    tests set it)."""
    prints = {}
    for name, frame in layers.items():
        values = pd.util.hash_pandas_object(
            frame.drop(columns=frame.geometry.name).astype(str), index=True).sum()
        shapes = pd.util.hash_pandas_object(pd.Series(frame.geometry.to_wkb()), index=False)
        prints[name] = (tuple(frame.columns), len(frame), int(values), int(shapes.sum()),
                        repr(frame.attrs))
    return prints


# ---- forms built from the schema, used by Invoer ----

LONG_TEXT = {s.NOTE, s.GOAL, s.EVALUATION, s.TEXT}
SKIPPED_IN_FORMS = {s.ID, s.ROUND_ID}
DEFAULT_NUMBERS = {s.COUNT: 1, s.SEVERITY: 2, s.START_HOUR: 21, s.END_HOUR: 23,
                   s.RADIUS_M: float(s.DEFAULT_RADIUS_M)}


def _code_widget(layer_name: str, column: s.Column, key: str):
    names = labels.get_code_labels(layer_name, column.name)
    title = column.label.capitalize() + ("" if column.required else " (mag leeg)")
    if len(column.codes) <= 8:
        return st.pills(title, options=list(column.codes), format_func=lambda c: names.get(c, c),
                        key=key)
    return st.selectbox(title, options=list(column.codes), index=None,
                        format_func=lambda c: names.get(c, c), key=key)


def render_row_form(layer_name: str, tz: str, *, key: str) -> dict:
    """Widgets for every column a person fills in; returns column -> value (inside st.form).

    Instants come back as (date, time) pairs, to be joined with `make_local_instant`.
    """
    layer = s.get_layer(layer_name)
    now = dt.datetime.now(ZoneInfo(tz))
    values: dict = {}
    # What a person saw first; the time defaults to now and comes last.
    ordered = sorted(layer.columns, key=lambda c: c.kind is s.Kind.INSTANT)
    for column in ordered:
        name = column.name
        widget_key = f"{key}_{name}"
        title = column.label.capitalize() + ("" if column.required else " (mag leeg)")
        if name in SKIPPED_IN_FORMS:
            continue
        if name == s.WEEKDAYS:
            days = st.pills(title, options=list(range(7)), selection_mode="multi",
                            format_func=lambda d: labels.WEEKDAY_SHORT[d], key=widget_key)
            values[name] = to_weekday_codes(days or [])
        elif column.kind is s.Kind.CODE:
            values[name] = _code_widget(layer_name, column, widget_key)
        elif column.kind in (s.Kind.INT, s.Kind.FLOAT):
            is_int = column.kind is s.Kind.INT
            default = DEFAULT_NUMBERS.get(name) if column.required or name == s.RADIUS_M else None
            values[name] = st.number_input(
                title, min_value=column.minimum if column.minimum is None or not is_int
                else int(column.minimum), max_value=column.maximum if column.maximum is None
                or not is_int else int(column.maximum), value=default,
                step=1 if is_int else 10.0, key=widget_key)
        elif column.kind is s.Kind.INSTANT:
            if not column.required:
                continue  # ends and resolutions are filled in later, in Bewerken
            left, right = st.columns(2)
            day = left.date_input(title, value=now.date(), format="DD-MM-YYYY",
                                  key=f"{widget_key}_day")
            clock = right.time_input("Tijd", value=now.time().replace(second=0, microsecond=0),
                                     step=60, key=f"{widget_key}_time")
            values[name] = (day, clock)
        elif column.kind is s.Kind.DATE:
            values[name] = st.date_input(title, value=now.date() if column.required else None,
                                         format="DD-MM-YYYY", key=widget_key)
        elif name == s.THEMES:  # the short list, and any word of the team's own
            chosen = st.multiselect(title + " (kies of typ een eigen woord)",
                                    options=list(THEME_LIST), accept_new_options=True,
                                    placeholder="kies of typ", key=widget_key)
            values[name] = join_themes(chosen)
        elif name in LONG_TEXT:
            values[name] = st.text_area(title + " — geen namen van mensen", key=widget_key)
        elif layer_name == s.EVENTS and name == s.TITLE:  # on the residents' timeline
            values[name] = st.text_input(
                title, key=widget_key, help="Bewoners zien deze titel op de tijdlijn van de "
                "bewonersavond: geen namen, adressen of telefoonnummers.")
        else:
            values[name] = st.text_input(title, key=widget_key)
    return values


def show_table(frame: pd.DataFrame, **options) -> None:
    """`st.dataframe` with numbers the Dutch way (decimal comma, '–' for none), right-aligned;
    whatever the browser's language."""
    shown, numbers = labels.format_table_numbers(frame)
    config = {column: st.column_config.TextColumn(alignment="right") for column in numbers}
    st.dataframe(shown, column_config=config, **options)


def dutch_table(layer_name: str, table: pd.DataFrame):
    """The table as a team reads it: Dutch column names and labels for codes, dates as
    dd-mm-jjjj and 24-hour times; and the way back to codes for saving."""
    layer = s.get_layer(layer_name)
    shown = table.copy()
    config, reverse = {}, {}
    for column in layer.columns:
        if column.name not in shown.columns:
            continue
        title = column.label.capitalize()
        names = labels.get_code_labels(layer_name, column.name)
        if column.kind is s.Kind.CODE and names and all(isinstance(c, str) for c in names):
            shown[column.name] = shown[column.name].map(lambda v, n=names: n.get(v, v))
            reverse[column.name] = {label: code for code, label in names.items()}
            config[column.name] = st.column_config.SelectboxColumn(
                title, options=list(names.values()), required=column.required)
        elif column.kind is s.Kind.INSTANT:
            config[column.name] = st.column_config.DatetimeColumn(title,
                                                                  format="DD-MM-YYYY HH:mm")
        elif column.kind is s.Kind.DATE:
            config[column.name] = st.column_config.DateColumn(title, format="DD-MM-YYYY")
        elif column.kind in (s.Kind.INT, s.Kind.FLOAT):
            config[column.name] = st.column_config.NumberColumn(title)
        else:
            config[column.name] = st.column_config.TextColumn(title)

    def to_codes(edited: pd.DataFrame) -> pd.DataFrame:
        back = edited.copy()
        for name, codes in reverse.items():
            back[name] = back[name].map(lambda v, c=codes: c.get(v, v))
        return back

    return shown, config, to_codes


@st.cache_data(max_entries=16, show_spinner="Gebeurtenissen naast de rondes leggen…")
def get_event_connections(path: str, saved_state: tuple, time_filter: TimeFilter,
                          ) -> list[connections.EventConnection]:
    """What changed after each event in the filter's dates (cached per workspace version:
    half a second at 1,000,000 observations, on every rerun otherwise)."""
    layers = _load_usable_layers(path, saved_state)
    events = select_layers(layers, time_filter)[s.EVENTS]
    return connections.connect_events(events, layers[s.OBSERVATIONS], layers[s.ROUNDS],
                                      layers[s.SPOTS], places=layers[s.PLACES])


@st.cache_data(max_entries=16, show_spinner="Patronen zoeken…")
def get_pattern_report(path: str, saved_state: tuple, time_filter: TimeFilter,
                       settings: PatternSettings) -> PatternReport:
    """The pattern report for a workspace version, filter and thresholds (cached)."""
    return build_report(_load_usable_layers(path, saved_state), time_filter, settings)
