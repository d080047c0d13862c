from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.selection import describe_selection, select_layers
from werkwijzer_geo.io import storage
from werkwijzer_geo.timefilter import HourRange, TimeFilter

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(["app.py", "pages/beheer.py", "pages/export.py", "pages/invoer.py",
                "pages/patronen.py",
                "pages/presentatie.py", "pages/tijdlijn.py"])


def _app(monkeypatch, db: Path | None, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if db is None:
        monkeypatch.delenv("WERKWIJZER_DB", raising=False)
    else:
        monkeypatch.setenv("WERKWIJZER_DB", str(db))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def _shown(markdown: str) -> str:
    """What a person reads of escaped Markdown (see ui.plain)."""
    text = re.sub(r"\\(.)", r"\1", markdown).replace("  \n", "\n")
    return text.replace(ui.WORD_JOINER, "")


def _assert_no_crash(at: AppTest) -> None:
    """Neither an exception nor the Dutch crash message (pages catch their own crashes)."""
    assert not at.exception
    crashes = [e.value for e in at.error if e.value.startswith(ui.CRASH_MESSAGE[:20])]
    assert not crashes, crashes


def _open(page: str, monkeypatch, db, tmp_path) -> AppTest:
    """The app on workspace `db`, switched to `page`, without an exception."""
    at = _app(monkeypatch, db, tmp_path).run()
    at.switch_page(page).run()
    _assert_no_crash(at)
    return at


def _count_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "in deze selectie" in m.value)


def test_every_page_is_in_the_menu_and_found_by_streamlit():
    # The smoke tests below cover every page; Streamlit finds pages/ itself (classic layout).
    assert sorted(page for page, _, _ in ui.PAGES) == PAGES
    assert sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")) == [
        page for page in PAGES if page.startswith("pages/")]
    assert not (ROOT / "views").exists()
    assert "st.navigation" not in (ROOT / "app.py").read_text()  # it would turn off pages/


