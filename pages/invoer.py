"""Invoer: record on the map (phone first), edit with undo, import files, restore backups."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

import ui
from werkwijzer_geo import WerkwijzerError, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.access import Action
from werkwijzer_geo.analysis.selection import select_layers
from werkwijzer_geo.io import editing, storage
from werkwijzer_geo.io.importer import get_unknown_values, plan_import, propose_mapping, run_import
from werkwijzer_geo.io.mapping import COORDINATE_TARGETS, ImportMapping
from werkwijzer_geo.io.parsing import DATE_ORDERS, DAY_FIRST, MONTH_FIRST
from werkwijzer_geo.io.tables import list_source_layers, read_source_table
from werkwijzer_geo.render import maps
from werkwijzer_geo.timefilter import TimeFilter
from werkwijzer_geo.validate import find_personal_data_in_row

RECORDABLE = (s.OBSERVATIONS, s.SPOTS, s.HANGOUTS, s.EXPERIMENTS, s.EVENTS, s.STORIES,
              s.PLACES, s.BOUNDARY)
AREA_ONLY = (s.PLACES, s.BOUNDARY)
AREA_OR_POINT = (s.HANGOUTS, s.EXPERIMENTS)
EDITABLE = (s.OBSERVATIONS, s.ROUNDS, s.SPOTS, s.HANGOUTS, s.EXPERIMENTS, s.PLACES, s.EVENTS,
            s.STORIES)
KEY_UNDO, KEY_SAVED, KEY_CLICK, KEY_MOVE = "undo_stack", "saved_tokens", "handled_click", "move"
KEY_CORNERS = "drawn_corners"
KEY_PERSONAL = "personal_data_seen"
MAX_UPLOAD_MB = 50
DATE_ORDER_LABELS = {None: "uit het bestand afleiden", DAY_FIRST: "dag eerst: 05-06-2026 = 5 juni",
                     MONTH_FIRST: "maand eerst (VS): 05-06-2026 = 6 mei"}


def undo_key() -> str:
    """Changes are undone in the workspace they were made in: a stack per workspace (a
    region's database offers several in the sidebar)."""
    return f"{KEY_UNDO}:{ui.get_workspace_path()}"


def remember(change: editing.Change) -> None:
    """Keep a change for Ongedaan maken (the last 20)."""
    state = st.session_state
    state[undo_key()] = [*state.get(undo_key(), []), change][-20:]


def show_undo(path) -> None:
    state = st.session_state
    if state.get(undo_key()):
        last = state[undo_key()][-1]
        if st.button(f"↶ Ongedaan maken: {last.description}", key="undo"):
            try:
                editing.undo_change(path, last, actor=ui.get_actor())
                state[undo_key()].pop()
                st.toast("Ongedaan gemaakt.")
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)


# ---- record ----

@st.dialog("Vastleggen")
@ui.dutch_errors
def record_dialog(info, path, layer_name: str, geometry, token: str,
                  round_id: int | None) -> None:
    state = st.session_state
    where = "vlak" if geometry.geom_type == "Polygon" else f"{geometry.y:.5f}, {geometry.x:.5f}"
    st.caption(f"Nieuw in {labels.LAYER_LABELS[layer_name].lower()} · {where}")
    with st.form(f"form_{token}", border=False):
        values = ui.render_row_form(layer_name, info.tz, key=f"f_{token}")
        submitted = st.form_submit_button("Opslaan", type="primary", width="stretch")
    if not submitted:
        return
    if token in state[KEY_SAVED]:  # a double tap or a rerun: already stored
        st.rerun()
    # Text that looks like a phone number, e-mail or address: nothing is saved until the
    # person has seen the warning and chooses Opslaan again with the same text.
    personal = find_personal_data_in_row(layer_name, values)
    typed = repr(sorted((k, str(v)) for k, v in values.items()))
    if personal and state.get(KEY_PERSONAL) != (token, typed):
        state[KEY_PERSONAL] = (token, typed)
        st.warning(ui.plain(" ".join(personal) + " Haal persoonsgegevens weg, of kies nog eens "
                            "Opslaan als het er echt zo in moet."))
        return
    try:
        row_values = {
            name: editing.make_local_instant(*value, info.tz) if isinstance(value, tuple)
            else value for name, value in values.items()
        }
        if layer_name == s.OBSERVATIONS and round_id is not None:
            row_values[s.ROUND_ID] = round_id
        change = editing.add_rows(path, layer_name,
                                  editing.make_row(layer_name, geometry, row_values),
                                  actor=ui.get_actor())
    except WerkwijzerError as error:
        ui.show_problems(error)
        return
    state[KEY_SAVED].add(token)
    state[KEY_CORNERS] = []
    remember(change)
    st.toast(f"Opgeslagen: {change.description}.")
    st.rerun()


