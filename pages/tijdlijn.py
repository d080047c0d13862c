"""Tijdlijn: events and stories in time, and what changed around each event (steps 2-3)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import ui
from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import connections as cn
from werkwijzer_geo.analysis import stories as st_themes
from werkwijzer_geo.analysis.selection import select_layers
from werkwijzer_geo.io import storage
from werkwijzer_geo.render import charts, maps


def show_timeline(info, layers) -> None:
    time_filter = ui.get_time_filter()
    # Dates only: an event or a story has a day, not an hour of a round.
    selected = select_layers(layers, time_filter)
    events, stories = selected[s.EVENTS], selected[s.STORIES]
    st.header("Tijdlijn")
    st.caption(f"Selectie: {time_filter.to_text()}. Gebeurtenissen en verhalen op één tijdlijn, "
               "zoals het behangrol in stap 3: sleep om in te zoomen, schuif onderaan om te "
               "verplaatsen, dubbelklik om alles te zien.")
    if events.empty and stories.empty:
        st.info("Nog geen gebeurtenissen of verhalen in deze periode. Leg ze vast in Invoer "
                "(Gebeurtenissen, Verhalen) of importeer ze.")
        return
    path = ui.get_workspace_path()
    found = ui.get_event_connections(str(path), storage.get_saved_state(path), time_filter)
    changes = {item.event_id: change for item in found
               if (change := cn.describe_change(item)) is not None}
    st.plotly_chart(charts.plot_timeline(events, stories, connections={
        item.event_id: item.sentence for item in found}, changes=changes), width="stretch")
    show_connections(found, events, layers)
    show_stories(stories, events, layers)
    show_themes(stories, layers)


def show_connections(found: list[cn.EventConnection], events, layers) -> None:
    st.subheader("Wat veranderde erna?")
    st.caption(f"Per gebeurtenis: de {cn.WEEKS} weken ervoor tegen de {cn.WEEKS} weken erna, "
               f"binnen {cn.RADIUS_M:.0f} m van de plek (zonder plek: de hele buurt), gelezen "
               "per ronde: in hoeveel rondes een groep er was, van de rondes die liepen op "
               "de uren en dagen dat die groep daar gezien werd. We noemen alleen een "
               "verschil dat geen toeval lijkt (exacte toets, 5%, gecorrigeerd voor de "
               f"groepen en meldingen die we naast elkaar bekijken), met minstens "
               f"{cn.MIN_ROUNDS} rondes aan elke kant. Meldingen tellen per dag die de "
               "gegevens beslaan.")
    if not found:
        st.caption("Geen gebeurtenissen in deze periode.")
        return
    listing, mapped = st.columns([1, 1.1])
    chosen = listing.radio("Kies een gebeurtenis", range(len(found)),
                           format_func=lambda i: ui.plain(found[i].sentence),
                           key="timeline_event")
    item = found[chosen]
    rows = [{"wat": _subject(f.subject), "ervoor": f"{f.before} van {f.before_of}",
             "erna": f"{f.after} van {f.after_of}", "oordeel": f.verdict}
            for f in item.findings]
    if rows:
        listing.caption("Rondes met de groep erbij, of meldingen in dagen:")
        with listing:
            ui.show_table(pd.DataFrame(rows), hide_index=True)
    event = events[events[s.ID] == item.event_id].iloc[0]
    with mapped:
        where = event.geometry if event.geometry is not None else None
        focus = events[events[s.ID] == item.event_id] if where is not None else None
        base = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES], tiles=ui.show_tiles(),
                                   focus=focus)
        day = pd.Timestamp(event[s.DATE])
        around = layers[s.OBSERVATIONS]
        dates = pd.to_datetime(around[s.LOCAL_DATE])
        around = around[(dates >= day - pd.Timedelta(weeks=cn.WEEKS))
                        & (dates <= day + pd.Timedelta(weeks=cn.WEEKS))]
        st_folium(base, feature_group_to_add=maps.build_layer_groups(
            {s.EVENTS: events[events[s.ID] == item.event_id], s.OBSERVATIONS: around},
            [s.OBSERVATIONS, s.EVENTS]), returned_objects=[], use_container_width=True,
            height=420, key=f"timeline_map_{item.event_id}")
        st.caption(f"{ui.plain(item.title)} ({item.date}) en de waarnemingen van "
                   f"{cn.WEEKS} weken ervoor tot {cn.WEEKS} weken erna.")


def show_stories(stories, events, layers) -> None:
    """A story chosen: its words (for the team only), and what happened around it."""
    st.subheader("Verhalen")
    if stories.empty:
        st.caption("Geen verhalen in deze periode.")
        return
    ordered = stories.sort_values(s.DATE, kind="stable")
    ids = ordered[s.ID].astype(int).tolist()
    rows = ordered.set_index(ordered[s.ID].astype(int))

    def label(story_id: int) -> str:
        row = rows.loc[story_id]
        source = labels.STORY_SOURCE_LABELS.get(row[s.SOURCE], str(row[s.SOURCE]))
        themes = ", ".join(st_themes.split_themes(row[s.THEMES])) or "geen thema"
        return ui.plain(f"{labels.format_date(row[s.DATE])} · {source} · {themes}")

    listing, mapped = st.columns([1, 1.1])
    chosen = listing.selectbox("Kies een verhaal", ids, format_func=label, key="timeline_story")
    story = rows.loc[chosen]
    if isinstance(story[s.TEXT], str) and story[s.TEXT].strip():
        listing.markdown(f"> {ui.plain(story[s.TEXT])}")
    day = pd.Timestamp(story[s.DATE])
    dates = pd.to_datetime(events[s.DATE])
    near = events[(dates >= day - pd.Timedelta(weeks=cn.WEEKS))
                  & (dates <= day + pd.Timedelta(weeks=cn.WEEKS))].sort_values(s.DATE)
    around = [f"{labels.format_date(row[s.DATE])}: {row[s.TITLE]}" for _, row in near.iterrows()]
    listing.markdown(ui.plain(
        f"Rond dit verhaal ({cn.WEEKS} weken ervoor en erna): " + "; ".join(around) + "."
        if around else f"Geen gebeurtenissen in de {cn.WEEKS} weken ervoor en erna."))
    with mapped:
        one = stories[stories[s.ID].astype(int) == chosen]
        located = one.geometry.notna().all() and not one.geometry.is_empty.any()
        base = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES], tiles=ui.show_tiles(),
                                   focus=one if located else None)
        st_folium(base, feature_group_to_add=maps.build_layer_groups(
            {s.STORIES: one, s.EVENTS: near}, [s.EVENTS, s.STORIES]), returned_objects=[],
            use_container_width=True, height=360, key=f"timeline_story_map_{chosen}")
        if not located:
            st.caption("Dit verhaal heeft geen plek.")


def _subject(code: str) -> str:
    if code in labels.GROUP_LABELS:
        return labels.GROUP_LABELS[code]
    return labels.SPOT_KIND_LABELS.get(code, code)


def show_themes(stories, layers) -> None:
    st.subheader("Wat we hoorden")
    per_month = st_themes.count_themes_per_month(stories)
    st.markdown(ui.plain(st_themes.describe_theme_counts(per_month)))
    if per_month.empty:
        return
    left, right = st.columns(2)
    with left:
        st.caption("Thema's per maand (aantal verhalen)")
        ui.show_table(per_month.rename_axis("thema").reset_index(), hide_index=True)
    with right:
        st.caption(f"Thema's per plek (binnen {st_themes.PLACE_RADIUS_M:.0f} m)")
        per_place = st_themes.count_themes_per_place(stories, layers[s.PLACES])
        ui.show_table(per_place.rename_axis("thema").reset_index(), hide_index=True)


ui.run_page("Tijdlijn", show_timeline)
