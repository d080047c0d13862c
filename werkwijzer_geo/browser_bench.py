"""The browser benchmark: what a user waits for, measured in Chromium.

`python -m werkwijzer_geo bench --browser` builds a demo workspace per size, starts the real
app on it (`streamlit run app.py`), and measures in Debian's Chromium (Playwright):

- the first map after a cold start: from opening the page on a server that just started to
  the map's features on screen;
- a slider step: from pressing the hour slider's arrow key to the map's features changed
  (the median of at least 5 steps that change the map);
- the server's work per step: the page's own timing of its rerun (the app logs it when
  `BUURTKAART_TIMING` is set);
- the server's memory (resident set, now and at its peak).

Targets live here, with the size they hold for. Playwright is a test dependency, imported
only when this runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import demo
from .io import storage

CHROMIUM = "/usr/bin/chromium"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_TIMING = "BUURTKAART_TIMING"
TIMING_LINE = re.compile(r"buurtkaart-timing (?P<part>\S+) (?P<ms>[\d.]+)")
DEMO_SIZE = 0  # the demo neighbourhood as it ships (a few hundred observations)
DEFAULT_SIZES = (DEMO_SIZE, 10_000, 100_000, 1_000_000)

# (measure, target, for sizes up to): the first row whose size fits applies.
TARGETS = {
    "first_map_s": ((5.0, 100_000), (10.0, 1_000_000)),
    "slider_step_s": ((0.5, 100_000), (1.0, 1_000_000)),
    "server_step_ms": ((150.0, 1_000_000),),
    "server_rss_mb": ((2000.0, 1_000_000),),
    "read_s": ((2.0, 1_000_000),),
}


def get_target(measure: str, size: int) -> float | None:
    """The target for a measure at a size, or None where none is set.

    Parameters
    ----------
    measure
        A key of `TARGETS`.
    size
        Observations in the workspace (0 for the demo as it ships).

    Returns
    -------
    float or None
        The target in the measure's unit.

    Examples
    --------
    >>> get_target("slider_step_s", 0), get_target("slider_step_s", 1_000_000)
    (0.5, 1.0)
    """
    for target, up_to in TARGETS.get(measure, ()):
        if size <= up_to:
            return target
    return None


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, resident at its peak) of a process and its children, in MB."""
    now = peak = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for one in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    now += int(line.split()[1]) / 1024
                elif line.startswith("VmHWM:"):
                    peak += int(line.split()[1]) / 1024
    return now, peak


@contextlib.contextmanager
def _serve(workspace: Path, workdir: Path) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """The app on a free local port for `workspace`; yields (url, server, its log)."""
    port = _free_port()
    log_path = workdir / f"server-{port}.log"
    env = {**os.environ, "WERKWIJZER_DB": str(workspace), ENV_TIMING: "1",
           "XDG_CACHE_HOME": str(workdir / f"cache-{port}")}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port),
                                                                          timeout=1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"De app startte niet:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url, server, log_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


# What the map shows, as a short signature of every feature on it (its tooltip, which holds
# the counts): a slider step that changes the map changes it. Kept in the map's own window.
_SIGNATURE = """() => {
    if (!window.map || !window.feature_group) { return null; }
    const tips = [];
    const walk = layer => {
        if (layer.feature) { tips.push(String(layer.feature.properties.tip || '')); }
        else if (layer.getLayers) { layer.getLayers().forEach(walk); }
    };
    window.feature_group.filter(g => window.map.hasLayer(g)).forEach(walk);
    if (!tips.length) { return null; }
    const text = tips.join('|');
    let sum = 0;
    for (let i = 0; i < text.length; i++) { sum = (sum * 31 + text.charCodeAt(i)) % 1000000007; }
    return tips.length + ':' + text.length + ':' + sum;
}"""
_FEATURES_SHOWN = """() => Boolean(window.map && window.feature_group
    && window.feature_group.some(g => window.map.hasLayer(g))
    && document.querySelector('.leaflet-interactive, .bk-stack'))"""