def show_record_tab(info, layers: dict, path) -> None:
    state = st.session_state
    running = editing.get_running_round(layers[s.ROUNDS])
    if running is None:
        left, right = st.columns([2, 1], vertical_alignment="bottom")
        observers = left.text_input("Waarnemers (initialen of aantal)", key="observers")
        if right.button("Ronde starten", type="primary", width="stretch"):
            try:
                editing.start_round(path, observers=observers, actor=ui.get_actor())
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)
        round_id = None
    else:
        round_id = int(running[s.ID])
        started = running[s.STARTED_AT].tz_convert(info.tz)
        who = f" ({ui.plain(running[s.OBSERVERS])})" if running[s.OBSERVERS] else ""
        st.success(f"Ronde {round_id} loopt sinds {labels.format_datetime(started)}{who}. "
                   "Waarnemingen horen bij deze ronde.")
        if st.button("Ronde afronden", width="stretch"):
            try:
                remember(editing.finish_round(path, round_id, actor=ui.get_actor()))
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)

    # On a phone the map comes first: the choice of what to record sits below it, and its
    # value (kept by Streamlit under its key) is read before the map is drawn.
    chosen_layer = state.get("record_layer") or s.OBSERVATIONS
    moving = state.get(KEY_MOVE)
    drawing = chosen_layer in AREA_ONLY or (
        chosen_layer in AREA_OR_POINT and st.toggle("Als vlak tekenen", key="draw_area"))
    corners = state[KEY_CORNERS]
    if moving:
        st.warning(f"Tik op de nieuwe plek voor {ui.layer_label(moving[0]).lower()} "
                   f"nummer {moving[1]}.")
    elif drawing:
        st.caption("Tik de hoeken van het vlak één voor één, rondom; kies dan Vlak afronden.")
        left, right = st.columns(2)
        finish = left.button(f"Vlak afronden ({len(corners)} hoeken)", type="primary",
                             disabled=len(corners) < 3, width="stretch")
        if right.button("Opnieuw", disabled=not corners, width="stretch"):
            state[KEY_CORNERS] = []
            st.rerun()
        if finish:
            try:
                polygon = editing.make_polygon(corners)
                token = f"{chosen_layer}:area:{polygon.wkt}"
                record_dialog(info, path, chosen_layer, polygon, token, round_id)
            except WerkwijzerError as error:
                ui.show_problems(error)
    else:
        st.caption("Tik op de kaart waar het is.")
    today = TimeFilter(date_from=pd.Timestamp.now(tz=info.tz).date())
    recent = select_layers({name: layers[name] for name in RECORDABLE}, today)
    base_map = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES], tiles=ui.show_tiles(),
                                   locate=None if drawing or moving else "record")
    groups = maps.build_layer_groups(recent, [chosen_layer])
    if drawing and corners:
        groups.append(maps.build_sketch_group(corners))
    clicked = st_folium(base_map, feature_group_to_add=groups, returned_objects=["last_clicked"],
                        use_container_width=True, height=440, key="invoer_map")
    st.segmented_control("Wat leg je vast?", options=list(RECORDABLE), default=s.OBSERVATIONS,
                         format_func=ui.layer_label, key="record_layer")
    click = (clicked or {}).get("last_clicked")
    if click and state.get(KEY_CLICK) != (click["lat"], click["lng"]):
        state[KEY_CLICK] = (click["lat"], click["lng"])
        if moving:
            try:
                remember(editing.move_point(path, moving[0], moving[1], click["lng"],
                                            click["lat"], actor=ui.get_actor()))
                del state[KEY_MOVE]
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)
        elif drawing:
            state[KEY_CORNERS] = [*corners, (click["lng"], click["lat"])]
            st.rerun()
        else:
            token = f"{chosen_layer}:{click['lat']:.7f}:{click['lng']:.7f}"
            record_dialog(info, path, chosen_layer, Point(click["lng"], click["lat"]), token,
                          round_id)


