"""Patronen: what comes back, read against when the team looked."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import ui
from werkwijzer_geo import WerkwijzerError, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import effects
from werkwijzer_geo.analysis import patterns as pt
from werkwijzer_geo.analysis.placing import name_spots
from werkwijzer_geo.analysis.selection import select_experiments, select_layers
from werkwijzer_geo.analysis.sessions import store_derived_rounds
from werkwijzer_geo.io import storage
from werkwijzer_geo.render import charts, maps


def choose_settings() -> pt.PatternSettings:
    with st.expander("Wanneer noemen we iets een patroon?"):
        defaults = pt.PatternSettings()
        min_share = st.slider("Gezien in minstens dit deel van de rondes die keken", 0.3, 1.0,
                              defaults.min_share, 0.05, key="min_share")
        min_rounds = st.number_input("Minstens zoveel rondes keken op dat uur", 2, 50,
                                     defaults.min_rounds, key="min_rounds")
        min_dates = st.number_input("Gezien op minstens zoveel verschillende dagen", 2, 50,
                                    defaults.min_dates, key="min_dates")
        st.caption("Standaard 60%, 5 rondes en 4 dagen. Lager maakt van toeval een patroon "
                   "(op de demobuurt gemeten met 8 verschillende willekeurige weken); hoger mist "
                   "groepen die er bijna altijd zijn.")
        st.caption("Plek: wat bij de waarneming als plek is ingevuld; anders het vlak uit Plekken "
                   "of de getekende hangplek waar hij in ligt; anders de waarnemingen die binnen "
                   "zo'n 30 m van elkaar liggen. Tellen: rijen van dezelfde ronde, plek en groep "
                   "binnen 5 minuten tellen op; van één ronde en uur telt het grootste aantal.")
    return pt.PatternSettings(min_share=min_share, min_rounds=int(min_rounds),
                              min_dates=int(min_dates))


def show_effort(report: pt.PatternReport, path) -> None:
    st.subheader("Wanneer keken we")
    st.plotly_chart(charts.plot_week_heatmap(report.effort, title="Rondes per weekdag en uur",
                                             value_label="rondes"), width="stretch")
    st.caption(f"{report.rounds} rondes in deze selectie; {report.observations_outside_rounds} "
               "waarnemingen vielen buiten een ronde en tellen niet mee voor patronen.")
    if report.not_observed:
        st.caption("Niet gekeken (onbekend, niet rustig): "
                   + "; ".join(report.not_observed) + ".")
    if not report.rounds:
        st.warning(pt.NO_ROUNDS)
        left, right = st.columns([1, 2], vertical_alignment="bottom")
        gap = left.number_input("Nieuwe ronde na een pauze van (minuten)", 5, 240, 30,
                                key="derive_gap")
        if right.button("Rondes afleiden uit de waarnemingen", key="derive_rounds"):
            try:
                made = store_derived_rounds(path, int(gap), actor=ui.get_actor())
                st.toast(f"{made} rondes afgeleid en opgeslagen.")
                st.rerun()
            except WerkwijzerError as error:
                ui.show_problems(error)


def show_chosen_pattern(report: pt.PatternReport, layers: dict, selected: dict) -> None:
    st.subheader("Wat komt terug")
    if not report.patterns:
        st.info("Geen patronen in deze selectie met deze drempels.")
        return
    st.caption("Sterkste eerst: hoe zeker de groep er is, en met hoeveel.")
    listing, mapped = st.columns([1, 1.1])
    chosen = listing.radio("Kies een patroon om het op de kaart te zien",
                           range(len(report.patterns)),
                           format_func=lambda i: ui.plain(report.patterns[i].sentence),
                           key="pattern_choice")
    pattern = report.patterns[chosen]
    behind = pt.select_pattern_observations(layers[s.OBSERVATIONS], pattern, report.places,
                                            within=selected[s.OBSERVATIONS].index)
    with mapped:
        # Zoomed to the chosen pattern's sightings: the map shows where it is.
        base = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES], tiles=ui.show_tiles(),
                                   focus=behind if len(behind) else None)
        st_folium(base, feature_group_to_add=maps.build_layer_groups(
            {s.OBSERVATIONS: behind}, [s.OBSERVATIONS]), returned_objects=[],
            use_container_width=True, height=480, key=f"pattern_map_{chosen}")
        st.caption(f"{len(behind)} waarnemingen achter dit patroon.")


def show_typical_week(report: pt.PatternReport, layers: dict) -> None:
    st.subheader("Typische week")
    left, right = st.columns(2)
    group = left.selectbox("Groep", [None, *s.GROUP_CODES], key="week_group",
                           format_func=lambda g: "alle groepen" if g is None else
                           labels.GROUP_LABELS[g])
    place_names = sorted(layers[s.PLACES][s.NAME].tolist())
    place = right.selectbox("Plek", [None, *place_names], key="week_place",
                            format_func=lambda p: "hele buurt" if p is None else p)
    week = pt.get_typical_week(report.presence, report.effort, group=group, place=place)
    st.plotly_chart(charts.plot_week_heatmap(week, title="Aanwezig in % van de rondes die keken",
                                             value_label="%", percent=True),
                    width="stretch")


def show_findings(report: pt.PatternReport) -> None:
    st.subheader("Geen professional in beeld")
    for gap in report.gaps or []:
        st.markdown(f"- {ui.plain(gap.sentence)}")
    if not report.gaps:
        st.caption("Geen uren waarin jongeren vaak zijn en professionals (bijna) nooit.")

    st.subheader("Wie claimt welke plek")
    for claim in report.claims:
        st.markdown(f"- {ui.plain(claim.sentence)}")
    if not report.claims:
        st.caption("Geen plek waar één groep op sommige uren vrijwel alleen is.")

    st.subheader("Drukste plekken en uren")
    st.caption("Waar en wanneer we de meeste mensen zagen, per ronde die er keek. Dit beschrijft "
               "wat we zagen; alleen wat op genoeg data terugkwam, staat hierboven als patroon.")
    for busy in report.busiest:
        st.markdown(f"- {ui.plain(busy.sentence)}")
    if not report.busiest:
        st.caption("Geen mensen gezien in een uur dat een ronde keek.")


def show_spots(spots, places) -> None:
    st.subheader("Zwerfvuil en graffiti")
    st.caption(f"Hotspot: een vak van {effects.HOTSPOT_CELL_M} m met minstens "
               f"{effects.HOTSPOT_MIN_SPOTS} meldingen. Herhaling: een melding binnen "
               f"{effects.REPEAT_M} m en {effects.REPEAT_DAYS} dagen na een eerdere van dezelfde "
               "soort.")
    hotspots = effects.find_hotspots(spots)
    if hotspots.empty:
        st.info("Geen hotspots in deze selectie.")
    else:
        named = hotspots.drop(columns=["cell_x", "cell_y", "lat", "lon"])
        named.insert(0, "waar", name_spots(hotspots["lat"], hotspots["lon"], places))
        ui.show_table(named.rename(columns={
            "spots": "meldingen", "open": "nog open", "repeats": "herhalingen",
            **labels.SPOT_KIND_LABELS}), hide_index=True)
    ui.show_table(effects.summarise_resolution(spots).rename(columns={
        "reports": "meldingen", "open": "nog open", "resolved": "opgelost",
        "median_days": "mediaan dagen tot opgelost"}))
    trend = effects.get_weekly_trend(spots)
    if not trend.empty:
        st.plotly_chart(charts.plot_weekly_trend(trend), width="stretch")


def show_effects(layers: dict, time_filter) -> None:
    st.subheader("Effect van acties en experimenten")
    st.caption("Per groep: personen per ronde binnen de straal van de actie, vóór en tijdens, "
               "naast dezelfde maat elders in de buurt. Vóór is even lang als tijdens (hooguit "
               f"{effects.EFFECT_MAX_DAYS // 7} weken); met minder dan {effects.EFFECT_MIN_ROUNDS} "
               "rondes in een periode zeggen we niets.")
    measured = effects.measure_experiments(
        select_experiments(layers[s.EXPERIMENTS], time_filter), layers[s.OBSERVATIONS],
        layers[s.ROUNDS], layers[s.SPOTS])
    for effect in measured:
        st.markdown(f"**{ui.plain(effect.name)}** — vóór {effect.before[0]} t/m {effect.before[1]} "
                    f"({effect.rounds_before} rondes), tijdens {effect.during[0]} t/m "
                    f"{effect.during[1]} ({effect.rounds_during} rondes)")
        st.markdown(ui.plain(effect.verdict))
        if effect.groups:
            ui.show_table(pd.DataFrame([{
                "groep": labels.GROUP_LABELS[g.group], "binnen vóór": g.inside_before,
                "binnen tijdens": g.inside_during, "elders vóór": g.outside_before,
                "elders tijdens": g.outside_during, "oordeel": g.verdict} for g in effect.groups]),
                hide_index=True)
    if not measured:
        st.caption("Geen acties of experimenten die in deze periode al liepen.")


def show_patterns(info, layers) -> None:
    path = ui.get_workspace_path()
    time_filter = ui.get_time_filter()
    selected = select_layers(layers, time_filter)
    st.header("Patronen")
    st.caption(f"Selectie: {time_filter.to_text()}. Alles wordt gelezen tegen de rondes die "
               "dat uur keken: een uur zonder ronde is onbekend, niet rustig.")
    settings = choose_settings()
    report = ui.get_pattern_report(str(path), storage.get_saved_state(path), time_filter,
                                   settings)
    show_effort(report, path)
    show_chosen_pattern(report, layers, selected)
    show_typical_week(report, layers)
    show_findings(report)
    show_spots(selected[s.SPOTS], layers[s.PLACES])
    show_effects(layers, time_filter)


ui.run_page("Patronen", show_patterns)
