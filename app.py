"""Buurtkaart: the frame of the app (page setup, shared sidebar) and the router."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import ui
from werkwijzer_geo.assets import install_static_assets

st.set_page_config(page_title="Buurtkaart", page_icon="🗺️", layout="wide",
                   initial_sidebar_state="auto")


@st.cache_resource
def _install_assets() -> Path:
    # Leaflet's files come from XStatic-Leaflet; Streamlit serves static/ at /app/static/.
    return install_static_assets(Path(__file__).parent / "static")


_install_assets()
pages = [
    st.Page("views/kaart.py", title="Kaart", icon="🗺️", url_path="", default=True),
    st.Page("views/invoer.py", title="Invoer", icon="✏️", url_path="invoer"),
    st.Page("views/patronen.py", title="Patronen", icon="🔁", url_path="patronen"),
    st.Page("views/presentatie.py", title="Presentatie", icon="📽️", url_path="presentatie"),
    st.Page("views/export.py", title="Export", icon="📦", url_path="export"),
]
navigation = st.navigation(pages)


@ui.dutch_errors
def run_page() -> None:
    info, layers = ui.load_workspace()
    st.sidebar.title("Buurtkaart")
    st.sidebar.caption(ui.plain(info.name))
    ui.render_time_filter(layers)
    ui.warn_if_open_without_sign_in()
    ui.warn_about_set_aside_rows()
    navigation.run()


run_page()
