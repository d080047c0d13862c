"""The real map in a real browser: Debian's Chromium, driven by Playwright, against the app."""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page, sync_playwright

from werkwijzer_geo.render.scenes import DEMO_SCENES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs" / "screenshots"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
TILE_HOST = "service.pdok.nl"
# A 1x1 transparent PNG stands in for PDOK's tiles (this machine has no internet).
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the demo workspace, which these tests only read."""
    yield from _serve(demo_path, tmp_path_factory)


@pytest.fixture(scope="session")
def writable_app(demo_path: Path, tmp_path_factory: pytest.TempPathFactory,
                 ) -> Iterator[tuple[str, Path]]:
    """The app on a copy of the demo workspace, for tests that save."""
    copy = tmp_path_factory.mktemp("writable") / "buurt.gpkg"
    shutil.copyfile(demo_path, copy)
    for url in _serve(copy, tmp_path_factory):
        yield url, copy


def _serve(workspace: Path | str, tmp_path_factory: pytest.TempPathFactory, *,
           port: int | None = None, options: tuple[str, ...] = ()) -> Iterator[str]:
    """`streamlit run app.py` on a free port for `workspace` (a file or a database
    address); waits for health."""
    port = port or _free_port()
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    # The server's temp folder, beside a workspace file for tests to inspect.
    temporary = (workspace.parent / "tmp" if isinstance(workspace, Path)
                 else tmp_path_factory.mktemp("tmp"))
    temporary.mkdir(exist_ok=True)
    env = {**os.environ, "WERKWIJZER_DB": str(workspace), "TMPDIR": str(temporary),
           "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", *options], cwd=ROOT, env=env, stdout=log,
            stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Streamlit did not start:\n{log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (scripts/test.sh "
                    "does this).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield launched
        launched.close()


class Watch:
    """Requests that left this machine, and what the console complained about."""

    def __init__(self, page: Page, *, online: bool) -> None:
        self.remote: list[tuple[str, str]] = []
        self.errors: list[str] = []
        page.route("**/*", self._route if online else self._route_offline)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _route(self, route) -> None:
        request = route.request
        host = urlparse(request.url).hostname
        if host in LOCAL_HOSTS:
            route.continue_()
            return
        self.remote.append((request.resource_type, request.url))
        if host == TILE_HOST:
            route.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        else:
            route.abort()

    def _route_offline(self, route) -> None:
        request = route.request
        if urlparse(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.remote.append((request.resource_type, request.url))
            route.abort("internetdisconnected")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "") if message.location else ""
        self.errors.append(f"{message.text} ({source})")

    def non_tile_errors(self) -> list[str]:
        # Offline, every tile logs a failed load: that is the network, not the app.
        return [e for e in self.errors if TILE_HOST not in e and "net::ERR_INTERNET" not in e]


def _map_frame(page: Page) -> Frame:
    page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=60_000)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "st_folium" in frame.url and frame.evaluate(
                    "() => Boolean(window.map && window.feature_group)"):
                return frame
        time.sleep(0.2)
    raise AssertionError("the map never appeared")


def _shown_observations(frame: Frame) -> int:
    # streamlit-folium keeps removed groups in window.feature_group; count what is on the map.
    return frame.evaluate("""() => {
        const shown = window.feature_group.filter(g => window.map.hasLayer(g));
        const layers = shown.flatMap(g => g.getLayers());
        const people = layers.filter(l => l.options.bkLayer === 'observations');
        return people.length === 1 ? people[0].getLayers().length : -people.length;
    }""")


def _drawn_people(frame: Frame) -> dict:
    """What the observation layer draws: the people on each stack's face and in its
    markers, the single markers' people, and stacks that cover a place name."""
    return frame.evaluate("""() => {
        const shown = window.feature_group.filter(g => window.map.hasLayer(g));
        const stacks = shown.flatMap(g => g.getLayers())
            .filter(l => l.options.bkLayer === 'observations')[0];
        const drawn = stacks._featureGroup.getLayers();
        const faces = drawn.filter(l => l.getAllChildMarkers).map(l => [
            Number(l.getElement().innerText.replace(/\\./g, '')),
            l.getAllChildMarkers().reduce((sum, m) => sum + m.options.people, 0)]);
        const singles = drawn.filter(l => !l.getAllChildMarkers)
            .reduce((sum, m) => sum + m.options.people, 0);
        const names = [...document.querySelectorAll('.bk-place-label span')]
            .filter(e => getComputedStyle(e.parentElement).visibility === 'visible')
            .map(e => e.getBoundingClientRect());
        const apart = (a, b) => a.right <= b.left || a.left >= b.right
            || a.bottom <= b.top || a.top >= b.bottom;
        const covering = drawn.filter(l => l.getAllChildMarkers).filter(l => names.some(
            n => !apart(n, l.getElement().getBoundingClientRect()))).length;
        return {faces, singles, covering};
    }""")


def _counted_people(page: Page) -> int:
    return int(re.search(r"\(([\d.]+) personen\)", _count_line(page)).group(1)
               .replace(".", ""))


def _count_line(page: Page) -> str:
    return page.get_by_text(re.compile("in deze selectie")).first.inner_text()


def _counted_observations(page: Page) -> int:
    return int(re.match(r"([\d.]+) waarneming", _count_line(page)).group(1).replace(".", ""))


def _wait_for_placed_names(frame) -> None:
    """Names are placed once the map has settled (debounced): wait for that first pass."""
    frame.wait_for_function(
        "() => [...document.querySelectorAll('.bk-place-label')]"
        ".some(e => getComputedStyle(e).visibility === 'visible')", timeout=15_000)


def _open_map(browser, app_url: str, *, online: bool, **page_options):
    """A new page on the app, watched, once the map shows features."""
    page = browser.new_page(**page_options)
    watch = Watch(page, online=online)
    page.goto(app_url)
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-interactive")
    return page, watch, frame


