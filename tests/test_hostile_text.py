"""User text is data: template syntax, a shell command, Markdown that fetches and formulas in
every text field come back literally on every page and in every export, and run nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html import escape as html_escape
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import ui
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.public import make_public_layers
from werkwijzer_geo.io import editing, storage
from werkwijzer_geo.render import export as ex
from werkwijzer_geo.render import maps
from werkwijzer_geo.timefilter import TimeFilter

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["app.py", "pages/invoer.py", "pages/patronen.py", "pages/presentatie.py",
         "pages/export.py", "pages/tijdlijn.py", "pages/beheer.py"]


def _ran_nothing(html: str, sentinel: Path) -> None:
    assert not sentinel.exists(), "a template ran on the server"
    assert "uid=" not in html  # the output of `id`
    assert "<script>window.pwned" not in html


def test_script_json_reads_back_the_same_and_holds_no_template_syntax():
    text = "{{7*7}} {% if %} {# x #} </script> & 'quote' \"dq\" \\ ` $x$"
    encoded = maps.to_script_json({"tip": text, "list": [{}, {"a": {}}]})
    assert json.loads(encoded) == {"tip": text, "list": [{}, {"a": {}}]}
    assert not re.search(r"\{[{%#]", encoded)
    assert "</script>" not in encoded


def test_team_and_public_maps_keep_hostile_text_literal(hostile):
    workspace, _, sentinel = hostile
    layers = storage.read_layers(workspace)
    team = maps.render_map_html(maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES]),
                                maps.build_layer_groups(layers, maps.MAP_LAYERS))
    public = make_public_layers(layers, TimeFilter())
    shown = maps.render_map_html(
        maps.build_base_map(layers[s.BOUNDARY], public[s.PLACES], large=True),
        maps.build_public_groups(public, maps.DEFAULT_VISIBLE_LAYERS))
    for html in (team, shown):
        _ran_nothing(html, sentinel)
        # The place names, exactly as typed, once the browser reads the JSON escapes.
        data = [json.loads(match) for match in re.findall(r"L\.geoJSON\((\{.*?\}), \{\n", html)]
        tips = {f["properties"]["tip"] for d in data for f in d["features"]}
        assert "<span>{{7*7}}</span>" in tips
        assert "<span>{% for x in y %}</span>" in tips


@pytest.mark.parametrize("fmt", ex.FORMATS)
@pytest.mark.parametrize("public", [False, True], ids=["team", "public"])
def test_every_export_keeps_hostile_text_literal(hostile, tmp_path, fmt, public):
    source, payloads, sentinel = hostile
    workspace = tmp_path / "buurt.gpkg"
    workspace.write_bytes(source.read_bytes())  # an export is logged in its workspace
    chosen = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS, s.PLACES, s.STORIES) + (
        () if public else (s.ROUNDS, s.EVENTS))
    made = ex.export_snapshot(workspace, ex.Snapshot(chosen, TimeFilter(), public), fmt,
                              tmp_path / f"out.{fmt}")
    assert not sentinel.exists()
    if fmt == "html":
        html = made.read_text(encoding="utf-8")
        _ran_nothing(html, sentinel)
        assert "\\u007b\\u007b7*7\\u007d\\u007d" in html  # {{7*7}} as JSON escapes
    elif fmt == "csv":
        with zipfile.ZipFile(made) as archive:
            text = archive.read("places.csv").decode("utf-8-sig")
        names = [row["naam"] for row in csv.DictReader(io.StringIO(text), delimiter=";")]
        assert "{{7*7}}" in names and "{% for x in y %}" in names
        assert "'" + payloads[6] in names  # a formula gets a leading quote
    elif fmt == "geojson":
        with zipfile.ZipFile(made) as archive:
            places = json.loads(archive.read("places.geojson"))
        names = {f["properties"]["name"] for f in places["features"]}
        assert set(payloads[:7]) <= names


def _app(monkeypatch, workspace: Path, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(workspace))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


def _markdown_sources(at: AppTest) -> list[str]:
    found = [element.value for kind in ("markdown", "title", "caption", "error", "warning",
                                        "success", "info") for element in at.get(kind)]
    found += [str(option) for radio in at.radio for option in radio.options]
    return found


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_hostile_text_literally(monkeypatch, tmp_path, hostile, page):
    workspace, payloads, sentinel = hostile
    at = _app(monkeypatch, workspace, tmp_path).run()
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert not sentinel.exists()
    sources = _markdown_sources(at)
    # Nothing unescaped that Markdown would turn into an image, a link, HTML or a formula.
    for source in sources:
        assert not re.search(r"(?<!\\)(!(?<!\\)\[|<|\$|\](?<!\\)\()", source), source
    assert ui.plain(payloads[0] + " " + payloads[5]) in [c.value for c in at.sidebar.caption]
    if page == "pages/presentatie.py":
        assert at.title[0].value == ui.plain(payloads[0])
        assert ui.plain(payloads[5]) in [m.value for m in at.markdown]
    if page == "pages/patronen.py":
        assert any(ui.plain("{{7*7}}") in option for option in at.radio[0].options)


def test_plain_shows_the_text_and_nothing_else():
    text = "![x](http://a/b.png) <img src=x> $x$ :red[y] **b** 1. `c` {{7*7}}\nregel"
    escaped = ui.plain(text)
    assert re.sub(r"\\(.)", r"\1", escaped).replace("  \n", "\n").replace(
        ui.WORD_JOINER, "") == text
    assert not re.search(r"(?<!\\)[<>\[\]()$*`!:{}]", escaped)  # each one escaped
    assert ui.plain("a\x00b") == "ab"
    # Bare addresses stay as typed but are no link: http, www and e-mail are broken by an
    # invisible word joiner where Markdown would start its autolink.
    for bare in ("http://127.0.0.9/x", "HTTPS://127.0.0.9", "www.127.0.0.9.nl", "jan@evil.nl"):
        escaped = ui.plain(f"zie {bare} nu")
        assert ui.WORD_JOINER in escaped
        assert re.sub(r"\\(.)", r"\1", escaped).replace(ui.WORD_JOINER, "") == f"zie {bare} nu"


@pytest.mark.parametrize("mode", ["Een dag afspelen", "Voorbereiden"])
def test_presentation_modes_run_with_hostile_text(monkeypatch, tmp_path, hostile, mode):
    workspace, _, sentinel = hostile
    at = _app(monkeypatch, workspace, tmp_path).run()
    at.switch_page("pages/presentatie.py").run()
    at.button(key="stop_presenting").click().run()
    next(b for b in at.get("button_group") if b.key == "presentation_mode").set_value(mode).run()
    if mode == "Voorbereiden":
        assert at.subheader[0].value == "Scènes voorbereiden"
        assert at.dataframe[0].value["title"].tolist()[0] == "{{7*7}}"  # a table: plain text
    else:
        assert at.title[0].value == "Vrijdag 07:00"
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert not sentinel.exists()


def test_theme_cards_show_hostile_themes_as_text(monkeypatch, tmp_path, hostile):
    source, payloads, sentinel = hostile
    # Residents see a team's own theme word only once it came up in 5 or more stories:
    # here every story carries every payload as a theme.
    workspace = tmp_path / "buurt.gpkg"
    workspace.write_bytes(source.read_bytes())
    ids = storage.read_layer(workspace, s.STORIES)[s.ID]
    editing.update_rows(workspace, s.STORIES, pd.DataFrame(
        {s.ID: ids, s.THEMES: "; ".join(payloads)}))
    at = _app(monkeypatch, workspace, tmp_path).run()
    at.switch_page("pages/presentatie.py").run()
    for _ in range(3):  # to scene 4, "Wat we hoorden": the themes as cards (raw HTML)
        at.button(key="scene_next").click().run()
    cards = [h.proto.body for h in at.get("html")
             if h.proto.body.startswith('<div class="bk-cards"')]
    assert len(cards) == 1
    html_text = cards[0]
    assert "<img" not in html_text and "<script" not in html_text
    assert "{{7*7}}" in html_text  # the typed themes are there, as characters
    assert "os.popen(&#x27;id&#x27;)" in html_text  # quotes escaped, nothing run
    assert not sentinel.exists()


def test_action_cards_show_hostile_names_as_text(monkeypatch, tmp_path, hostile):
    workspace, payloads, sentinel = hostile
    at = _app(monkeypatch, workspace, tmp_path).run()
    at.switch_page("pages/presentatie.py").run()
    for _ in range(4):  # to scene 5, "Wat we proberen": the actions as cards (raw HTML)
        at.button(key="scene_next").click().run()
    cards = [h.proto.body for h in at.get("html")
             if h.proto.body.startswith('<div class="bk-cards"')]
    assert len(cards) == 1 and 'class="bk-card bk-action"' in cards[0]
    # The demo's three actions carry the first three payloads as names: there, escaped.
    names = re.findall(r'<div class="bk-name">(.*?)</div>', cards[0])
    assert sorted(names) == sorted(html_escape(p) for p in payloads[:3]), names
    assert not sentinel.exists()


def test_the_residents_timeline_shows_hostile_titles_and_themes_as_text(monkeypatch, tmp_path,
                                                                       hostile):
    import shutil

    from werkwijzer_geo.render import scenes as sc

    shared, payloads, sentinel = hostile
    workspace = tmp_path / "buurt.gpkg"  # a copy: the shared one must not change
    shutil.copyfile(shared, workspace)
    sc.write_scenes(workspace, [sc.Scene(payloads[0], payloads[5], "", chart="timeline")])
    at = _app(monkeypatch, workspace, tmp_path).run()
    at.switch_page("pages/presentatie.py").run()
    assert not at.exception
    roll = [h.proto.body for h in at.get("html") if h.proto.body.startswith('<div class="bk-roll"')]
    assert len(roll) == 1
    # Every event title is a payload: each one there, escaped, and no tag of it left raw.
    for payload in payloads[:3]:
        assert html_escape(payload) in roll[0]
    assert "<img" not in roll[0] and "<script" not in roll[0]
    spec = at.get("plotly_chart")[0].proto.spec
    assert not any(payload in spec for payload in payloads)  # the chart holds numbers only
    assert not sentinel.exists()