# ---- edit ----

def show_edit_tab(info, layers: dict, path) -> None:
    state = st.session_state
    layer_name = st.selectbox("Laag", EDITABLE, format_func=ui.layer_label, key="edit_layer")
    layer = s.get_layer(layer_name)
    # Rows set aside for impossible dates are shown here, so they can be fixed.
    every_row = (ui.load_workspace(every_row=True)[1] if ui.get_date_problems()
                 else layers)[layer_name]
    table = every_row.drop(columns=[every_row.geometry.name, *[
        c for c in s.DERIVED_COLUMNS if c in every_row.columns]])
    for column in layer.columns:
        if column.kind is s.Kind.INSTANT:
            table[column.name] = table[column.name].dt.tz_localize(None)
    st.caption("Pas cellen aan en kies Opslaan. Tijden zijn lokale tijd "
               f"({info.tz}). Nummers verandert Buurtkaart niet.")
    shown, config, to_codes = ui.dutch_table(layer_name, table)
    edited = st.data_editor(shown, key=f"editor_{layer_name}", hide_index=True,
                            disabled=[s.ID], width="stretch", num_rows="fixed",
                            column_config=config)
    if st.button("Wijzigingen opslaan", key="save_edits"):
        changed = editing.get_changed_rows(table, to_codes(edited))
        for column in layer.columns:
            if column.kind is s.Kind.INSTANT and column.name in changed.columns:
                changed[column.name] = pd.to_datetime(changed[column.name]).dt.tz_localize(
                    info.tz, ambiguous="NaT", nonexistent="NaT")
        personal = [f"Nummer {int(row[s.ID])}: {warning}"
                    for _, row in changed.iterrows()
                    for warning in find_personal_data_in_row(layer_name, row.to_dict())]
        typed = changed.to_json(date_format="iso", default_handler=str)
        if changed.empty:
            st.info("Er is niets veranderd.")
        elif personal and state.get(KEY_PERSONAL) != (layer_name, typed):
            state[KEY_PERSONAL] = (layer_name, typed)  # saved at the next Opslaan as it is
            st.warning(ui.plain(" ".join(personal) + " Haal persoonsgegevens weg, of kies nog "
                                "eens Wijzigingen opslaan als het er echt zo in moet."))
        else:
            try:
                remember(editing.update_rows(path, layer_name, changed, actor=ui.get_actor()))
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)
    ids = table[s.ID].dropna().astype(int).tolist() if s.ID in table else []
    left, right = st.columns(2)
    with left:
        doomed = st.multiselect("Verwijderen: nummers", ids, key="delete_ids",
                                placeholder="kies nummers")
        sure = st.checkbox("Ja, verwijder deze rijen", key="delete_sure")
        if st.button("Verwijderen", disabled=not (doomed and sure), key="delete"):
            try:
                remember(editing.delete_rows(path, layer_name, doomed, actor=ui.get_actor()))
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)
    with right:
        if layer_name in (s.OBSERVATIONS, s.SPOTS, s.EVENTS, s.STORIES):
            target = st.selectbox("Verplaatsen: nummer", ids, index=None, key="move_id")
            if st.button("Kies nieuwe plek op de kaart", disabled=target is None, key="move"):
                state[KEY_MOVE] = (layer_name, int(target))
                st.rerun()


# ---- import ----

