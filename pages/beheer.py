"""Beheer: who has which role, and the audit log (who did what, when, which rows)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import ui
from werkwijzer_geo import WerkwijzerError, access, labels
from werkwijzer_geo.io import retention, storage
from werkwijzer_geo.roles import LOGGED_ACTION_LABELS, ROLE_LABELS, ROLES, Action


def show_roles(path) -> None:
    st.subheader("Rollen")
    roles = storage.read_roles(path)
    if roles.empty:
        st.info("Nog niemand heeft een rol: deze werkruimte is persoonlijk en alleen op deze "
                "computer te openen. Geef eerst iemand de rol beheer (en stel aanmelden in, "
                "zie README 'Op een netwerk').")
    else:
        shown = roles.assign(role=roles["role"].map(ROLE_LABELS),
                             granted_at=pd.to_datetime(roles["granted_at"], utc=True)
                             .dt.tz_convert("Europe/Amsterdam").map(labels.format_datetime))
        ui.show_table(shown.rename(columns={"user": "e-mailadres", "role": "rol",
                                            "granted_by": "gegeven door",
                                            "granted_at": "sinds"}),
                      hide_index=True, width="stretch")
    with st.form("role_form", border=True):
        left, right = st.columns([2, 1])
        user = left.text_input("E-mailadres", key="role_user")
        role = right.selectbox("Rol", [*ROLES, None], key="role_choice",
                               format_func=lambda r: "geen rol meer" if r is None
                               else ROLE_LABELS[r])
        if st.form_submit_button("Opslaan", type="primary"):
            try:
                access.set_role(path, ui.get_actor(), user, role)
            except WerkwijzerError as error:
                ui.show_problems(error)
            else:
                st.toast("Rol opgeslagen.")
                st.rerun()


def show_audit_log(path) -> None:
    st.subheader("Logboek")
    st.caption("Wie wat deed en wanneer, met de nummers van de rijen; nooit de tekst zelf. "
               "Buurtkaart voegt alleen regels toe.")
    log = storage.read_audit_log(path)
    if log.empty:
        st.info("Nog niets gelogd.")
        return
    left, middle, right = st.columns(3)
    people = left.multiselect("Wie", sorted(log["user"].unique()), key="audit_users",
                              placeholder="iedereen")
    actions = middle.multiselect("Wat", [a for a in Action if str(a) in set(log["action"])],
                                 format_func=lambda a: LOGGED_ACTION_LABELS[a], key="audit_actions",
                                 placeholder="alles")
    local = log["at"].dt.tz_convert("Europe/Amsterdam")
    first, last = local.min().date(), local.max().date()
    period = right.date_input("Periode", value=(max(first, last - dt.timedelta(days=30)), last),
                              min_value=first, max_value=last, format="DD-MM-YYYY",
                              key="audit_period")
    keep = pd.Series(True, index=log.index)
    if people:
        keep &= log["user"].isin(people)
    if actions:
        keep &= log["action"].isin([str(a) for a in actions])
    if isinstance(period, tuple) and len(period) == 2:
        keep &= (local.dt.date >= period[0]) & (local.dt.date <= period[1])
    shown = log[keep].iloc[::-1]
    table = pd.DataFrame({
        "wanneer": local[keep].iloc[::-1].map(labels.format_datetime),
        "wie": shown["user"], "rol": shown["role"], "via": shown["via"],
        "wat": shown["action"].map(lambda a: LOGGED_ACTION_LABELS.get(Action(a), a)
                                   if a in set(Action) else a),
        "laag": shown["layer"].map(lambda name: labels.LAYER_LABELS.get(name, name or "")),
        "rijen": shown["ids"].fillna(""), "toelichting": shown["detail"].fillna("")})
    st.caption(f"{labels.format_count(len(table), 'regel', 'regels')} van {len(log)}.")
    ui.show_table(table, hide_index=True, width="stretch")


def show_retention(path) -> None:
    st.subheader("Bewaartermijn")
    st.caption(f"Notities en verhalen ouder dan {retention.NOTES_MONTHS} maanden verliezen hun "
               "tekst (een grafsteen houdt nummer, datum, wie en waarom); waarnemingen ouder "
               f"dan {retention.POINTS_YEARS} jaar houden alleen hun vak van "
               f"{retention.CELL_M} m; reservekopieën ouder dan de termijn gaan weg.")
    plan = retention.plan_purge(path)
    for line in plan.describe():
        st.markdown(f"- {ui.plain(line)}")
    nothing = not (any(plan.texts.values()) or plan.points or plan.backups)
    sure = st.checkbox("Ja, schoon dit nu op (kan niet ongedaan worden gemaakt)",
                       key="purge_sure", disabled=nothing)
    if st.button("Opschonen", disabled=nothing or not sure, key="purge"):
        try:
            retention.run_purge(path, plan, actor=ui.get_actor())
        except WerkwijzerError as error:
            ui.show_problems(error)
        else:
            st.toast("Opgeschoond.")
            st.rerun()


def show_admin(info, layers) -> None:
    path = ui.get_workspace_path()
    st.header("Beheer")
    show_roles(path)
    show_retention(path)
    show_audit_log(path)


ui.run_page("Beheer", show_admin)