def test_menu_and_filter_are_on_every_page(monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    for page in PAGES:
        at.switch_page(page).run()
        _assert_no_crash(at)
        links = [(link.proto.page, link.proto.label) for link in at.sidebar.get("page_link")]
        assert links == [("", "Kaart"), ("invoer", "Invoer"), ("patronen", "Patronen"),
                         ("tijdlijn", "Tijdlijn"), ("presentatie", "Presentatie"),
                         ("export", "Export"), ("beheer", "Beheer")], page
        assert at.select_slider(key="widget_filter_hours").value == (6, 30), page


def test_a_filter_set_on_one_page_holds_on_the_others_and_in_the_address(
        monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    at.switch_page("pages/invoer.py").run()
    at.select_slider(key="widget_filter_hours").set_value((21, 26)).run()
    at.pills(key="widget_filter_days").set_value([4, 5]).run()
    assert at.query_params["uren"] == "21-26" and at.query_params["dagen"] == "fri,sat"
    for page in PAGES:
        at.switch_page(page).run()
        assert at.select_slider(key="widget_filter_hours").value == (21, 26), page
        assert at.pills(key="widget_filter_days").value == [4, 5], page
    at.switch_page("app.py").run()
    assert "21:00-02:00, vr, za" in _count_line(at)


def test_a_new_session_starts_from_the_filter_in_the_address(monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path)
    at.query_params["uren"] = "9-12"
    at.query_params["dagen"] = "sat,nonsense"
    at.run()
    _assert_no_crash(at)
    assert at.select_slider(key="widget_filter_hours").value == (9, 12)
    assert at.pills(key="widget_filter_days").value == [5]
    assert "09:00-12:00, za" in _count_line(at)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_without_exception(monkeypatch, tmp_path, demo_path, page):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    at.switch_page(page).run()
    _assert_no_crash(at)
    assert not at.error


def test_kaart_shows_counts_for_the_whole_workspace(monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    layers = storage.read_layers(demo_path)
    assert _count_line(at).startswith(f"**{describe_selection(layers)}")
    assert at.sidebar.caption[0].value == ui.plain("Oosterwijk, Beverwijk (demo)")


def test_hour_slider_and_days_change_the_selection(monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    before = _count_line(at)
    at.select_slider(key="widget_filter_hours").set_value((21, 26)).run()  # 21:00-02:00
    evening = _count_line(at)
    assert evening != before and "21:00-02:00" in evening
    layers = storage.read_layers(demo_path)
    expected = describe_selection(select_layers(layers, TimeFilter(hours=HourRange(21, 2))))
    assert expected in evening
    at.pills(key="widget_filter_days").set_value([4, 5]).run()
    weekend = _count_line(at)
    expected = describe_selection(select_layers(layers, TimeFilter(
        hours=HourRange(21, 2), weekdays=frozenset({4, 5}))))
    assert expected in weekend and "vr, za" in weekend


def test_whole_day_survives_switching_pages(monkeypatch, tmp_path, demo_path):
    # Two options labelled "06:00" once made the range jump to 06:00-07:00 on a page switch.
    at = _app(monkeypatch, demo_path, tmp_path).run()
    for page in (*PAGES, "app.py"):
        at.switch_page(page).run()
        assert at.select_slider(key="widget_filter_hours").value == (6, 30), page
    assert "hele dag" in _count_line(at)


def test_filter_survives_a_rerun_of_the_page(monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    at.select_slider(key="widget_filter_hours").set_value((9, 12)).run()
    at.switch_page("app.py").run()
    assert at.select_slider(key="widget_filter_hours").value == (9, 12)
    assert "09:00-12:00" in _count_line(at)


def test_missing_workspace_is_reported_in_dutch(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "bestaat-niet.gpkg", tmp_path).run()
    _assert_no_crash(at)
    assert "bestaat niet" in at.error[0].value
    assert not (tmp_path / "bestaat-niet.gpkg").exists()


def test_without_a_workspace_the_demo_is_built_outside_the_repository(monkeypatch, tmp_path):
    at = _app(monkeypatch, None, tmp_path).run()
    _assert_no_crash(at)
    made = list((tmp_path / "cache" / "buurtkaart").glob("demo-*.gpkg"))
    assert len(made) == 1
    assert storage.get_workspace_info(made[0]).is_demo
    assert len(storage.read_layer(made[0], s.OBSERVATIONS)) > 100


def test_no_day_chosen_shows_nothing_and_says_why(monkeypatch, tmp_path, demo_path):
    at = _app(monkeypatch, demo_path, tmp_path).run()
    at.pills(key="widget_filter_days").set_value([]).run()
    _assert_no_crash(at)
    assert _count_line(at).startswith("**0 waarnemingen (0 personen), 0 rondes")
    assert "Geen dag gekozen" in at.info[0].value


@pytest.fixture
def own_workspace(demo_path, tmp_path) -> Path:
    import shutil

    path = tmp_path / "eigen.gpkg"
    shutil.copyfile(demo_path, path)
    return path


def test_invoer_starts_and_finishes_a_round(monkeypatch, tmp_path, own_workspace):
    from werkwijzer_geo.io import editing

    at = _open("pages/invoer.py", monkeypatch, own_workspace, tmp_path)
    rounds_before = len(storage.read_layer(own_workspace, s.ROUNDS))
    at.text_input(key="observers").set_value("JB, SK")
    next(b for b in at.button if b.label == "Ronde starten").click().run()
    running = editing.get_running_round(storage.read_layer(own_workspace, s.ROUNDS))
    assert running is not None and running[s.OBSERVERS] == "JB, SK"
    assert any("loopt sinds" in m.value for m in at.success)
    next(b for b in at.button if b.label == "Ronde afronden").click().run()
    assert editing.get_running_round(storage.read_layer(own_workspace, s.ROUNDS)) is None
    assert len(storage.read_layer(own_workspace, s.ROUNDS)) == rounds_before + 1
    undo = next(b for b in at.button if b.label.startswith("↶ Ongedaan maken"))
    assert "gewijzigd" in undo.label
    undo.click().run()
    rounds = storage.read_layer(own_workspace, s.ROUNDS)
    assert editing.get_running_round(rounds) is not None  # the finish was undone


def test_invoer_deletes_only_after_confirmation_and_can_undo(monkeypatch, tmp_path,
                                                             own_workspace):
    at = _open("pages/invoer.py", monkeypatch, own_workspace, tmp_path)
    before = len(storage.read_layer(own_workspace, s.OBSERVATIONS))
    at.multiselect(key="delete_ids").set_value([1, 2]).run()
    delete = next(b for b in at.button if b.key == "delete")
    assert delete.disabled
    at.checkbox(key="delete_sure").check().run()
    next(b for b in at.button if b.key == "delete").click().run()
    assert len(storage.read_layer(own_workspace, s.OBSERVATIONS)) == before - 2
    next(b for b in at.button if b.key == "undo").click().run()
    back = storage.read_layer(own_workspace, s.OBSERVATIONS)
    assert len(back) == before and back[s.ID].tolist()[:2] == [1, 2]


def test_invoer_restores_a_backup(monkeypatch, tmp_path, own_workspace):
    from werkwijzer_geo.io import editing

    backup = storage.backup_workspace(own_workspace)
    editing.delete_rows(own_workspace, s.OBSERVATIONS, [1])
    at = _open("pages/invoer.py", monkeypatch, own_workspace, tmp_path)
    assert at.selectbox(key="backup_choice").value == backup
    at.checkbox(key="restore_sure").check().run()
    next(b for b in at.button if b.key == "restore").click().run()
    assert 1 in storage.read_layer(own_workspace, s.OBSERVATIONS)[s.ID].tolist()


def test_patronen_names_the_demo_patterns_and_follows_the_filter(monkeypatch, tmp_path,
                                                                demo_path):
    at = _open("pages/patronen.py", monkeypatch, demo_path, tmp_path)
    sentences = [_shown(x) for x in at.radio(key="pattern_choice").options]
    assert any(x.startswith("Vrijdag en zaterdag 21-23 uur:") and "jongeren bij Europaplein"
               in x for x in sentences)
    gap = "Vrijdag en zaterdag 21-23 uur bij Europaplein: jongeren in"
    assert any(gap in _shown(m.value) for m in at.markdown)
    at.select_slider(key="widget_filter_hours").set_value((21, 26)).run()
    evening = [_shown(x) for x in at.radio(key="pattern_choice").options]
    assert 0 < len(evening) < len(sentences)
    assert not any("kinderen" in x for x in evening)


def test_patronen_thresholds_change_what_is_called_a_pattern(monkeypatch, tmp_path,
                                                           demo_path):
    at = _open("pages/patronen.py", monkeypatch, demo_path, tmp_path)
    before = len(at.radio(key="pattern_choice").options)
    at.slider(key="min_share").set_value(0.95).run()
    strict = at.radio(key="pattern_choice").options if at.radio else []
    assert len(strict) < before


def test_patronen_typical_week_per_group(monkeypatch, tmp_path, demo_path):
    import json

    at = _open("pages/patronen.py", monkeypatch, demo_path, tmp_path)
    at.selectbox(key="week_group").set_value("youth").run()
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    week = next(f for f in figures if "rondes die keken" in f["layout"]["title"]["text"])
    friday = week["data"][0]["z"][4]
    assert friday[21] >= 60 and friday[10] is None  # seen most Friday nights; nobody looked at 10


def test_presentatie_steps_through_the_demo_scenes(monkeypatch, tmp_path, demo_path):
    at = _open("pages/presentatie.py", monkeypatch, demo_path, tmp_path)
    titles = []
    for _ in range(8):
        titles.append(_shown(at.title[0].value))
        forward = next(b for b in at.button if b.label == "Volgende ▶")
        if forward.disabled:
            break
        forward.click().run()
    assert titles == ["Wat we zagen", "Vrijdag- en zaterdagavond", "Zwerfvuil en graffiti",
                      "Wat we hoorden", "Wat we proberen", "Twaalf weken op een rij"]
    roll = " ".join(h.proto.body for h in at.get("html") if "bk-roll" in h.proto.body)
    assert "Nieuw bankje bij de speeltuin" in roll and "Gehoord in oktober 2026:" in roll
    next(b for b in at.button if b.label == "◀ Vorige").click().run()
    assert _shown(at.title[0].value) == "Wat we proberen"


def test_presentatie_refuses_a_bad_scene_and_keeps_the_old_ones(monkeypatch, tmp_path,
                                                                own_workspace):
    from werkwijzer_geo.render import scenes

    at = _open("pages/presentatie.py", monkeypatch, own_workspace, tmp_path)
    at.button(key="stop_presenting").click().run()  # the room never sees the mode switch
    assert at.segmented_control(key="presentation_mode").value == "Voorbereiden"
    before = scenes.read_scenes(own_workspace)
    frame = scenes.to_frame(before)
    frame.loc[1, "hours"] = "25-3"
    frame.loc[2, "layers"] = "youths"
    # AppTest cannot type into st.data_editor; the page's save button calls exactly this.
    with pytest.raises(scenes.WerkwijzerError) as caught:
        scenes.write_scenes(own_workspace, scenes.scenes_from_frame(frame))
    assert any(p.startswith("Scène 2: Uren 25-3") for p in caught.value.problems)
    assert any(p.startswith("Scène 3, kolom 'layers': youths") for p in caught.value.problems)
    assert scenes.read_scenes(own_workspace) == before
    frame = scenes.to_frame(before)
    frame.loc[4, "position"] = 0  # the last scene moves to the front
    scenes.write_scenes(own_workspace, scenes.scenes_from_frame(frame))
    at = _open("pages/presentatie.py", monkeypatch, own_workspace, tmp_path)
    assert at.title[0].value == "Wat we proberen"


def test_presentatie_plays_a_day(monkeypatch, tmp_path, demo_path):
    at = _open("pages/presentatie.py", monkeypatch, demo_path, tmp_path)
    assert not [g for g in at.main.get("button_group") if g.key == "presentation_mode"]
    at.button(key="stop_presenting").click().run()
    at.segmented_control(key="presentation_mode").set_value("Een dag afspelen").run()
    assert at.title[0].value == "Vrijdag 07:00"
    # Nobody looked at Friday 07:00: unknown, never "0 mensen".
    assert any("niet gekeken" in _shown(m.value) for m in at.markdown)
    assert not any(re.search(r"\b0 mensen", _shown(m.value)) for m in at.markdown)
    at.session_state["play_hour"] = 21
    at.run()
    assert at.title[0].value == "Vrijdag 21:00"
    said = next(_shown(m.value) for m in at.markdown if "Per ronde" in _shown(m.value))
    low, high = map(int, re.search(r"meestal (\d+)-(\d+) jongeren", said).groups())
    assert 5 <= low <= high <= 15  # per round, not a twelve-week total


def test_export_page_builds_the_file_on_click_and_logs_it(monkeypatch, tmp_path,
                                                          own_workspace):
    from werkwijzer_geo.render import export

    at = _app(monkeypatch, own_workspace, tmp_path).run()
    at.switch_page("pages/export.py").run()
    _assert_no_crash(at)
    at.selectbox(key="export_format").set_value("csv").run()
    at.toggle(key="export_public").set_value(True).run()
    assert len(export.read_export_log(own_workspace)) == 0  # nothing is built before a click
    next(b for b in at.button if b.key == "export_make").click().run()
    assert not at.exception and not at.error
    log = export.read_export_log(own_workspace)
    assert log["format"].tolist() == ["csv"] and log["public"].tolist() == ["ja"]
    assert log["file"].iloc[0].endswith(".zip")  # three layers: one CSV each, zipped
    # The name says what it holds: neighbourhood, public, how many layers, the date.
    assert re.fullmatch(r"oosterwijk-openbaar-3-lagen-\d{4}-\d{2}-\d{2}\.zip", log["file"].iloc[0])


def test_problems_with_rows_are_shown_as_a_table_of_row_column_and_problem():
    def script():
        import ui
        from werkwijzer_geo import WerkwijzerError
        from werkwijzer_geo._errors import Problem

        ui.show_problems(WerkwijzerError([
            Problem("Rij 2, kolom 'aantal' (count): '5000' is groter dan 1.000.", 2, "count",
                    "too_large"),
            Problem("Rij 7, kolom 'tijd' (observed_at): '[x](http://127.0.0.9)' is geen "
                    "tijdstip.", 7, "observed_at", "bad_date"),
            "Kolom 'groep' ontbreekt.",
        ]))

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert _shown(at.error[0].value).startswith("3 problemen gevonden:")
    assert "Kolom 'groep' ontbreekt" in _shown(at.error[0].value)
    table = at.dataframe[0].value
    assert table["rij"].tolist() == ["2", "7"]
    assert table["kolom"].tolist() == ["count", "observed_at"]
    assert table["probleem"].iloc[1].startswith("Rij 7, kolom 'tijd' (observed_at): '[x](http")


def test_patronen_names_hotspots_by_place_and_writes_plain_dutch(monkeypatch, tmp_path,
                                                                 demo_path):
    at = _open("pages/patronen.py", monkeypatch, demo_path, tmp_path)
    hotspots = next(d.value for d in at.dataframe if "waar" in d.value.columns)
    assert "breedte" not in hotspots.columns and "lengte" not in hotspots.columns
    assert all(name.startswith("bij ") or name in {"Europaplein", "Cafetaria De Hoek",
                                                   "Voetgangerstunnel", "Winkelstrip Oosterwijk"}
               for name in hotspots["waar"])
    shown = " ".join(_shown(m.value) for m in at.markdown) + " ".join(
        _shown(c.value) for c in at.caption)
    assert "(en)" not in shown and "None" not in shown
    # Every table: numbers as Dutch text (decimal comma, '–' for none), whatever the browser.
    resolution = next(d.value for d in at.dataframe
                      if "mediaan dagen tot opgelost" in d.value.columns)
    days = resolution["mediaan dagen tot opgelost"].tolist()
    assert "–" in days and any(re.fullmatch(r"\d+,\d", day) for day in days), days
    effect = next(d.value for d in at.dataframe if "binnen vóór" in d.value.columns)
    assert any("," in value for value in effect["binnen vóór"]), effect
    for table in at.dataframe:
        for column in table.value.columns:
            values = table.value[column].tolist()
            assert all(isinstance(v, str) for v in values), (column, values[:3])
            assert not any(re.fullmatch(r"-?\d+\.\d+", v) or v in {"None", "nan"}
                           for v in values), (column, values[:3])


def test_bewerken_shows_dutch_names_labels_and_dates_and_saves_codes(demo_path):
    layers = storage.read_layers(demo_path, (s.OBSERVATIONS,))
    table = layers[s.OBSERVATIONS].drop(columns=["geometry", *[
        c for c in s.DERIVED_COLUMNS if c in layers[s.OBSERVATIONS].columns]])
    table[s.OBSERVED_AT] = table[s.OBSERVED_AT].dt.tz_localize(None)
    shown, config, to_codes = ui.dutch_table(s.OBSERVATIONS, table)
    assert set(shown[s.GROUP]) <= set(ui.labels.GROUP_LABELS.values())
    assert "youth" not in set(shown[s.GROUP]) and "Jongeren" in set(shown[s.GROUP])
    assert config[s.GROUP]["label"] == "Groep"
    assert config[s.OBSERVED_AT]["type_config"]["format"] == "DD-MM-YYYY HH:mm"
    back = to_codes(shown)
    assert back[s.GROUP].tolist() == table[s.GROUP].tolist()
    assert back[s.ACTIVITY].tolist() == table[s.ACTIVITY].tolist()


def test_the_scene_editor_speaks_dutch_and_saves_codes(monkeypatch, tmp_path, own_workspace):
    from werkwijzer_geo.render import scenes

    # A scene with its own map view and dates: the table must keep both when saved.
    stored = scenes.read_scenes(own_workspace)
    stored[1] = dataclasses.replace(stored[1], centre_lat=52.4925, centre_lon=4.678, zoom=17.3,
                                    date_from="2026-09-01")
    scenes.write_scenes(own_workspace, stored)
    at = _open("pages/presentatie.py", monkeypatch, own_workspace, tmp_path)
    at.button(key="stop_presenting").click().run()
    table = at.dataframe[0].value
    assert table["chart"].tolist()[:3] == ["wanneer keken we", "typische week",
                                           "meldingen per week"]
    # Layers and days are choices of several (their codes; the column shows Dutch names).
    assert list(table["layers"][1]) == ["observations", "hangouts"]
    assert list(table["weekdays"][1]) == ["fri", "sat"] and list(table["weekdays"][0]) == []
    assert table["date_from"][1] == "01-09-2026" and table["date_from"][0] == ""
    assert table["view"].tolist()[:2] == ["hele buurt", "eigen beeld (zoom 17,3)"]
    before = scenes.read_scenes(own_workspace)
    next(b for b in at.button if b.label == "Scènes opslaan").click().run()
    assert not at.error, [e.value for e in at.error]
    after = scenes.read_scenes(own_workspace)
    assert after[1].zoom == 17.3 and after[1].date_from == "2026-09-01"
    assert [dataclasses.replace(s, date_from="") for s in after] == [
        dataclasses.replace(s, date_from="") for s in before]  # labels went back to codes


def test_every_page_leaves_the_shared_layers_as_they_were(monkeypatch, tmp_path, demo_path):
    # The layers are cached once for every session (st.cache_resource, no copy per rerun):
    # a page that changed them in place would change them for everyone. With this set, the
    # frame compares them before and after each page, and a change is a crash.
    monkeypatch.setenv(ui.ENV_CHECK_SHARED, "1")
    at = _app(monkeypatch, demo_path, tmp_path).run()
    _assert_no_crash(at)
    at.select_slider(key="widget_filter_hours").set_value((21, 26)).run()
    for page in PAGES:
        at.switch_page(page).run()
        _assert_no_crash(at)
    at.switch_page("pages/presentatie.py").run()
    at.button(key="stop_presenting").click().run()  # Voorbereiden: the scene view map
    _assert_no_crash(at)


def test_kaart_with_many_observations_counts_and_draws_cells_from_the_cube(monkeypatch,
                                                                         tmp_path):
    from werkwijzer_geo.demo import create_demo_workspace

    path = tmp_path / "groot.gpkg"
    create_demo_workspace(path, n_observations=5000)
    at = _app(monkeypatch, path, tmp_path).run()
    _assert_no_crash(at)
    layers = storage.read_layers(path)
    modes = set()
    for hours in [(6, 30), (21, 26), (12, 13)]:
        at.select_slider(key="widget_filter_hours").set_value(hours).run()
        _assert_no_crash(at)
        end = hours[1] % 24
        selected = select_layers(layers, TimeFilter(hours=HourRange(hours[0] % 24, end)))
        # The line the cube counts is the line the selected rows give.
        assert _count_line(at).startswith(f"**{describe_selection(selected)}**"), hours
        cells = len(selected[s.OBSERVATIONS]) > 1000
        assert any("getoond als vakken" in c.value for c in at.caption) == cells, hours
        modes.add(cells)
    assert modes == {True, False}  # both ways of drawing were checked