def mapping_editor(layer_name: str, table, proposal: ImportMapping) -> ImportMapping:
    layer = s.get_layer(layer_name)
    sources = [None, *map(str, table.frame.columns)]
    columns: dict[str, str] = {}
    st.markdown("**Kolommen** — welke kolom uit het bestand hoort waarbij?")
    grid = st.columns(3)
    targets = [c for c in layer.column_names if c != s.ID] + (
        list(COORDINATE_TARGETS) if table.geometry is None else [])
    for index, target in enumerate(targets):
        current = proposal.columns.get(target)
        label = layer.column(target).label if target in layer.column_names else {
            "lat": "breedtegraad (lat)", "lon": "lengtegraad (lon)", "x": "RD x", "y": "RD y"
        }[target]
        choice = grid[index % 3].selectbox(
            f"{label} ({target})", sources, index=sources.index(current) if current in sources
            else 0, format_func=lambda v: "—" if v is None else v, key=f"map_{target}")
        if choice:
            columns[target] = choice
    mapping = ImportMapping(columns, {k: dict(v) for k, v in proposal.values.items()},
                            dict(proposal.defaults), proposal.tz, proposal.date_format)
    unknown = get_unknown_values(layer_name, table, mapping)
    for column_name, found in unknown.items():
        names = labels.get_code_labels(layer_name, column_name)
        st.markdown(f"**Waarden voor {layer.column(column_name).label}** die Buurtkaart niet "
                    "kent:")
        for value in found[:30]:
            code = st.selectbox(
                f"'{ui.plain(value)}' betekent", [None, *layer.column(column_name).codes],
                format_func=lambda c, names=names: "—" if c is None else names.get(c, c),
                key=f"value_{column_name}_{value}")
            if code:
                mapping.values.setdefault(column_name, {})[value] = code
    for column in layer.columns:
        if column.required and column.name not in mapping.columns and column.name != s.ID:
            names = labels.get_code_labels(layer_name, column.name)
            if names:
                default = st.selectbox(
                    f"Eén {column.label} voor alle rijen", [None, *names],
                    format_func=lambda c, names=names: "—" if c is None else names[c],
                    key=f"default_{column.name}")
            else:
                default = st.text_input(f"Eén {column.label} voor alle rijen",
                                        key=f"default_{column.name}") or None
            if default is not None:
                mapping.defaults[column.name] = str(default)
    return mapping


