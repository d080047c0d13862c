"""Export: the current selection as files that QGIS, Excel, Word and a browser open."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

import ui
from werkwijzer_geo import WerkwijzerError, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.access import Action
from werkwijzer_geo.render import export as ex

FORMAT_LABELS = {
    "gpkg": "GeoPackage (QGIS), met snapshot_info",
    "geojson": "GeoJSON, één bestand per laag (zip bij meer lagen)",
    "csv": "CSV voor Excel (puntkomma, dd-mm-jjjj; zip bij meer lagen)",
    "png": "PNG-kaart voor een rapport",
    "pdf": "PDF-rapport: kaart, week, patronen, acties",
    "html": "HTML-kaart die offline werkt (USB-stick)",
    "timeline": "PNG-tijdlijn: gebeurtenissen per week en gehoorde thema's (voor de muur)",
}
MIME = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json",
        "csv": "text/csv", "png": "image/png", "pdf": "application/pdf", "html": "text/html",
        "zip": "application/zip"}


def show_export(info, layers) -> None:
    path = ui.get_workspace_path()
    time_filter = ui.get_time_filter()
    st.header("Export")
    st.caption(f"Selectie uit de zijbalk: {time_filter.to_text()}.")
    chosen = st.multiselect("Lagen", list(s.LAYER_NAMES), default=[s.OBSERVATIONS, s.SPOTS,
                                                                     s.EXPERIMENTS],
                            format_func=ui.layer_label, key="export_layers",
                            placeholder="kies lagen")
    fmt = st.selectbox("Formaat", list(ex.FORMATS), format_func=FORMAT_LABELS.get,
                       key="export_format")
    # A role that only presents makes public files only.
    actor = ui.get_actor()
    team = actor.is_local_owner or actor.may(Action.EXPORT)
    public = st.toggle("Voor bewoners (openbaar: vakken van 50 m, kleine aantallen weg, geen "
                       "notities of namen)", key="export_public", value=not team,
                       disabled=not team)
    codes = fmt == "csv" and st.toggle(
        "Codes houden (om later opnieuw te importeren)", key="export_codes",
        help="Standaard schrijft de CSV Nederlandse kolomnamen en woorden voor Excel.")
    if st.button("Bestand maken", type="primary", key="export_make"):
        bar = st.progress(0.0, text="Bezig…")
        snapshot = ex.Snapshot(tuple(chosen), time_filter, public, codes=codes)
        name = ex.suggest_file_name(info.name, snapshot, fmt)
        # Built in a private folder (0700) that is removed as soon as the bytes are read.
        with tempfile.TemporaryDirectory(prefix="buurtkaart-export-") as folder:
            try:
                made = ex.export_snapshot(path, snapshot, fmt, Path(folder) / name,
                                          progress=lambda f, m: bar.progress(f, text=m),
                                          actor=actor)
            except WerkwijzerError as error:
                ui.show_problems(error)
                made, data = None, b""
            else:
                data = made.read_bytes()
        if made is not None:
            st.download_button(f"{ui.plain(made.name)} downloaden", data, file_name=made.name,
                               mime=MIME.get(made.suffix.lstrip("."), "application/octet-stream"),
                               type="primary", key="export_download")

    st.subheader("Exportlogboek")
    log = ex.read_export_log(path)
    log["layers"] = [", ".join(labels.LAYER_LABELS.get(code, code).lower()
                               for code in codes.split(",") if code) for codes in log["layers"]]
    ui.show_table(log.rename(columns={
        "made_at": "gemaakt", "layers": "lagen", "filter": "filter", "format": "formaat",
        "public": "openbaar", "file": "bestand"}), hide_index=True, width="stretch")


ui.run_page("Export", show_export)
