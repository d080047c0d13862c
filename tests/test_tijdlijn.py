"""The Tijdlijn page (AppTest): events and stories in time, what changed, what we heard."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

import ui
from werkwijzer_geo import demo

ROOT = Path(__file__).resolve().parent.parent


def _open(monkeypatch, db: Path, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/tijdlijn.py").run()
    assert not at.exception
    assert not [e.value for e in at.error if e.value.startswith(ui.CRASH_MESSAGE[:20])]
    return at


def _plain(markdown: str) -> str:
    return markdown.replace("\\", "").replace(ui.WORD_JOINER, "")


def test_the_demo_timeline_shows_every_event_what_changed_and_what_we_heard(
        monkeypatch, tmp_path, demo_path):
    at = _open(monkeypatch, demo_path, tmp_path)
    assert [h.value for h in at.header] == ["Tijdlijn"]
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    # The events after which something changed say so on the chart itself.
    import json

    traces = json.loads(charts[0].proto.spec)["data"]
    written = [text for trace in traces if trace.get("name") == "wat veranderde"
               for text in trace["text"]]
    assert written == ["meer ouderen", "minder zwerfvuil"]
    sentences = [_plain(x) for x in at.radio(key="timeline_event").options]
    assert len(sentences) == len(demo.build_events()) and all(x.startswith("Na ")
                                                              for x in sentences)
    assert sentences[0].startswith("Na Vuurwerk afgestoken bij de bankjes (05-09)")
    # The demo's planted changes are told, and the events where nothing was planted are not.
    changed = [x for x in sentences if "geen duidelijk verschil" not in x]
    assert changed == [
        "Na Nieuw bankje bij de speeltuin (21-09): meer ouderen binnen 150 m in de 4 weken "
        "erna, 10 van 12 rondes tegen 0 van 6 ervoor.",
        "Na Opschoondag; afvalbakken met klep bij de winkels (17-10): minder meldingen van "
        "zwerfvuil binnen 150 m, 0 tegen 9 in de 4 weken ervoor."]
    heard = [_plain(m.value) for m in at.markdown if "Het vaakst gehoord" in m.value]
    assert heard and heard[0].endswith(  # counted from the 22 demo stories by hand
        "jongeren (7 verhalen), ontmoeting (6 verhalen), veiligheid (5 verhalen).")
    # Choosing another event shows that one on the map.
    at.radio(key="timeline_event").set_value(3).run()
    caption = [_plain(c.value) for c in at.caption if "weken ervoor tot" in c.value]
    assert caption and caption[0].startswith("Container geplaatst op het plein (28-09-2026)")


def test_the_period_filter_narrows_the_timeline(monkeypatch, tmp_path, demo_path):
    at = _open(monkeypatch, demo_path, tmp_path)
    at.sidebar.date_input(key="widget_filter_dates").set_value(
        (dt.date(2026, 10, 1), dt.date(2026, 10, 31))).run()
    sentences = [_plain(x) for x in at.radio(key="timeline_event").options]
    assert [x.split(" (")[0] for x in sentences] == [
        "Na Vechtpartij bij de tunnel", "Na Fairplay-sportmiddag op het plein",
        "Na Opschoondag; afvalbakken met klep bij de winkels",
        "Na Melding geluidsoverlast bij de tunnel", "Na Halloweentocht door de buurt"]


def test_a_workspace_without_events_or_stories_says_where_to_add_them(
        monkeypatch, tmp_path, workspace):
    at = _open(monkeypatch, workspace, tmp_path)
    assert any("Nog geen gebeurtenissen of verhalen" in i.value for i in at.info)


def test_the_public_timeline_scene_shows_events_by_week_and_never_a_story(
        monkeypatch, tmp_path, demo_path):
    import shutil

    from werkwijzer_geo.demo import read_demo_layers
    from werkwijzer_geo.render import scenes as sc

    path = tmp_path / "buurt.gpkg"
    shutil.copyfile(demo_path, path)
    sc.write_scenes(path, [sc.Scene("Wat er gebeurde", "Twaalf weken in de buurt.", "",
                                    chart="timeline")])
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/presentatie.py").run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    spec = charts[0].proto.spec
    roll = " ".join(element.proto.body for element in at.get("html")
                    if "bk-roll" in element.proto.body)
    stories = read_demo_layers()["stories"]
    for title in read_demo_layers()["events"]["title"]:
        assert html.escape(title) in roll  # beside the chart, numbered as its markers
    assert "week van" in spec and "week van" in roll
    shown = spec + roll + " ".join(str(getattr(e, "value", "")) for e in at.main)
    for _, story in stories.iterrows():
        assert story["text"] not in shown
    assert "Verhaal van een" not in shown  # who told it, as on the team's Tijdlijn
    for source in ("bewoner", "jongere", "ondernemer", "resident", "entrepreneur"):
        assert not re.search(rf"\b{source}\b", shown), source


def test_a_chosen_story_shows_its_words_to_the_team_and_the_events_around_it(
        monkeypatch, tmp_path, demo_path):
    at = _open(monkeypatch, demo_path, tmp_path)
    choice = at.selectbox(key="timeline_story")
    assert len(choice.options) == len(demo.STORIES)
    assert _plain(choice.options[2]).startswith("09-09-2026 · professional · veiligheid, "
                                                "overlast")
    choice.set_value(choice.options[2]).run()
    quote = [_plain(m.value) for m in at.markdown if m.value.startswith(">")]
    assert quote == ["> Na het vuurwerk van zaterdag zijn bewoners ongerust; veel "
                     "telefoontjes."]
    around = [_plain(m.value) for m in at.markdown if "Rond dit verhaal" in m.value]
    assert around and "05-09-2026: Vuurwerk afgestoken bij de bankjes" in around[0]
    assert "08-11-2026" not in around[0]  # two months later: not around it
