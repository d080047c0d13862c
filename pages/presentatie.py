"""Presentatie: a residents' evening on a projector. Only the public selection is shown."""

from __future__ import annotations

import html
from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium

import ui
from werkwijzer_geo import WerkwijzerError, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.effects import get_weekly_trend
from werkwijzer_geo.analysis.public import (
    MIN_PUBLIC_COUNT,
    describe_public,
    describe_public_effort,
    describe_public_experiments,
    describe_public_hour,
    describe_public_themes,
    describe_public_timeline,
    get_public_week,
    make_public_layers,
    make_public_timeline,
)
from werkwijzer_geo.analysis.selection import select_layers
from werkwijzer_geo.render import charts, maps
from werkwijzer_geo.render import scenes as sc
from werkwijzer_geo.timefilter import HourRange, TimeFilter

KEY_SCENE, KEY_PLAYING, KEY_HOUR = "scene_index", "playing", "play_hour"
KEY_VIEW = "presentation_view"
MODES = ["Presenteren", "Een dag afspelen", "Voorbereiden"]

# For a room: no sidebar, toolbar or header; one title line; the map fills the height below
# it (the iframe, and the map inside it, see maps.build_base_map(fill=True)); no text under
# 16 px. Typed text reaches st.html only through html.escape (theme and action cards).
PRESENT_STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stHeader"], [data-testid="stDecoration"] {
  display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding: 0.5rem 1.2rem 0 1.2rem !important; max-width: 100% !important; }