def show_import_tab(info, layers: dict, path) -> None:
    upload = st.file_uploader("Bestand (CSV, XLSX, GeoJSON, GeoPackage, KoboToolbox-CSV; "
                              f"hoogstens {MAX_UPLOAD_MB} MB)",
                              type=["csv", "txt", "xlsx", "geojson", "json", "gpkg"],
                              max_upload_size=MAX_UPLOAD_MB,
                              help=f"Groter dan {MAX_UPLOAD_MB} MB? Splits het bestand, of "
                                   "importeer het met python -m werkwijzer_geo import.")
    target_layer = st.selectbox("Naar laag", s.LAYER_NAMES, format_func=ui.layer_label,
                                index=s.LAYER_NAMES.index(s.OBSERVATIONS), key="import_layer")
    saved_mapping = st.file_uploader("Bewaarde koppeling (optioneel, .json)", type=["json"],
                                     key="mapping_upload")
    if upload is not None:
        try:
            given = ImportMapping.from_json(saved_mapping.getvalue().decode("utf-8-sig"),
                                            name=saved_mapping.name) if saved_mapping else None
            # The upload lives on disk only while it is read, in a folder only this server's
            # user can open (mkdtemp: 0700), and is removed right after.
            with tempfile.TemporaryDirectory(prefix="buurtkaart-upload-") as folder:
                source = Path(folder) / editing.make_safe_file_name(upload.name)
                source.write_bytes(upload.getvalue())
                source_layer = None
                if source.suffix.lower() == ".gpkg":
                    source_layer = st.selectbox("Laag in het bestand",
                                                list_source_layers(source))
                table = read_source_table(source, layer=source_layer)
            tz = st.text_input("Tijdzone van tijden zonder +01:00/+02:00",
                               value=(given.tz if given and given.tz else info.tz))
            orders = [None, *DATE_ORDERS]
            date_format = st.selectbox(
                "Datums in dit bestand", orders,
                index=orders.index(given.date_format if given else None),
                format_func=lambda o: DATE_ORDER_LABELS[o], key="import_date_format",
                help="Alleen nodig als elke datum twee kanten op kan (05-06-2026).")
            proposal = propose_mapping(target_layer, table, given)
            proposal.tz, proposal.date_format = tz, date_format
            mapping = mapping_editor(target_layer, table, proposal)
            st.download_button("Koppeling bewaren (.json)", mapping.to_json(),
                               file_name=f"koppeling-{target_layer}.json",
                               mime="application/json")
            bar = st.progress(0.0, text="Nog niet gecontroleerd")
            plan = plan_import(path, table, target_layer, mapping=mapping,
                               progress=lambda f, m: bar.progress(f, text=m))
        except WerkwijzerError as error:
            ui.show_problems(error, "Nog niet goed; er is niets opgeslagen.")
        else:
            st.success(f"Proef klopt: {ui.plain(plan.describe())} Nog niets opgeslagen.")
            if plan.layer in (s.OBSERVATIONS, s.SPOTS, s.HANGOUTS, s.EXPERIMENTS, s.EVENTS,
                              s.STORIES) and len(plan.rows):
                preview = storage.localise_layer(plan.layer, plan.rows, info.tz)
                st_folium(maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES],
                                              tiles=ui.show_tiles()),
                          feature_group_to_add=maps.build_layer_groups(
                              {plan.layer: preview}, [plan.layer]),
                          returned_objects=[], use_container_width=True, height=360,
                          key="import_preview")
            for warning in plan.warnings:
                st.warning(ui.plain(warning))
            accepted = st.checkbox("Ik heb de waarschuwingen gelezen en de persoonsgegevens "
                                   "verwijderd of geaccepteerd.") if plan.warnings else True
            if st.button("Importeren", type="primary", disabled=not accepted):
                try:
                    done = run_import(path, plan, actor=ui.get_actor())
                    st.success(f"Opgeslagen: {ui.plain(done.describe())} Reservekopie gemaakt.")
                except WerkwijzerError as error:
                    ui.show_problems(error)


# ---- backups ----

def show_backup_tab(path) -> None:
    state = st.session_state
    backups = storage.list_backups(path)
    if not backups:
        st.info("Nog geen reservekopieën. Buurtkaart maakt er een voor elke import.")
    else:
        chosen = st.selectbox("Reservekopie", backups, format_func=lambda backup: backup.name,
                              key="backup_choice")
        sure = st.checkbox("Ja, zet de werkruimte terug naar deze kopie (de huidige stand "
                           "wordt eerst bewaard)", key="restore_sure")
        if st.button("Terugzetten", disabled=not sure, key="restore"):
            try:
                storage.restore_backup(path, chosen, actor=ui.get_actor())
                state[undo_key()] = []
                st.success("Teruggezet.")
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)


def show_input(info, layers) -> None:
    path = ui.get_workspace_path()
    state = st.session_state
    state.setdefault(undo_key(), [])
    state.setdefault(KEY_SAVED, set())
    state.setdefault(KEY_CORNERS, [])
    st.header("Invoer")
    show_undo(path)
    # Importing and putting a backup back are for the role beheer.
    actor = ui.get_actor()
    manages = actor.is_local_owner or actor.may(Action.IMPORT)
    tabs = st.tabs(["Vastleggen", "Bewerken", *(["Importeren", "Reservekopieën"]
                                                 if manages else [])])
    with tabs[0]:
        show_record_tab(info, layers, path)
    with tabs[1]:
        show_edit_tab(info, layers, path)
    if manages:
        with tabs[2]:
            show_import_tab(info, layers, path)
        with tabs[3]:
            show_backup_tab(path)


ui.run_page("Invoer", show_input)