def test_map_shows_features_and_the_hour_slider_changes_them(browser, app_url):
    page, watch, frame = _open_map(browser, app_url, online=True,
                                   viewport={"width": 1400, "height": 900})
    all_day = _counted_observations(page)
    assert all_day > 100
    assert _shown_observations(frame) == all_day
    frame.evaluate("() => window.map.setZoom(window.map.getZoom() + 1, {animate: false})")
    zoom = frame.evaluate("() => window.map.getZoom()")

    start_thumb = page.get_by_role("slider").first
    start_thumb.focus()
    for _ in range(15):  # 06:00 -> 21:00
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some(p => p.innerText.includes('21:00-06:00'))",
        timeout=30_000)
    frame = _map_frame(page)
    deadline = time.monotonic() + 30
    evening = _counted_observations(page)
    while _shown_observations(frame) != evening and time.monotonic() < deadline:
        time.sleep(0.2)
    assert 0 < evening < all_day
    assert _shown_observations(frame) == evening
    assert frame.evaluate("() => window.map.getZoom()") == zoom, "the view was reset"
    # Sightings at one spot stack up: each stack shows the people in it, the stacks and the
    # single markers add up to the people counted, and no stack covers a place name.
    drawn = _drawn_people(frame)
    assert drawn["faces"] and all(face == inside for face, inside in drawn["faces"]), drawn
    assert max(face for face, _ in drawn["faces"]) > 100, drawn
    assert sum(face for face, _ in drawn["faces"]) + drawn["singles"] == _counted_people(page)
    assert drawn["covering"] == 0, drawn
    assert frame.locator(".bk-legend").inner_text().startswith("Legenda")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "kaart.png")
    assert all(kind == "image" and TILE_HOST in url for kind, url in watch.remote), watch.remote
    assert not watch.errors, watch.errors
    page.close()


def test_map_without_internet_still_shows_outline_places_and_people(browser, app_url):
    page, watch, frame = _open_map(browser, app_url, online=False,
                                   viewport={"width": 1280, "height": 800})
    _wait_for_placed_names(frame)
    labels = frame.locator(".bk-place-label").evaluate_all(
        "els => els.map(e => [e.textContent, getComputedStyle(e).visibility])")
    assert len(labels) == 7 and ["Europaplein", "visible"] in labels, labels
    assert _shown_observations(frame) == _counted_observations(page)
    assert frame.evaluate("() => typeof L") == "object"  # Leaflet came from the app itself
    assert all(kind == "image" for kind, _ in watch.remote), watch.remote
    assert not watch.non_tile_errors(), watch.errors
    page.screenshot(path=SCREENSHOTS / "kaart-offline.png")
    page.close()


def test_phone_width_map_fits_and_legend_starts_folded(browser, app_url):
    page, _, frame = _open_map(browser, app_url, online=True,
                               viewport={"width": 390, "height": 844}, is_mobile=True,
                               has_touch=True, device_scale_factor=2)
    assert frame.evaluate("() => document.querySelector('.bk-legend details').open") is False
    width = frame.evaluate("() => window.map.getSize().x")
    assert 300 <= width <= 390
    # The map in the first screen: it starts in the upper third (layers chosen below it).
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert box["y"] < 844 / 3, box
    page.close()


def _map_box(page: Page) -> dict:
    """Where the map is on screen, after scrolling it into view (taps need it visible).

    A rerun may swap the map's frame for a new one while we look: then look again."""
    deadline = time.monotonic() + 30
    while True:
        iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
        try:
            iframe.scroll_into_view_if_needed(timeout=5_000)
            page.wait_for_timeout(300)  # let the scroll settle before measuring
            box = iframe.bounding_box()
            if box is not None:
                return box
        except PlaywrightError:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("the map never settled on the page")
        page.wait_for_timeout(300)


def _streamlit_probe(url: str) -> bool:
    # Streamlit's frontend on a page path first asks /<page>/_stcore/... and then the root.
    return "/_stcore/" in urlparse(url).path and not urlparse(url).path.startswith("/_stcore/")


def test_phone_records_an_observation_that_the_kaart_page_shows(browser, writable_app):
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import storage

    url, workspace = writable_app
    before = len(storage.read_layer(workspace, s.OBSERVATIONS))
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True,
                            has_touch=True, device_scale_factor=2)
    watch = Watch(page, online=True)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{url}/invoer")  # the first visit of a fresh server, straight to a page
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-interactive")
    box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert box["y"] + box["height"] <= 844, box  # the whole map in the first screen
    assert page.get_by_text("Tijdfilter").count() == 1  # app.py ran: the shared sidebar
    box = _map_box(page)
    page.mouse.click(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2 - 30)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    started = time.monotonic()
    dialog.get_by_role("radio", name="Jongeren", exact=True).click()
    count = dialog.get_by_label("Aantal")
    count.fill("7")
    dialog.get_by_role("radio", name="rondhangen", exact=True).click()
    dialog.get_by_label(re.compile("Notitie")).fill("Uit de browsertest")
    dialog.get_by_role("button", name="Opslaan").dblclick()  # a double tap stores one row
    dialog.wait_for(state="detached", timeout=30_000)
    seconds = time.monotonic() - started
    after = storage.read_layer(workspace, s.OBSERVATIONS)
    assert len(after) == before + 1
    saved = after.iloc[-1]
    assert (saved[s.GROUP], saved[s.COUNT], saved[s.ACTIVITY], saved[s.NOTE]) == (
        "youth", 7, "hanging_out", "Uit de browsertest")
    assert seconds < 30
    page.screenshot(path=SCREENSHOTS / "invoer-telefoon.png")

    page.goto(url)
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-interactive")
    assert _counted_observations(page) == before + 1
    assert _shown_observations(frame) == before + 1
    assert frame.evaluate("""() => window.feature_group.filter(g => window.map.hasLayer(g))
        .flatMap(g => g.getLayers()).flatMap(l => l.getLayers())
        .some(l => (l.getTooltip() && l.getTooltip().getContent() || '')
        .includes('Uit de browsertest'))""")
    assert all(_streamlit_probe(u) or TILE_HOST in u for u in failed), failed
    assert all(kind == "image" for kind, _ in watch.remote), watch.remote
    unexplained = [e for e in watch.errors if "Failed to load resource" not in e]
    assert not unexplained, watch.errors
    page.close()


