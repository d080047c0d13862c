"""The benchmark: how fast the ground floor is at 10k, 100k and 1M observations.

Targets live here, not in timed tests. Each timing is the median of `repeats` runs.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import demo
from . import schema as s
from .analysis.connections import connect_events
from .analysis.patterns import build_report
from .analysis.selection import select_layers
from .io import editing, storage
from .render import maps
from .timefilter import HourRange, TimeFilter

FRIDAY_EVENING = TimeFilter(hours=HourRange(21, 2), weekdays=frozenset({4, 5}))
# Target per measure, for sizes up to 100,000 observations.
TARGETS = {
    "slider_update_s": 0.5,  # filter + map layers + HTML after a slider move
    "map_html_bytes": 1_000_000,
    "append_one_s": 0.05,  # one observation saved from a phone (also at 1,000,000)
    "edit_one_s": 0.1,  # one row changed in Bewerken
    "patterns_s": 2.0,  # every pattern, gap and claim for the whole workspace
    "connections_s": 1.0,  # what changed after every event (Tijdlijn), uncached
}


def _median_seconds(action: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _slider_update(layers: dict[str, gpd.GeoDataFrame], time_filter: TimeFilter) -> str:
    selected = select_layers(layers, time_filter)
    fmap = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES])
    groups = maps.build_layer_groups(selected, maps.DEFAULT_VISIBLE_LAYERS)
    return maps.render_map_html(fmap, groups)


def measure_size(size: int, workdir: Path, *, repeats: int) -> dict[str, float]:
    """Every measure for a demo workspace of `size` observations.

    Parameters
    ----------
    size
        Observations in the demo workspace made for it.
    workdir
        A folder for that workspace.
    repeats
        Runs per measure; the median counts.

    Returns
    -------
    dict
        Measure name -> seconds (or megabytes, bytes), and `observations`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> result = measure_size(2000, pathlib.Path(tempfile.mkdtemp()), repeats=1)
    >>> result["observations"], all(value >= 0 for value in result.values())
    (2000, True)
    """
    path = workdir / f"bench-{size}.gpkg"
    started = time.perf_counter()
    demo.create_demo_workspace(path, n_observations=size)
    create_s = time.perf_counter() - started
    read_s, layers = _median_seconds(lambda: storage.read_layers(path), repeats)
    filter_s, _ = _median_seconds(lambda: select_layers(layers, FRIDAY_EVENING), repeats)
    whole_s, whole_html = _median_seconds(lambda: _slider_update(layers, TimeFilter()), repeats)
    evening_s, evening_html = _median_seconds(
        lambda: _slider_update(layers, FRIDAY_EVENING), repeats)
    patterns_s, _ = _median_seconds(lambda: build_report(layers), repeats)
    connections_s, _ = _median_seconds(lambda: connect_events(
        layers[s.EVENTS], layers[s.OBSERVATIONS], layers[s.ROUNDS], layers[s.SPOTS],
        places=layers[s.PLACES]), repeats)
    one = layers[s.OBSERVATIONS].iloc[:1][[*s.LAYERS[s.OBSERVATIONS].column_names, "geometry"]]
    one = one.drop(columns=[s.ID])
    append_s, _ = _median_seconds(lambda: storage.append_rows(path, s.OBSERVATIONS, one),
                                  max(3, repeats))
    first_id = int(layers[s.OBSERVATIONS][s.ID].iloc[0])
    edit_s, _ = _median_seconds(lambda: editing.update_rows(path, s.OBSERVATIONS, pd.DataFrame(
        {s.ID: [first_id], s.NOTE: [f"bench {time.perf_counter()}"]})), max(3, repeats))
    return {
        "observations": size,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "create_s": round(create_s, 3),
        "read_s": round(read_s, 3),
        "filter_s": round(filter_s, 4),
        "slider_update_s": round(max(whole_s, evening_s), 3),
        "map_html_bytes": max(len(whole_html.encode()), len(evening_html.encode())),
        "append_one_s": round(append_s, 3),
        "edit_one_s": round(edit_s, 3),
        "patterns_s": round(patterns_s, 3),
        "connections_s": round(connections_s, 3),
    }


def run_benchmarks(sizes: list[int], *, repeats: int = 5, json_path: str | None = None,
                   ) -> list[dict[str, float]]:
    """Measure each size, print a table with ratios to the targets, optionally write JSON.

    Parameters
    ----------
    sizes
        Observation counts, e.g. [10_000, 100_000, 1_000_000].
    repeats
        Runs per measure; the median counts.
    json_path
        Also write the results here.

    Returns
    -------
    list of dict
        One `measure_size` result per size.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     results = run_benchmarks([2000], repeats=1)
    >>> [r["observations"] for r in results]
    [2000]
    """
    results = []
    with tempfile.TemporaryDirectory(prefix="buurtkaart-bench-") as workdir:
        for size in sizes:
            result = measure_size(size, Path(workdir), repeats=repeats)
            for measure, target in TARGETS.items():
                result[f"{measure}_vs_target"] = round(result[measure] / target, 3)
            results.append(result)
            print(_format_row(result), flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps({"repeats": repeats, "targets": TARGETS,
                                               "results": results}, indent=2))
    return results


def _format_row(result: dict[str, float]) -> str:
    parts = [f"{key}={value}" for key, value in result.items()]
    return "  ".join(parts)
