"""Buurtkaart's first page, Kaart: who is where at which hour, on which days.

Every page (this one and those in pages/) runs inside `ui.run_page`: the shared frame with
the Dutch menu, the workspace and the time filter.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import ui
from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.cube import cube_to_grid
from werkwijzer_geo.analysis.selection import describe_selection, select_layers
from werkwijzer_geo.render import maps


def show_map(info, layers) -> None:
    time_filter = ui.get_time_filter()
    # Many observations are drawn as cells summed from the cube: their rows are not selected.
    cube = ui.get_observation_cube()
    totals = cube.count(time_filter)
    cells = None
    if totals[0] > maps.AGGREGATE_ABOVE:
        cells = cube_to_grid(cube, time_filter)
        selected = select_layers({name: frame for name, frame in layers.items()
                                  if name != s.OBSERVATIONS}, time_filter)
    else:
        selected = select_layers(layers, time_filter)
    st.header("Kaart")
    st.markdown(f"**{describe_selection(selected, observation_totals=totals)}** · "
                f"{time_filter.to_text()}")
    if not time_filter.weekdays:
        st.info("Geen dag gekozen: kies in de zijbalk bij Dagen minstens één dag.")
    # The map first (a phone shows it in the first screen); the layer choice below it, read
    # from its kept value before the map is drawn.
    visible = st.session_state.get("kaart_layers", list(maps.DEFAULT_VISIBLE_LAYERS))
    base_map = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES],
                                   tiles=ui.show_tiles(), locate="show")
    groups = maps.build_layer_groups(selected, visible or [], cells=cells)
    st_folium(base_map, feature_group_to_add=groups, returned_objects=[],
              use_container_width=True, height=620, key="kaart_map")
    st.pills("Lagen", options=list(maps.MAP_LAYERS), default=list(maps.DEFAULT_VISIBLE_LAYERS),
             selection_mode="multi", format_func=ui.layer_label, key="kaart_layers")
    if cells is not None and s.OBSERVATIONS in (visible or []):
        st.caption(
            f"Meer dan {labels.format_number(maps.AGGREGATE_ABOVE)} waarnemingen: getoond als "
            f"vakken van {maps.DEFAULT_CELL_M} m; de kleur is de groep met de meeste personen.")


ui.run_page("Kaart", show_map)