def test_phone_draws_a_place_by_tapping_its_corners(browser, writable_app):
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import storage

    url, workspace = writable_app
    before = len(storage.read_layer(workspace, s.PLACES))
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True,
                            has_touch=True, device_scale_factor=2)
    Watch(page, online=True)
    page.goto(f"{url}/invoer")
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-interactive")
    page.get_by_text("Plekken", exact=True).click()
    page.get_by_text("Tik de hoeken van het vlak").wait_for(timeout=30_000)
    box = _map_box(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for corner, (dx, dy) in enumerate([(-60, -40), (20, -40), (20, 30), (-60, 30)], start=1):
        page.mouse.click(x + dx, y + dy)
        page.get_by_role("button", name=f"Vlak afronden ({corner} hoeken)").wait_for(
            timeout=30_000)
    page.get_by_role("button", name="Vlak afronden (4 hoeken)").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    dialog.get_by_label("Naam").fill("Trapveldje achter de school")
    dialog.get_by_role("radio", name="plein", exact=True).click()
    dialog.get_by_role("button", name="Opslaan").click()
    dialog.wait_for(state="detached", timeout=30_000)
    places = storage.read_layer(workspace, s.PLACES)
    assert len(places) == before + 1
    drawn = places.iloc[-1]
    assert drawn[s.NAME] == "Trapveldje achter de school" and drawn[s.KIND] == "square"
    assert drawn.geometry.geom_type == "Polygon" and len(drawn.geometry.exterior.coords) == 5
    page.goto(url)
    frame = _map_frame(page)
    frame.wait_for_selector(".bk-place-label", state="attached")
    # As text: on a phone a crowded map hides the smaller names until the map is zoomed.
    names = frame.locator(".bk-place-label").evaluate_all("els => els.map(e => e.textContent)")
    assert "Trapveldje achter de school" in names
    page.close()


def test_a_story_is_recorded_with_listed_and_own_themes(browser, writable_app):
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import storage

    url, workspace = writable_app
    before = storage.read_layer(workspace, s.STORIES)[s.ID].tolist()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    Watch(page, online=False)
    page.goto(f"{url}/invoer")
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-interactive")
    page.get_by_text("Verhalen", exact=True).click()
    page.wait_for_timeout(1500)
    box = _map_box(page)
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)
    dialog.get_by_role("radio", name="bewoner", exact=True).click()
    themes = dialog.get_by_role("combobox").first
    themes.click()
    page.keyboard.type("overlast")
    page.keyboard.press("Enter")
    page.keyboard.type("Parkeren")  # not on the list: the team's own word
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    told = "Buurvrouw belt steeds, haar nummer is 06-12345678."
    dialog.get_by_label(re.compile("^Verhaal")).fill(told)
    dialog.get_by_role("button", name="Opslaan").click()
    # A phone number in the words: a warning, and nothing saved yet.
    dialog.get_by_text(re.compile("lijkt een telefoonnummer te bevatten")).wait_for(
        timeout=30_000)
    assert storage.read_layer(workspace, s.STORIES)[s.ID].tolist() == before
    page.screenshot(path=SCREENSHOTS / "verhaal-persoonsgegevens.png")
    # Taken out: saved at the first Opslaan.
    dialog.get_by_label(re.compile("^Verhaal")).fill("Buurvrouw belt steeds over de groep.")
    dialog.get_by_role("button", name="Opslaan").click()
    dialog.wait_for(state="detached", timeout=30_000)
    stories = storage.read_layer(workspace, s.STORIES)
    new = stories[~stories[s.ID].isin(before)]
    assert len(new) == 1, new
    assert new[s.THEMES].iloc[0] == "overlast, parkeren"
    assert new[s.SOURCE].iloc[0] == "resident"
    assert new[s.TEXT].iloc[0] == "Buurvrouw belt steeds over de groep."
    page.close()


def _free_texts(workspace: Path) -> set[str]:
    """Every note, observer, story text, goal, evaluation and owner in the workspace."""
    from werkwijzer_geo import labels
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import storage

    layers = storage.read_layers(workspace)
    texts: set[str] = set()
    for frame in layers.values():
        for column in s.FREE_TEXT_COLUMNS & set(frame.columns):
            texts |= {t for t in frame[column].dropna() if isinstance(t, str) and len(t) > 3}
    # An owner such as "Ondernemers" is also the app's own word for a group: not a leak.
    words = {label for mapping in (labels.GROUP_LABELS, labels.LAYER_LABELS) for label in
             mapping.values()}
    return texts - words


def test_presentation_shows_no_notes_no_observers_and_no_small_counts(browser, app_url,
                                                                      demo_path):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page, online=False)
    page.goto(f"{app_url}/presentatie")
    secrets = _free_texts(demo_path)
    assert secrets
    scene = 1
    while True:
        page.get_by_text(re.compile(rf"^{scene} / \d+$")).wait_for(timeout=60_000)
        total = int(re.search(rf">{scene} / (\d+)<", page.content()).group(1))
        text = page.inner_text("body")
        tips = []
        if page.locator('iframe[title="streamlit_folium.st_folium"]').count():
            frame = _map_frame(page)
            frame.wait_for_selector(".leaflet-interactive")
            tips = frame.evaluate("""() => window.feature_group
                .filter(g => window.map.hasLayer(g)).flatMap(g => g.getLayers())
                .flatMap(l => l.getLayers()).map(l => l.getTooltip() ?
                    String(l.getTooltip().getContent()) : '')""")
            text += "\n" + frame.inner_text("body")
        leaked = [secret for secret in secrets if secret in text or any(secret in t
                                                                        for t in tips)]
        assert not leaked, (scene, leaked)
        # Nor anywhere in the page's or the map's HTML (a story's words, a note).
        source = page.content() + "".join(frame.content() for frame in page.frames[1:])
        hidden = [secret for secret in secrets
                  if secret in source or html.escape(secret) in source]
        assert not hidden, (scene, hidden)
        counts = [int(n) for t in tips for n in re.findall(r"(\d+) personen", t)]
        assert all(n >= 5 for n in counts), (scene, counts)
        # The presenter view hides the sidebar (its stylesheet may land a moment later).
        page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=15_000)
        page.screenshot(path=SCREENSHOTS / f"presentatie-{scene}.png")
        if scene == total:
            break
        page.get_by_role("button", name="Volgende ▶").click()
        scene += 1
    assert scene == len(DEMO_SCENES)
    assert all(kind == "image" for kind, _ in watch.remote), watch.remote
    page.close()


