"""Presentatie: a residents' evening on a projector. Only the public selection is shown."""

from __future__ import annotations

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
    get_public_week,
    make_public_layers,
)
from werkwijzer_geo.analysis.selection import select_layers
from werkwijzer_geo.render import charts, maps
from werkwijzer_geo.render import scenes as sc
from werkwijzer_geo.timefilter import HourRange, TimeFilter

KEY_SCENE, KEY_PLAYING, KEY_HOUR = "scene_index", "playing", "play_hour"

STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stHeader"] { display: none !important; }
.block-container { padding-top: 1.2rem; max-width: 100% !important; }
.stMarkdown p { font-size: 1.6rem; line-height: 1.4; }
h1 { font-size: 3.2rem !important; }
</style>"""


def public_map(layers: dict, public: dict, visible: list[str], *, scene: sc.Scene | None,
               key: str) -> None:
    base = maps.build_base_map(layers[s.BOUNDARY], public[s.PLACES], tiles=ui.show_tiles(),
                               legend_layers=visible, large=True)
    centre = None if scene is None or scene.centre_lat is None else (scene.centre_lat,
                                                                     scene.centre_lon)
    st_folium(base, feature_group_to_add=maps.build_public_groups(public, visible),
              returned_objects=[], use_container_width=True, height=560, key=key,
              center=centre, zoom=scene.zoom if scene is not None and scene.zoom else None)


def scene_chart(layers: dict, scene: sc.Scene, time_filter: TimeFilter, public: dict) -> None:
    selected = select_layers(layers, time_filter)
    if scene.chart == "effort":  # residents hear how much, never at which hours
        st.markdown(f"**Wanneer keken we?** {describe_public_effort(selected[s.ROUNDS])}")
    elif scene.chart == "week":
        week = get_public_week(selected[s.OBSERVATIONS], group="youth")
        st.plotly_chart(charts.plot_week_heatmap(
            week, title="Jongeren gezien per weekdag en uur (opgeteld)", value_label="mensen",
            missing_text="niets te tonen"), width="stretch")
        st.caption(f"Alleen momenten met {MIN_PUBLIC_COUNT} of meer jongeren op één plek "
                   "tellen mee.")
    elif scene.chart == "trend":
        trend = get_weekly_trend(selected[s.SPOTS])
        if not trend.empty:
            st.plotly_chart(charts.plot_weekly_trend(trend), width="stretch")
    elif scene.chart == "themes":
        themes = public["themes"]
        if len(themes):
            st.markdown("**Wat we hoorden:** " + " · ".join(ui.plain(t) for t in themes.index))


def present_scenes(layers: dict, scene_list: list[sc.Scene]) -> None:
    state = st.session_state
    if not scene_list:
        st.info("Nog geen scènes. Maak ze bij Voorbereiden.")
        return
    index = min(state.get(KEY_SCENE, 0), len(scene_list) - 1)
    scene = scene_list[index]
    time_filter = scene.to_time_filter()
    public = make_public_layers(layers, time_filter)
    left, middle, right = st.columns([1, 6, 1], vertical_alignment="center")
    if left.button("◀ Vorige", disabled=index == 0, width="stretch"):
        state[KEY_SCENE] = index - 1
        st.rerun()
    if right.button("Volgende ▶", disabled=index == len(scene_list) - 1, width="stretch"):
        state[KEY_SCENE] = index + 1
        st.rerun()
    middle.caption(f"Scène {index + 1} van {len(scene_list)} · {sc.describe_scene_filter(scene)}")
    st.title(ui.plain(scene.title))
    if scene.text:
        st.markdown(ui.plain(scene.text))
    if scene.get_layers():
        map_column, chart_column = st.columns([3, 2]) if scene.chart else (st.container(), None)
        with map_column:
            public_map(layers, public, scene.get_layers(), scene=scene, key="presentation_map")
            if s.OBSERVATIONS in scene.get_layers():
                st.caption(describe_public(public))
        if chart_column is not None:
            with chart_column:
                scene_chart(layers, scene, time_filter, public)
    else:
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

    @st.fragment(run_every=speed if playing else None)
    @ui.dutch_errors
    def play() -> None:
        hour = state[KEY_HOUR]
        if state.get(KEY_PLAYING):
            state[KEY_HOUR] = (hour + 1) % 24
            hour = state[KEY_HOUR]
        st.title(f"{labels.format_weekdays([day], long=True, sentence=True)} {hour:02d}:00")
        public = make_public_layers(layers, TimeFilter(hours=HourRange(hour, (hour + 1) % 24),
                                                       weekdays=frozenset({day})))
        public_map(layers, public, [s.OBSERVATIONS], scene=None, key="play_map")
        st.caption(describe_public(public))

    play()


def prepare_scenes(path, scene_list: list[sc.Scene]) -> None:
    state = st.session_state
    st.subheader("Scènes voorbereiden")
    st.caption("Eén rij per scène; de kolom position is de volgorde (verander de nummers om te "
               "schuiven). Lagen: "
               f"{', '.join(sc.SCENE_LAYERS)} (met komma's). Uren als 21-2, dagen als fri,sat, "
               "datums als dd-mm-jjjj; leeg is alles. Grafiek: "
               + ", ".join(f"{k or '(leeg)'} = {v}" for k, v in sc.CHARTS.items())
               + ". Tekst is voor bewoners: schrijf geen namen.")
    edited = st.data_editor(sc.to_frame(scene_list), num_rows="dynamic", width="stretch",
                            key="scene_editor", hide_index=True)
    if st.button("Scènes opslaan", type="primary"):
        try:
            sc.write_scenes(path, sc.scenes_from_frame(edited))
            state[KEY_SCENE] = 0
            st.success("Opgeslagen.")
        except WerkwijzerError as error:
            ui.show_problems(error)


def show_presentation(info, layers) -> None:
    # A presenter view: no sidebar, no toolbar, large type (st.html, so no raw user text here).
    st.html(STYLE)
    path = ui.get_workspace_path()
    scene_list = sc.read_scenes(path)
    mode = st.segmented_control("Modus", ["Presenteren", "Een dag afspelen", "Voorbereiden"],
                                default="Presenteren", key="presentation_mode",
                                label_visibility="collapsed") or "Presenteren"
    if mode == "Presenteren":
        present_scenes(layers, scene_list)
    elif mode == "Een dag afspelen":
        play_a_day(layers)
    else:
        prepare_scenes(path, scene_list)


ui.run_page("Presentatie", show_presentation)