h1 { font-size: 2.4rem !important; line-height: 1.2 !important; padding: 0.1rem 0 !important;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stMarkdown p, .stMarkdown li { font-size: 1.45rem; line-height: 1.35; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
  font-size: 1.15rem !important; }
button p, button div { font-size: 1.1rem !important; }
iframe[title="streamlit_folium.st_folium"] { height: calc(100vh - 5.2rem) !important; }
.st-key-scene_prev_arrow, .st-key-scene_next_arrow { display: none !important; }
kbd { display: none !important; }  /* the PageUp/PageDown hints: the presenter knows */
@media (max-height: 800px) {
  .stMarkdown p { font-size: 1.2rem; } h1 { font-size: 2rem !important; } }
.bk-legend { font-size: 1.15rem; line-height: 1.35; }
.bk-legend summary { font-weight: 600; font-size: 1.2rem; }
.bk-legend h4 { margin: 0.5rem 0 0.15rem; font-size: 1.15rem; }
.bk-legend .bk-cols { display: grid; grid-template-columns: auto auto; column-gap: 1rem; }
.bk-swatch { display: inline-block; width: 1rem; height: 1rem; margin-right: 0.4rem;
  vertical-align: -0.1rem; border: 1px solid rgba(0,0,0,0.35); }
.bk-swatch.round { border-radius: 50%; }
.bk-cards { display: flex; flex-wrap: wrap; gap: 1.2rem; }
.bk-card { background: #eef5f4; border-left: 0.5rem solid #2B7A78; border-radius: 0.6rem;
  padding: 1.2rem 1.6rem; min-width: 16rem; }
.bk-card .bk-theme { font-size: 2.2rem; font-weight: 700; color: #1d4f4d; }
.bk-card .bk-count { font-size: 1.4rem; color: #333; }
.bk-card.bk-action { border-left-color: #1B9E77; padding: 0.6rem 1rem; width: 100%; }
.bk-card .bk-name { font-size: 1.5rem; font-weight: 700; color: #0d5c43; }
.bk-card.bk-action .bk-count { font-size: 1.15rem; }
.bk-roll { font-size: 1.2rem; line-height: 1.3; }
@media (min-height: 1000px) { .bk-roll { font-size: 1.45rem; } }
.bk-roll div { margin-bottom: 0.25rem; }
.bk-roll .bk-heard { margin-top: 0.6rem; color: #333; }
.bk-roll .bk-n { display: inline-block; min-width: 1.8rem; font-weight: 700; color: #2B7A78; }
.bk-roll .bk-when { color: #555; }
</style>"""
# The other modes are for the team at the laptop: the same page, less large.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stHeader"] { display: none !important; }
.block-container { padding-top: 1.2rem; max-width: 100% !important; }
.stMarkdown p { font-size: 1.4rem; line-height: 1.4; }
h1 { font-size: 3rem !important; }
iframe[title="streamlit_folium.st_folium"] { height: calc(100vh - 12rem) !important; }
</style>"""


def public_map(layers: dict, public: dict, visible: list[str], *, scene: sc.Scene | None,
               key: str, focus=None, returned: tuple[str, ...] = ()) -> dict | None:
    """The map of a scene: filling the height, fitted to the neighbourhood (or the scene's
    own view), the legend beside it instead of over the data."""
    view = None
    if scene is not None and scene.centre_lat is not None:
        view = (scene.centre_lat, scene.centre_lon, scene.zoom or 16)
    base = maps.build_base_map(layers[s.BOUNDARY], public[s.PLACES], tiles=ui.show_tiles(),
                               legend_layers=None, large=True, fill=True, focus=focus,
                               view=view)
    return st_folium(base, feature_group_to_add=maps.build_public_groups(public, visible),
                     returned_objects=list(returned), use_container_width=True, height=700,
                     key=key)


def show_legend(visible: list[str]) -> None:
    # Fixed Dutch labels and colours only (maps.build_legend_html escapes its text).
    st.html(f'<div class="bk-legend">{maps.build_legend_html(visible)}</div>')


def show_theme_cards(themes) -> None:
    """Themes as big cards a room can read; the theme words are the team's, escaped."""
    if not len(themes):
        st.markdown("Nog geen verhalen met thema's in deze periode.")
        return
    cards = "".join(
        f'<div class="bk-card"><div class="bk-theme">{html.escape(str(theme))}</div>'
        f'<div class="bk-count">{count} keer gehoord</div></div>'
        for theme, count in themes.items())
    st.html(f'<div class="bk-cards">{cards}</div>')


def show_experiment_cards(experiments) -> None:
    """Each action's name large, and what kind, how far along and when; names escaped."""
    cards = "".join(
        f'<div class="bk-card bk-action"><div class="bk-name">{html.escape(name)}</div>'
        f'<div class="bk-count">{html.escape(detail)}</div></div>'
        for name, detail in describe_public_experiments(experiments))
    if cards:
        st.html(f'<div class="bk-cards">{cards}</div>')


def scene_chart(layers: dict, scene: sc.Scene, time_filter: TimeFilter, public: dict) -> None:
    selected = select_layers(layers, time_filter)
    if scene.chart == "effort":  # residents hear how much, never at which hours
        st.markdown(f"**Wanneer keken we?** {describe_public_effort(selected[s.ROUNDS])}")
    elif scene.chart == "week":
        week = get_public_week(selected[s.OBSERVATIONS], group="youth")
        st.plotly_chart(charts.plot_week_heatmap(
            week, title="Jongeren per dag en uur", value_label="mensen",
            missing_text="niets te tonen", large=True), width="stretch", theme=None)
        st.caption(f"Alleen momenten met {MIN_PUBLIC_COUNT} of meer jongeren op één plek "
                   "tellen mee.")
    elif scene.chart == "trend":
        trend = get_weekly_trend(selected[s.SPOTS])
        if not trend.empty:
            st.plotly_chart(charts.plot_weekly_trend(trend, large=True), width="stretch",
                            theme=None)
    elif scene.chart == "themes":
        show_theme_cards(public["themes"])
    elif scene.chart == "timeline":  # events by week; stories only as their themes
        timeline = make_public_timeline(selected[s.EVENTS], selected[s.STORIES])
        if timeline.empty:
            st.markdown("Nog geen gebeurtenissen of verhalen in deze periode.")
            return
        chart, roll = st.columns([1.5, 1])
        chart.plotly_chart(charts.plot_public_timeline(timeline), width="stretch", theme=None)
        # The titles beside the chart, numbered as its markers, and the themes by month;
        # typed text escaped.
        lines = "".join(
            f'<div><span class="bk-n">{number}</span>{html.escape(title)} '
            f'<span class="bk-when">(week van {week})</span></div>'
            for number, week, _, title in describe_public_timeline(timeline))
        lines += "".join(
            f'<div class="bk-heard"><b>Gehoord in {html.escape(month)}:</b> '
            f'{html.escape(themes)}</div>'
            for month, themes in describe_public_themes(timeline, top=3))
        roll.html(f'<div class="bk-roll">{lines}</div>')
        roll.caption("Gebeurtenissen per week; verhalen alleen als hun thema's, nooit wie het "
                     "vertelde of wat.")


def scene_controls(index: int, count: int) -> None:
    """Vorige / Volgende (also PageUp / PageDown from a presenter's clicker, and the arrow
    keys), where the scene is, and a discreet way back to the team's view."""
    state = st.session_state
    back, forward, where, stop = st.columns([1.5, 1.6, 0.6, 0.9], vertical_alignment="center")
    if back.button("◀ Vorige", disabled=index == 0, width="stretch", shortcut="PageUp",
                   key="scene_prev") or st.button("◀", key="scene_prev_arrow",
                                                   shortcut="Left", disabled=index == 0):
        state[KEY_SCENE] = index - 1
        st.rerun()
    if forward.button("Volgende ▶", disabled=index == count - 1, width="stretch",
                      shortcut="PageDown", key="scene_next") or st.button(
                          "▶", key="scene_next_arrow", shortcut="Right",
                          disabled=index == count - 1):
        state[KEY_SCENE] = index + 1
        st.rerun()
    where.markdown(f"{index + 1} / {count}")
    if stop.button("Stoppen", type="tertiary", key="stop_presenting",
                   help="Terug naar voorbereiden; de zaal ziet de knoppen niet."):
        state[KEY_VIEW] = "Voorbereiden"
        st.rerun()


def present_scenes(layers: dict, scene_list: list[sc.Scene]) -> None:
    state = st.session_state
    if not scene_list:
        st.info("Nog geen scènes. Maak ze bij Voorbereiden.")
        if st.button("Naar Voorbereiden", key="stop_presenting"):
            state[KEY_VIEW] = "Voorbereiden"
            st.rerun()
        return
    index = min(state.get(KEY_SCENE, 0), len(scene_list) - 1)
    scene = scene_list[index]
    time_filter = scene.to_time_filter()
    public = make_public_layers(layers, time_filter)
    visible = scene.get_layers()
    title, controls = st.columns([2.2, 1.8], vertical_alignment="center")
    title.title(ui.plain(scene.title))
    with controls:
        scene_controls(index, len(scene_list))
    if visible:
        map_column, side = st.columns([2.3, 1])
        with map_column:
            public_map(layers, public, visible, scene=scene, key="presentation_map")
        with side:
            if scene.text:
                st.markdown(ui.plain(scene.text))
            st.caption(sc.describe_scene_filter(scene))
            if scene.chart:
                scene_chart(layers, scene, time_filter, public)
            if s.EXPERIMENTS in visible:
                show_experiment_cards(public[s.EXPERIMENTS])
            show_legend(visible)
            if s.OBSERVATIONS in visible:
                st.caption(describe_public(public))
    else:  # no map: the text, and the chart or the themes, large
        if scene.text:
            st.markdown(ui.plain(scene.text))
        scene_chart(layers, scene, time_filter, public)


def play_a_day(layers: dict) -> None:
    state = st.session_state
    left, middle, right = st.columns(3)
    day = left.selectbox("Dag", range(7), index=4, key="play_day",
                         format_func=lambda d: labels.format_weekdays([d], long=True,
                                                                      sentence=True))
    speed = middle.select_slider("Snelheid (seconden per uur)", [1, 2, 3, 5], value=2,
                                 key="play_speed")
    playing = right.toggle("Afspelen", key=KEY_PLAYING)
    state.setdefault(KEY_HOUR, 7)

    # The map stays on where people are on this weekday, so it does not jump every hour.
    whole_day = make_public_layers(layers, TimeFilter(weekdays=frozenset({day})))
    focus = whole_day["cells"] if len(whole_day["cells"]) else None

    @st.fragment(run_every=speed if playing else None)
    @ui.dutch_errors
    def play() -> None:
        hour = state[KEY_HOUR]
        if state.get(KEY_PLAYING):
            state[KEY_HOUR] = (hour + 1) % 24
            hour = state[KEY_HOUR]
        moment = describe_public_hour(layers[s.OBSERVATIONS], layers[s.ROUNDS], day, hour)
        st.title(f"{labels.format_weekdays([day], long=True, sentence=True)} {hour:02d}:00")
        st.markdown(f"**{moment.sentence}**")
        public = make_public_layers(layers, TimeFilter(hours=HourRange(hour, (hour + 1) % 24),
                                                       weekdays=frozenset({day})))
        if not moment.looked:  # unknown, not empty: no people drawn as if nobody was there
            public["cells"] = public["cells"].iloc[0:0]
        public_map(layers, public, [s.OBSERVATIONS], scene=None, key="play_map", focus=focus)
        st.caption("Elk uur: hoeveel mensen één ronde meestal zag (alleen groepjes van "
                   f"{MIN_PUBLIC_COUNT} of meer op één plek tellen mee); de kaart telt alle "
                   "rondes van dit uur bij elkaar op.")

    play()


SCENE_COLUMN_TITLES = {
    "position": "Volgorde", "title": "Titel", "text": "Tekst voor bewoners",
    "layers": "Lagen", "hours": "Uren (bv. 21-2)", "weekdays": "Dagen",
    "date_from": "Van (dd-mm-jjjj)", "date_to": "Tot (dd-mm-jjjj)", "chart": "Grafiek",
    "view": "Kaartbeeld"}


def scene_editor_config() -> dict:
    """Dutch column titles; layers, days and chart as choices (saved as their codes)."""
    config = {name: st.column_config.Column(title) for name, title in
              SCENE_COLUMN_TITLES.items()}
    config["position"] = st.column_config.NumberColumn(SCENE_COLUMN_TITLES["position"], step=1)
    config["layers"] = st.column_config.MultiselectColumn(
        SCENE_COLUMN_TITLES["layers"], options=list(sc.SCENE_LAYERS),
        format_func=lambda code: ui.layer_label(code).lower(),
        help="Leeg: alleen de tekst en de grafiek, zonder kaart.")
    config["weekdays"] = st.column_config.MultiselectColumn(
        SCENE_COLUMN_TITLES["weekdays"], options=list(labels.WEEKDAY_CODES),
        format_func=lambda code: labels.WEEKDAY_SHORT[labels.WEEKDAY_CODES.index(code)],
        help="Leeg: elke dag.")
    config["hours"] = st.column_config.TextColumn(
        SCENE_COLUMN_TITLES["hours"], help="Van en tot welk uur, bv. 21-2 (over middernacht). "
        "Leeg: de hele dag.")
    for name in ("date_from", "date_to"):
        config[name] = st.column_config.TextColumn(SCENE_COLUMN_TITLES[name],
                                                   help="Leeg: de hele periode.")
    config["chart"] = st.column_config.SelectboxColumn(
        SCENE_COLUMN_TITLES["chart"], options=list(sc.CHARTS.values()))
    config["view"] = st.column_config.TextColumn(
        SCENE_COLUMN_TITLES["view"], disabled=True,
        help="Kies het kaartbeeld hieronder op de kaart van de scène.")
    return config


def prepare_scenes(path, layers: dict, scene_list: list[sc.Scene]) -> None:
    state = st.session_state
    st.subheader("Scènes voorbereiden")
    st.caption("Eén rij per scène; Volgorde bepaalt de volgorde. Leeg is alles: alle dagen, de "
               "hele dag, de hele periode, de hele buurt. Tekst is voor bewoners: schrijf geen "
               "namen.")
    # The chart as a Dutch choice; stored as its code.
    frame = sc.to_editor_frame(scene_list)
    frame["chart"] = frame["chart"].map(lambda code: sc.CHARTS.get(code, code))
    # The view's numbers stay in the table (saved as they were) but are chosen on the map.
    edited = st.data_editor(frame, num_rows="dynamic", width="stretch", key="scene_editor",
                            hide_index=True, column_config=scene_editor_config(),
                            column_order=list(SCENE_COLUMN_TITLES))
    if st.button("Scènes opslaan", type="primary"):
        codes = {label: code for code, label in sc.CHARTS.items()}
        edited = edited.assign(chart=edited["chart"].map(lambda v: codes.get(v, v)))
        try:
            sc.write_scenes(path, sc.scenes_from_frame(edited), actor=ui.get_actor())
            state[KEY_SCENE] = 0
            st.success("Opgeslagen.")
        except WerkwijzerError as error:
            ui.show_problems(error)
    choose_scene_view(path, layers, scene_list)


def choose_scene_view(path, layers: dict, scene_list: list[sc.Scene]) -> None:
    """The scene's map as the room will see it; pan and zoom, then keep that view."""
    with_map = [index for index, scene in enumerate(scene_list) if scene.get_layers()]
    if not with_map:
        return
    st.subheader("Kaartbeeld van een scène")
    st.caption("Schuif en zoom de kaart tot je ziet wat de zaal moet zien, en neem dat beeld "
               "over. Zonder eigen beeld toont de scène de hele buurt.")
    index = st.selectbox("Scène", with_map, key="view_scene",
                         format_func=lambda i: f"{i + 1}. {scene_list[i].title}")
    scene = scene_list[index]
    public = make_public_layers(layers, scene.to_time_filter())
    shown = public_map(layers, public, scene.get_layers(), scene=scene,
                       key=f"view_map_{index}", returned=("center", "zoom")) or {}
    editor = st.session_state.get("scene_editor") or {}
    unsaved = any(editor.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))
    if unsaved:
        st.caption("Sla eerst de tabel op; daarna kun je het kaartbeeld overnemen.")
    take, whole = st.columns(2)
    centre, zoom = shown.get("center"), shown.get("zoom")
    if take.button("Huidige kaartbeeld gebruiken", disabled=unsaved or not centre or not zoom,
                   type="primary", key="use_view"):
        keep = replace(scene, centre_lat=round(centre["lat"], 6),
                       centre_lon=round(centre["lng"], 6), zoom=round(float(zoom), 1))
        save_scene(path, scene_list, index, keep, f"Kaartbeeld van scène {index + 1} bewaard.")
    if whole.button("Hele buurt", disabled=unsaved or scene.centre_lat is None,
                    key="whole_view"):
        keep = replace(scene, centre_lat=None, centre_lon=None, zoom=None)
        save_scene(path, scene_list, index, keep, f"Scène {index + 1} toont de hele buurt.")


def save_scene(path, scene_list: list[sc.Scene], index: int, scene: sc.Scene,
               message: str) -> None:
    try:
        sc.write_scenes(path, [*scene_list[:index], scene, *scene_list[index + 1:]],
                        actor=ui.get_actor())
    except WerkwijzerError as error:
        ui.show_problems(error)
        return
    st.toast(message)
    st.rerun()


def show_presentation(info, layers) -> None:
    state = st.session_state
    path = ui.get_workspace_path()
    scene_list = sc.read_scenes(path)
    view = state.setdefault(KEY_VIEW, "Presenteren")
    if view == "Presenteren":  # the room sees only the scene; the switch is "Stoppen"
        st.html(PRESENT_STYLE)
        present_scenes(layers, scene_list)
        return
    st.html(STYLE)
    chosen = st.segmented_control("Modus", MODES, default=view, key="presentation_mode",
                                  label_visibility="collapsed") or view
    if chosen != view:
        state[KEY_VIEW] = chosen
        st.rerun()
    if view == "Een dag afspelen":
        play_a_day(layers)
    else:
        prepare_scenes(path, layers, scene_list)


ui.run_page("Presentatie", show_presentation)