def test_exported_html_map_works_from_a_usb_stick_without_network(browser, demo_path,
                                                                 tmp_path):
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.render import export as ex
    from werkwijzer_geo.timefilter import TimeFilter

    workspace = tmp_path / "buurt.gpkg"
    shutil.copyfile(demo_path, workspace)  # an export is logged in its workspace
    out = ex.export_snapshot(workspace, ex.Snapshot(
        (s.OBSERVATIONS, s.SPOTS), TimeFilter(), public=True), "html", tmp_path / "kaart.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    requested: list[str] = []
    errors: list[str] = []

    def route(request_route) -> None:
        requested.append(request_route.request.url)
        if request_route.request.url.startswith("file://"):
            request_route.continue_()
        else:
            request_route.abort("internetdisconnected")

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_selector(".leaflet-interactive", timeout=30_000)
    assert page.locator(".leaflet-interactive").count() > 5
    assert "Europaplein" in page.locator(".bk-place-label").all_inner_texts()
    assert all(url.startswith("file://") for url in requested), requested
    assert not errors, errors
    page.close()


def test_import_tab_checks_shows_and_saves_a_csv(browser, writable_app, tmp_path):
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import storage

    url, workspace = writable_app
    before = len(storage.read_layer(workspace, s.OBSERVATIONS))
    source = tmp_path / "telling.csv"
    source.write_text("tijdstip;groep;aantal;activiteit;lat;lon;opmerking\n"
                      "12-10-2026 21:15;jongeren;7;rondhangen;52,4930;4,6770;bij de bankjes\n"
                      "12-10-2026 21:40;ouderen;2;passeren;52,4931;4,6771;\n",
                      encoding="cp1252")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    Watch(page, online=False)
    page.goto(f"{url}/invoer")
    _map_frame(page)  # the page has finished its first run; a tab clicked earlier can reset
    tab = page.get_by_role("tab", name="Importeren")
    tab.click()
    page.wait_for_function("""() => [...document.querySelectorAll('[role=tab]')].some(
        t => t.innerText.includes('Importeren') && t.getAttribute('aria-selected') === 'true')""",
                           timeout=30_000)
    page.locator('input[type="file"]').first.set_input_files(str(source))
    page.get_by_text("Proef klopt: 2 rijen").wait_for(timeout=60_000)
    assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == before  # nothing saved yet
    page.wait_for_function("""() => [...document.querySelectorAll('iframe')]
        .filter(f => f.title === 'streamlit_folium.st_folium').length >= 2""", timeout=30_000)
    page.get_by_role("button", name="Importeren", exact=True).click()
    page.get_by_text("Opgeslagen: 2 rijen").wait_for(timeout=60_000)
    added = storage.read_layer(workspace, s.OBSERVATIONS).iloc[before:]
    assert added[s.GROUP].tolist() == ["youth", "elderly"]
    assert added[s.LOCAL_HOUR].tolist() == [21, 21]
    assert storage.list_backups(workspace)
    # The upload was on disk only while it was read.
    assert not list((workspace.parent / "tmp").glob("buurtkaart-upload*"))
    page.close()


@pytest.fixture(scope="session")
def hostile_app(hostile, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the workspace full of an attacker's text (see tests/hostile.py)."""
    yield from _serve(hostile[0], tmp_path_factory)


def _bait_requests(watch: Watch) -> list[str]:
    from hostile import BAIT_HOST

    return [url for _, url in watch.remote if BAIT_HOST in url]


def _listening_addresses(port: int) -> set[str]:
    """The local addresses on which something listens on `port` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_server_listens_only_on_this_computer(app_url):
    port = urlparse(app_url).port
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else


@pytest.mark.parametrize("path", ["", "presentatie", "patronen", "invoer", "tijdlijn"])
def test_hostile_text_is_shown_literally_and_runs_nothing(browser, hostile, hostile_app, path):
    from hostile import BAIT_HOST

    _, payloads, sentinel = hostile
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    watch = Watch(page, online=False)
    # The bait address is local, so Watch would let it through: count it, then refuse it.
    bait: list[str] = []
    page.route(f"http://{BAIT_HOST}/**", lambda route: (bait.append(route.request.url),
                                                        route.abort()))
    page.goto(f"{hostile_app}/{path}")
    frame = _map_frame(page)
    frame.wait_for_selector(".bk-place-label", state="attached")
    # Every name as text (a crowded map hides the smaller ones until hovered).
    labels = frame.locator(".bk-place-label").evaluate_all("els => els.map(e => e.textContent)")
    assert "{{7*7}}" in labels and "{% for x in y %}" in labels and "{{" in labels
    assert payloads[4] in labels  # the shell command, as text
    body = page.inner_text("body").replace("\u2060", "")  # the invisible joiner of ui.plain
    assert "Er ging iets mis" not in body and "TemplateSyntaxError" not in body
    assert "uid=" not in body + frame.inner_text("body")
    if path == "presentatie":
        assert page.locator('[data-testid="stMain"] h1').first.inner_text() == payloads[0]
        assert payloads[5] in body  # Markdown and HTML as the characters typed
    assert frame.evaluate("() => window.pwned") is None
    assert page.evaluate("() => window.pwned") is None
    assert not bait and not _bait_requests(watch), bait
    # Not even a link to it: bare addresses in user text are shown, never linked.
    assert page.locator(f'a[href*="{BAIT_HOST}"]').count() == 0
    assert not sentinel.exists()
    _wait_for_placed_names(frame)  # the screenshot shows the map as people see it
    page.screenshot(path=SCREENSHOTS / f"vijandige-tekst-{path or 'kaart'}.png")
    page.close()


def test_the_timeline_draws_every_event_and_story_offline_and_names_them_on_hover(
        browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = Watch(page, online=False)
    page.goto(f"{app_url}/tijdlijn")
    plot = page.locator(".js-plotly-plot").first
    plot.wait_for(timeout=60_000)
    points = page.locator(".js-plotly-plot .scatterlayer .point")
    points.first.wait_for(timeout=30_000)
    on_the_axis = page.evaluate("""() => [...document.querySelectorAll(
        '.js-plotly-plot .scatterlayer .point')].filter(
        p => !p.closest('.rangeslider-container') && p.style.opacity !== '0'
             && getComputedStyle(p).opacity !== '0').length""")
    from werkwijzer_geo import demo

    # Every demo event and story, once (the range slider below repeats them).
    assert on_the_axis == len(demo.build_events()) + len(demo.STORIES)
    # Hovering an event names it, with what changed after it.
    box = points.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = page.locator(".hoverlayer .hovertext")
    hover.first.wait_for(timeout=10_000)
    shown = hover.first.text_content()
    assert shown.startswith("Vuurwerk afgestoken bij de bankjes") and "Na " in shown, shown
    map_frame = _map_frame(page)
    map_frame.wait_for_selector(".leaflet-interactive", timeout=60_000)
    assert page.get_by_text("Wat veranderde erna?").is_visible()
    assert all(kind == "image" for kind, _ in watch.remote), watch.remote
    unexplained = [e for e in watch.non_tile_errors()
                   if not _streamlit_probe(e.rsplit("(", 1)[-1].rstrip(")"))]
    assert not unexplained, unexplained
    _wait_for_placed_names(map_frame)
    page.screenshot(path=SCREENSHOTS / "tijdlijn.png", full_page=True)
    page.close()


MENU = ["Kaart", "Invoer", "Patronen", "Tijdlijn", "Presentatie", "Export", "Beheer"]
PAGE_HEADINGS = {"": "Kaart", "invoer": "Invoer", "patronen": "Patronen", "tijdlijn": "Tijdlijn",
                 "export": "Export"}


def _menu(page: Page) -> list[str]:
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stPageLink").first.wait_for(timeout=60_000)
    return [text.split()[-1] for text in sidebar.get_by_test_id("stPageLink").all_inner_texts()]


def test_after_a_restart_every_direct_link_shows_its_page_menu_and_filter(
        browser, demo_path, tmp_path_factory):
    # A fresh server whose first visit is a direct link: the trap that once showed a page
    # without its frame (see README, "How it is built").
    for url in _serve(demo_path, tmp_path_factory):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        watch = Watch(page, online=False)
        for path, heading in [("patronen", "Patronen"), *PAGE_HEADINGS.items()]:
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=heading, exact=True).first.wait_for(
                timeout=60_000)
            assert _menu(page) == MENU, path
            sidebar = page.get_by_test_id("stSidebar")
            assert sidebar.get_by_text("Tijdfilter").is_visible(), path
            assert "Er ging iets mis" not in page.inner_text("body"), path
        page.goto(f"{url}/presentatie")  # the projector view: no sidebar, on purpose
        page.get_by_text(re.compile(r"^1 / \d+$")).wait_for(timeout=60_000)
        # Hidden by the page's own style, which may arrive a moment after the text.
        page.get_by_test_id("stSidebar").wait_for(state="hidden", timeout=30_000)
        assert "Er ging iets mis" not in page.inner_text("body")
        unexplained = [e for e in watch.non_tile_errors()
                       if not _streamlit_probe(e.rsplit("(", 1)[-1].rstrip(")"))]
        assert not unexplained, unexplained
        assert all(TILE_HOST in url for _, url in watch.remote), watch.remote
        page.close()


def test_a_filter_set_on_one_page_holds_on_the_others_and_after_a_reload(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    watch = Watch(page, online=False)
    page.goto(f"{app_url}/patronen")
    page.get_by_role("heading", name="Patronen", exact=True).first.wait_for(timeout=60_000)
    start_thumb = page.get_by_test_id("stSidebar").get_by_role("slider").first
    start_thumb.focus()
    for _ in range(15):  # 06:00 -> 21:00
        page.keyboard.press("ArrowRight")
    page.get_by_text(re.compile(r"Selectie: 21:00-06:00")).first.wait_for(timeout=30_000)
    page.get_by_test_id("stSidebar").get_by_role("button", name="za").click()
    page.get_by_text(re.compile(r"Selectie: 21:00-06:00, ma, di, wo, do, vr, zo")).first \
        .wait_for(timeout=30_000)
    for label, heading in [("Invoer", "Invoer"), ("Export", "Export"), ("Kaart", "Kaart")]:
        page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_text(
            label, exact=True).click()
        page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
        assert page.get_by_test_id("stSidebar").get_by_role("slider").first.get_attribute(
            "aria-valuetext") == "21:00", label
    evening = _counted_observations(page)
    assert "· 21:00-06:00, ma, di, wo, do, vr, zo" in page.inner_text("body")
    assert "uren=21-30" in page.url and "dagen=mon" in page.url
    page.reload()  # a new session: the filter comes back from the address
    page.get_by_text(re.compile("in deze selectie")).first.wait_for(timeout=60_000)
    assert "· 21:00-06:00, ma, di, wo, do, vr, zo" in page.inner_text("body")
    assert _counted_observations(page) == evening
    _map_frame(page).wait_for_selector(".leaflet-interactive")
    page.screenshot(path=SCREENSHOTS / "filter-over-paginas.png")
    # The menu's icons come from the app's own font, not from Google's servers.
    assert all(TILE_HOST in url for _, url in watch.remote), watch.remote
    page.close()


_PROJECTOR_CHECKS = """() => {
    const result = {window: [innerWidth, innerHeight], small: []};
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    if (frame) {
        const box = frame.getBoundingClientRect();
        result.map = [box.left, box.top, box.right, box.bottom];
    }
    const legend = document.querySelector('.bk-legend');
    if (legend) {
        const box = legend.getBoundingClientRect();
        result.legend = [box.left, box.top, box.right, box.bottom];
    }
    for (const el of document.querySelectorAll('body *')) {
        const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (!own) continue;
        const style = getComputedStyle(el), box = el.getBoundingClientRect();
        if (style.visibility === 'hidden' || style.display === 'none' || !box.width) continue;
        if (parseFloat(style.fontSize) < 16) {
            result.small.push([el.tagName, style.fontSize, el.textContent.trim().slice(0, 30)]);
        }
    }
    return result;
}"""

_MAP_CHECKS = """() => {
    const frame = document.getElementById('map_div').getBoundingClientRect();
    let outline = null;
    window.map.eachLayer(l => {
        if (l.options && l.options.bkLayer === 'boundary' && l.getBounds) { outline = l; }
    });
    const sw = window.map.latLngToContainerPoint(outline.getBounds().getSouthWest());
    const ne = window.map.latLngToContainerPoint(outline.getBounds().getNorthEast());
    const labels = [...document.querySelectorAll('.bk-place-label, .bk-experiment-label')]
        .filter(el => getComputedStyle(el).visibility !== 'hidden')
        .map(el => { const b = el.querySelector('span').getBoundingClientRect();
                     return [b.left, b.top, b.right, b.bottom, el.textContent]; });
    const actions = [...document.querySelectorAll('.bk-experiment-label')]
        .map(el => [el.textContent, getComputedStyle(el).visibility !== 'hidden']);
    return {size: [frame.width, frame.height], outline: [sw.x, ne.y, ne.x, sw.y],
            labels: labels, actions: actions};
}"""


def _overlap(a, b) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_every_scene_reads_on_a_projector(browser, app_url, size):
    width, height = size
    page = browser.new_page(viewport={"width": width, "height": height})
    watch = Watch(page, online=False)
    page.goto(f"{app_url}/presentatie")
    page.get_by_text(re.compile(r"^1 / \d+$")).wait_for(timeout=60_000)
    # Presenting: the room sees no mode switch and no sidebar.
    assert page.get_by_text("Voorbereiden", exact=True).count() == 0
    total = len(DEMO_SCENES)
    for scene in range(1, total + 1):
        page.get_by_text(re.compile(rf"^{scene} / {total}$")).wait_for(timeout=60_000)
        page.wait_for_selector('iframe[title="streamlit_folium.st_folium"], .bk-card, .bk-roll',
                               timeout=60_000)
        has_map = page.locator('iframe[title="streamlit_folium.st_folium"]').count() > 0
        if has_map:
            frame = _map_frame(page)
            frame.wait_for_selector(".bk-place-label", state="attached")
            page.wait_for_timeout(800)  # the refit and the declutter after the frame's size
            inside = frame.evaluate(_MAP_CHECKS)
        else:
            page.locator(".bk-card, .bk-roll").first.wait_for(timeout=30_000)
        page.wait_for_timeout(500)
        checks = page.evaluate(_PROJECTOR_CHECKS)
        where = f"scene {scene} at {width}x{height}"
        assert not checks["small"], (where, checks["small"][:5])
        if has_map:
            left, top, right, bottom = checks["map"]
            assert bottom - top >= 0.6 * height, where
            assert top >= 0 and bottom <= height + 1 and left >= 0 and right <= width, where
            map_w, map_h = inside["size"]
            x0, y0, x1, y1 = inside["outline"]
            # Along the map's shorter side the outline spans at least 60% of it.
            span = (y1 - y0) if map_h <= map_w else (x1 - x0)
            assert span >= 0.6 * min(map_w, map_h), (where, inside["outline"], inside["size"])
            assert x0 >= -1 and y0 >= -1 and x1 <= map_w + 1 and y1 <= map_h + 1, where
            labels = inside["labels"]
            assert len(labels) >= 3, where
            clashes = [(a[4], b[4]) for i, a in enumerate(labels) for b in labels[i + 1:]
                       if _overlap(a, b)]
            assert not clashes, (where, clashes)
            if "legend" in checks:  # beside the map, never over the outline
                assert not _overlap(checks["legend"], checks["map"]), where
        if scene == 5:  # what we try: each action named on the map and on a card beside it
            cards = page.locator(".bk-action .bk-name").all_inner_texts()
            assert len(cards) >= 2, where
            assert sorted(name for name, _ in inside["actions"]) == sorted(cards), where
            assert sum(shown for _, shown in inside["actions"]) >= 2, (where, inside["actions"])
        if DEMO_SCENES[scene - 1].chart == "timeline":  # the roll: all of it on the screen
            page.locator(".js-plotly-plot .scatterlayer text").first.wait_for(timeout=30_000)
            numbers = page.locator(".js-plotly-plot .scatterlayer text").all_text_contents()
            lines = page.locator(".bk-roll .bk-n").all_inner_texts()
            assert numbers and sorted(numbers, key=int) == lines, where
            roll = page.locator(".bk-roll").bounding_box()
            chart = page.locator(".js-plotly-plot").bounding_box()
            for box in (roll, chart):
                assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, (where, box)
        page.screenshot(path=SCREENSHOTS / f"projector-{width}-{scene}.png")
        if scene < total:
            page.keyboard.press("PageDown")  # what a presenter's clicker sends
    page.keyboard.press("ArrowLeft")
    page.get_by_text(re.compile(rf"^{total - 1} / {total}$")).wait_for(timeout=30_000)
    assert all(kind == "image" for kind, _ in watch.remote), watch.remote
    page.close()


def test_patronen_map_sits_beside_the_list_zoomed_to_the_chosen_pattern(browser, app_url):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    Watch(page, online=False)
    page.goto(f"{app_url}/patronen")
    frame = _map_frame(page)
    frame.wait_for_selector(".leaflet-interactive")
    spans = frame.evaluate("""() => {
        let outline = null;
        window.map.eachLayer(l => { if (l.options && l.options.bkLayer === 'boundary'
                                        && l.getBounds) { outline = l.getBounds(); } });
        const shown = window.map.getBounds();
        const people = window.feature_group.filter(g => window.map.hasLayer(g))
            .flatMap(g => g.getLayers()).flatMap(l => l.getLayers());
        return {shown: shown.getNorth() - shown.getSouth(),
                outline: outline.getNorth() - outline.getSouth(),
                inside: people.every(p => shown.contains(p.getLatLng())), n: people.length};
    }""")
    assert spans["n"] > 0 and spans["inside"], spans
    assert spans["shown"] < 0.8 * spans["outline"], spans  # zoomed in on the pattern
    radio = page.get_by_test_id("stRadio").bounding_box()
    mapped = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    assert mapped["x"] > radio["x"] + radio["width"] - 5  # beside the list, not below it
    assert mapped["y"] < radio["y"] + radio["height"]
    page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=SCREENSHOTS / "patronen.png")
    page.close()


def test_mijn_locatie_records_where_the_phone_is_and_says_so_when_refused(browser,
                                                                         writable_app):
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import storage

    url, workspace = writable_app
    before = len(storage.read_layer(workspace, s.OBSERVATIONS))
    here = {"latitude": 52.49312, "longitude": 4.67688}
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    context = browser.new_context(geolocation=here, permissions=["geolocation"], **phone)
    page = context.new_page()
    Watch(page, online=False)
    page.goto(f"{url}/invoer")
    frame = _map_frame(page)
    frame.get_by_role("button", name="Mijn locatie").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30_000)  # the form opens at the phone's position
    dialog.get_by_role("radio", name="Ouderen", exact=True).click()
    dialog.get_by_label("Aantal").fill("2")
    dialog.get_by_role("radio", name="ontmoeten", exact=True).click()
    dialog.get_by_role("button", name="Opslaan").click()
    dialog.wait_for(state="detached", timeout=30_000)
    saved = storage.read_layer(workspace, s.OBSERVATIONS)
    assert len(saved) == before + 1
    point = saved.geometry.iloc[-1]
    assert (point.y, point.x) == pytest.approx((here["latitude"], here["longitude"]), abs=2e-5)
    context.close()

    refused = browser.new_context(**phone)  # no permission: the phone says no
    page = refused.new_page()
    page.goto(f"{url}/invoer")
    frame = _map_frame(page)
    frame.get_by_role("button", name="Mijn locatie").click()
    frame.get_by_text(re.compile("Je telefoon gaf geen locatie")).wait_for(timeout=30_000)
    assert page.get_by_role("dialog").count() == 0
    refused.close()


def test_a_scene_keeps_the_view_chosen_on_its_map_also_on_the_projector(browser,
                                                                        writable_app):
    from werkwijzer_geo.render import scenes as sc

    url, workspace = writable_app
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    Watch(page, online=False)
    page.goto(f"{url}/presentatie")
    page.get_by_role("button", name="Stoppen").click()
    page.get_by_text("Kaartbeeld van een scène").wait_for(timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll('iframe')].length > 0")
    frame = _map_frame(page)
    frame.wait_for_selector(".bk-place-label", state="attached")
    page.wait_for_timeout(1000)  # the first fit after the frame's size
    zoom = frame.evaluate("() => window.map.getZoom()")
    # What a coordinator does with a mouse: closer in, on the square.
    frame.evaluate("() => window.map.setView([52.4925, 4.6780], window.map.getZoom() + 1.2,"
                   " {animate: false})")
    take = page.get_by_role("button", name="Huidige kaartbeeld gebruiken")
    deadline = time.monotonic() + 30
    saved = sc.read_scenes(workspace)[0]
    while saved.zoom is None and time.monotonic() < deadline:
        take.click()  # the map reports its view on the next rerun; click until it has
        page.wait_for_timeout(1500)
        saved = sc.read_scenes(workspace)[0]
    assert saved.zoom == pytest.approx(zoom + 1.2, abs=0.051)
    assert (saved.centre_lat, saved.centre_lon) == pytest.approx((52.4925, 4.678), abs=2e-4)
    page.screenshot(path=SCREENSHOTS / "scene-kaartbeeld.png")
    page.close()

    # The room sees that view, at another size too: the map keeps it when its frame settles.
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}/presentatie")
    page.get_by_text(re.compile(r"^1 / \d+$")).wait_for(timeout=60_000)
    frame = _map_frame(page)
    frame.wait_for_selector(".bk-place-label", state="attached")
    page.wait_for_timeout(1500)
    shown = frame.evaluate("() => [window.map.getZoom(), window.map.getCenter()]")
    assert shown[0] == pytest.approx(saved.zoom, abs=0.051), shown
    assert (shown[1]["lat"], shown[1]["lng"]) == pytest.approx(
        (saved.centre_lat, saved.centre_lon), abs=1e-4), shown
    page.close()


def test_the_browser_benchmark_measures_what_a_user_waits_for_on_the_demo(browser, capsys):
    from werkwijzer_geo.browser_bench import TARGETS, run_browser_benchmarks

    (result,) = run_browser_benchmarks((0,), steps=2, browser=browser)
    assert result["slider_steps"] == 2  # two steps that changed the map were timed
    for measure in TARGETS:
        assert result[measure] > 0, measure
    assert result["slider_step_s"] < result["first_map_s"]
    assert 50 < result["server_rss_mb"] <= result["server_peak_rss_mb"]
    line = capsys.readouterr().out
    assert "observations=demo" in line and "slider_step_s=" in line and "(doel 0.5, " in line


ROLE_PAGES = {"": "Kaart", "invoer": "Invoer", "patronen": "Patronen", "tijdlijn": "Tijdlijn",
              "presentatie": "Presentatie", "export": "Export", "beheer": "Beheer"}


def _wait_for_page(page: Page, title: str) -> None:
    """The page `title` is shown: its heading, or the presentation's scene counter."""
    if title == "Presentatie":
        page.get_by_text(re.compile(r"^1 / \d+$")).wait_for(timeout=60_000)
    else:
        page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)


def _run_provider(people: list[str], folder: Path) -> Iterator[int]:
    """oidc-provider-mock as its own process on a free port, with these predefined people
    (JSON claims); yields the port once its discovery document answers."""
    port = _free_port()
    arguments = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for person in people:
        arguments += ["--user-claims", person]
    with open(folder / "provider.log", "w") as log:
        provider = subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://localhost:{port}/.well-known/openid-configuration",
                                timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if provider.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"The OpenID provider did not start:\n"
                            f"{(folder / 'provider.log').read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        provider.terminate()
        provider.wait(timeout=30)


def test_signing_in_with_openid_connect_gives_each_person_the_pages_of_their_role(
        browser, demo_path, tmp_path_factory):
    # A real OpenID Connect provider (oidc-provider-mock) on this machine, a real Streamlit
    # server with [auth] in its secrets, and Chromium going through the whole sign-in.
    import json

    from builders import ADMIN as admin
    from builders import PRESENTER as presenter
    from builders import TEAM as team
    from builders import make_team_workspace

    from werkwijzer_geo import access

    folder = tmp_path_factory.mktemp("aanmelden")
    workspace = make_team_workspace(demo_path, folder / "buurt.gpkg")
    people = [json.dumps({"sub": name, "email": email}) for name, email in (
        ("beheerder", admin), ("jongerenwerker", team), ("wijkagent", presenter),
        ("buurman", "buurman@gmail.com"))]
    for provider_port in _run_provider(people, folder):
        port = _free_port()
        secrets = folder / "secrets.toml"
        secrets.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{base64.b64encode(os.urandom(32)).decode()}"\n'
            'client_id = "buurtkaart"\nclient_secret = "test-geheim"\n'
            f'server_metadata_url = "http://localhost:{provider_port}'
            '/.well-known/openid-configuration"\n', encoding="utf-8")
        for url in _serve(workspace, tmp_path_factory, port=port,
                          options=("--secrets.files", str(secrets))):
            expected = {
                "beheerder": MENU,
                "jongerenwerker": [m for m in MENU if m != "Beheer"],
                "wijkagent": ["Presentatie", "Export"],
            }
            for who, menu in expected.items():
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.goto(url)
                page.get_by_role("button", name="Aanmelden").click()
                page.get_by_role("button", name=who, exact=True).click()  # at the provider
                if who == "wijkagent":  # lands on the first page the role opens: presenting
                    page.get_by_text(re.compile(r"^1 / \d+$")).wait_for(timeout=60_000)
                    page.goto(f"{url}/export")  # a page with the sidebar
                assert _menu(page) == menu, who
                page.get_by_text(re.compile("^Aangemeld als")).wait_for(timeout=30_000)
                # Every page by its address: the role's own pages open, the others show only
                # the refusal (no map, no table); the first page sends a presenter on.
                role = {"beheerder": "beheer", "jongerenwerker": "team"}.get(who, "presentatie")
                for path, title in ROLE_PAGES.items():
                    page.goto(f"{url}/{path}")
                    if title in menu:
                        _wait_for_page(page, title)
                    elif path == "":
                        _wait_for_page(page, menu[0])
                    else:
                        page.get_by_text(re.compile(f"Met de rol {role} open je {title} niet"))\
                            .wait_for(timeout=60_000)
                        assert page.locator("iframe").count() == 0, (who, title)
                        assert page.get_by_test_id("stDataFrame").count() == 0, (who, title)
                        if (who, title) == ("wijkagent", "Invoer"):
                            page.screenshot(path=SCREENSHOTS / "aanmelden-geweigerd.png")
                if who == "beheerder":
                    page.goto(f"{url}/beheer")
                    page.get_by_text("Logboek", exact=True).wait_for(timeout=60_000)
                    page.get_by_test_id("stDataFrame").nth(1).wait_for(timeout=60_000)
                    page.wait_for_timeout(1500)  # the tables' canvas draws after they appear
                    page.screenshot(path=SCREENSHOTS / "beheer.png", full_page=True)
                # Signing out ends the app's session and the provider's.
                page.get_by_role("button", name="Afmelden").click()
                page.get_by_role("button", name="End session").click()  # at the provider
                page.wait_for_load_state()
                page.goto(url)
                page.get_by_role("button", name="Aanmelden").wait_for(timeout=60_000)
                assert page.get_by_test_id("stPageLink").count() == 0
                context.close()
            # Someone the provider knows but the neighbourhood does not: told so, nothing more.
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            page.get_by_role("button", name="Aanmelden").click()
            page.get_by_role("button", name="buurman", exact=True).click()
            page.get_by_text(re.compile("heeft geen rol in deze buurt")).wait_for(timeout=60_000)
            assert page.get_by_test_id("stPageLink").count() == 0
            context.close()
    log = access.storage.read_audit_log(workspace)
    assert {admin, team} <= set(log.loc[log["action"] == "view_notes", "user"])
    assert presenter not in set(log.loc[log["action"] == "view_notes", "user"])