def _map_frame(page, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "st_folium" in frame.url:
                with contextlib.suppress(Exception):
                    if frame.evaluate(_FEATURES_SHOWN):
                        return frame
        page.wait_for_timeout(20)
    raise RuntimeError("De kaart verscheen niet.")


def _wait_until_quiet(page, log_path: Path, seen: int, *, quiet_s: float = 1.5,
                      timeout_s: float = 300) -> int:
    """Wait until the server logged no rerun for `quiet_s`; returns the log's lines then."""
    deadline = time.monotonic() + timeout_s
    lines = len(log_path.read_text(errors="replace").splitlines())
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = len(log_path.read_text(errors="replace").splitlines())
        if now != lines:
            lines, last_change = now, time.monotonic()
        elif time.monotonic() - last_change > quiet_s:
            break
    return max(lines, seen)


def _server_step_ms(log_path: Path, seen: int) -> tuple[list[float], int]:
    """The page's timings logged since line `seen`: (milliseconds, lines now)."""
    lines = log_path.read_text(errors="replace").splitlines()
    times = [float(m["ms"]) for line in lines[seen:] if (m := TIMING_LINE.search(line))]
    return times, len(lines)


@contextlib.contextmanager
def _chromium(browser=None):
    """Debian's Chromium through Playwright, or the browser a caller already drives (a
    second Playwright in one thread is refused)."""
    if browser is not None:
        yield browser
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        started = driver.chromium.launch(executable_path=CHROMIUM)
        try:
            yield started
        finally:
            started.close()


def _measure_in_browser(workspace: Path, size: int, workdir: Path, *, steps: int = 5,
                        browser=None) -> dict[str, float]:
    """Every browser measure for one workspace (see the module's docstring).

    Parameters
    ----------
    workspace
        The GeoPackage to serve.
    size
        Its observations (0 for the demo as it ships), for the report.
    workdir
        A folder for the server's log and cache.
    steps
        Slider steps that change the map; the median counts.
    browser
        A Playwright browser to use instead of starting Chromium.

    Returns
    -------
    dict
        Measure name -> value, and `observations`.
    """
    result: dict[str, float] = {"observations": size}
    with _serve(workspace, workdir) as (url, server, log_path), _chromium(browser) as chromium:
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        try:
            started = time.perf_counter()
            page.goto(url)
            frame = _map_frame(page, 300)
            result["first_map_s"] = round(time.perf_counter() - started, 2)
            seen = _wait_until_quiet(page, log_path, 0)  # reruns of the start, if any
            thumb = page.get_by_role("slider").first
            step_times, server_times = [], []
            presses = 0
            while len(step_times) < steps and presses < 23:  # the start hour, 06 to 05
                before = frame.evaluate(_SIGNATURE)
                thumb.focus()
                presses += 1
                started = time.perf_counter()
                page.keyboard.press("ArrowRight")  # the start hour one hour later
                changed = False
                while time.perf_counter() - started < 120:
                    with contextlib.suppress(Exception):  # the frame may be swapped
                        now = frame.evaluate(_SIGNATURE)
                        if now is not None and now != before:
                            changed = True
                            break
                    # An hour nobody was seen in changes nothing: not a step to time. The
                    # server has answered (its rerun logged) and the map stayed as it was.
                    answered, _ = _server_step_ms(log_path, seen)
                    if answered and time.perf_counter() - started > 1.5 + answered[-1] / 1000:
                        break
                    page.wait_for_timeout(10)
                    frame = _map_frame(page, 120)
                if changed:
                    step_times.append(time.perf_counter() - started)
                # The page logs its time when its script ends, which may be after the map
                # changed on screen: read once the server is quiet.
                quiet = _wait_until_quiet(page, log_path, seen)
                times, _ = _server_step_ms(log_path, seen)
                seen = quiet
                if changed:
                    server_times += times
            if not step_times:
                raise RuntimeError("Geen schuifstap veranderde de kaart.")
            result["slider_steps"] = len(step_times)
            result["slider_step_s"] = round(statistics.median(step_times), 3)
            result["server_step_ms"] = round(statistics.median(server_times), 1) \
                if server_times else float("nan")
            rss, peak = _read_rss_mb(server.pid)
            result["server_rss_mb"] = round(rss)
            result["server_peak_rss_mb"] = round(peak)
        finally:
            page.close()
    return result


def run_browser_benchmarks(sizes: tuple[int, ...] = DEFAULT_SIZES, *, steps: int = 5,
                           json_path: str | None = None, browser=None,
                           ) -> list[dict[str, float]]:
    """Measure each size in the browser and print each figure with its target and ratio.

    Parameters
    ----------
    sizes
        Observation counts; 0 is the demo as it ships.
    steps
        Slider steps per size.
    json_path
        Also write the results here.
    browser
        A Playwright browser to measure in (default: start Debian's Chromium).

    Returns
    -------
    list of dict
        One result per size (with `read_s`).

    Examples
    --------
    Each size starts the app and Chromium (the test suite runs the demo size); no sizes,
    nothing measured:

    >>> run_browser_benchmarks(())
    []
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="buurtkaart-browser-bench-") as folder:
        workdir = Path(folder)
        for size in sizes:
            workspace = workdir / f"bench-{size}.gpkg"
            demo.create_demo_workspace(workspace, n_observations=size or None)
            times = []
            for _ in range(3):
                started = time.perf_counter()
                storage.read_layers(workspace)
                times.append(time.perf_counter() - started)
            result = _measure_in_browser(workspace, size, workdir, steps=steps,
                                         browser=browser)
            result["read_s"] = round(statistics.median(times), 2)
            results.append(result)
            print(format_result(result), flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps({"steps": steps, "results": results},
                                              indent=2))
    return results


def format_result(result: dict[str, float]) -> str:
    """One line per size: each figure, with its target and ratio where one is set.

    Parameters
    ----------
    result
        One size's result from `run_browser_benchmarks`.

    Returns
    -------
    str
        E.g. 'observaties=1000000  slider_step_s=0.8 (doel 1.0, 0.80x)'.

    Examples
    --------
    >>> format_result({"observations": 0, "slider_step_s": 0.25})
    'observations=demo  slider_step_s=0.25 (doel 0.5, 0.50x)'
    """
    size = int(result["observations"])
    parts = [f"observations={size or 'demo'}"]
    for measure, value in result.items():
        if measure == "observations":
            continue
        target = get_target(measure, size)
        if target is None:
            parts.append(f"{measure}={value}")
        else:
            parts.append(f"{measure}={value} (doel {target}, {value / target:.2f}x)")
    return "  ".join(parts)