def test_an_upload_without_the_apps_own_token_is_refused(app_url):
    # XSRF protection: another site open in the same browser cannot post a file in a team
    # member's name. Without the token the server says 403 before it looks at anything
    # else (without the protection it would say 400: no such session).
    answer = requests.put(f"{app_url}/_stcore/upload_file/een-sessie/een-bestand",
                          files={"file": ("waarnemingen.csv", b"a;b\n1;2\n")}, timeout=10)
    assert answer.status_code == 403


def _chosen(sidebar) -> str:
    """The neighbourhood the sidebar's choice shows."""
    box = sidebar.get_by_test_id("stSelectbox")
    box.get_by_role("combobox").wait_for(timeout=60_000)
    return box.evaluate("""e => [...e.querySelectorAll('div, input')].map(
        n => n.value || (n.children.length ? '' : n.innerText)).filter(Boolean).join('|')""")


def test_a_region_database_opens_the_chosen_neighbourhood_also_after_a_reload(
        browser, demo_path, database_url, tmp_path_factory):
    # Two neighbourhoods in one PostGIS database: the demo, and Wijk Noord with 3 sightings.

    from builders import Obs, copy_leaving_source, make_observations

    from werkwijzer_geo.demo import read_demo_boundary
    from werkwijzer_geo.io import storage

    region = database_url
    address = storage.parse_database_url(region)
    copy_leaving_source(demo_path, address.with_workspace("oosterwijk"))
    north = address.with_workspace("wijk_noord")
    storage.create_workspace(north, name="Wijk Noord", boundary=read_demo_boundary())
    storage.append_rows(north, "observations", make_observations([Obs()] * 3, start_id=None))
    demo_count = len(storage.read_layer(demo_path, "observations"))
    for url in _serve(region, tmp_path_factory):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        watch = Watch(page, online=True)
        page.goto(url)
        _map_frame(page).wait_for_selector(".leaflet-interactive")
        assert _counted_observations(page) == demo_count
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name="Wijk Noord").click()
        page.wait_for_function("() => location.search.includes('buurt=wijk_noord')",
                               timeout=60_000)
        page.get_by_text(re.compile(r"^3 waarnemingen")).first.wait_for(timeout=60_000)
        deadline, shown = time.monotonic() + 60, None
        while shown != 3 and time.monotonic() < deadline:
            try:  # the map's frame is made anew when the neighbourhood changes
                shown = _shown_observations(_map_frame(page))
            except PlaywrightError:
                time.sleep(0.2)
        assert shown == 3
        page.reload()  # a new session, e.g. a bookmark on a phone: the same neighbourhood
        page.get_by_text(re.compile(r"^3 waarnemingen")).first.wait_for(timeout=60_000)
        assert _chosen(sidebar) == "Wijk Noord"
        page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_text(
            "Patronen", exact=True).click()
        page.get_by_role("heading", name="Patronen", exact=True).first.wait_for(timeout=60_000)
        assert _chosen(sidebar) == "Wijk Noord"
        page.get_by_test_id("stSidebar").get_by_test_id("stPageLink").get_by_text(
            "Kaart", exact=True).click()
        _map_frame(page).wait_for_selector(".leaflet-interactive")
        page.screenshot(path=SCREENSHOTS / "regio-buurtkeuze.png")
        assert not watch.errors, watch.errors
        assert all(TILE_HOST in url for _, url in watch.remote), watch.remote
        page.close()
