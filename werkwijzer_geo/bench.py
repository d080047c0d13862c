"""The benchmark: how fast the ground floor is at 10k, 100k and 1M observations.

Targets live here, not in timed tests. Each timing is the median of `repeats` runs.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import demo
from . import schema as s
from .analysis.connections import connect_events
from .analysis.patterns import build_report
from .analysis.selection import select_layers
from .io import editing, postgis, storage
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


def measure_size(size: int, workdir: Path, *, repeats: int,
                 database: str | None = None) -> dict[str, float]:
    """Every measure for a demo workspace of `size` observations.

    Parameters
    ----------
    size
        Observations in the demo workspace made for it.
    workdir
        A folder for that workspace (a GeoPackage).
    repeats
        Runs per measure; the median counts.
    database
        Measure a workspace in this PostgreSQL database instead (``postgresql://...``);
        it is removed afterwards.

    Returns
    -------
    dict
        Measure name -> seconds (or megabytes, bytes), `observations` and `store`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> result = measure_size(2000, pathlib.Path(tempfile.mkdtemp()), repeats=1)
    >>> result["observations"], result["store"], result["read_s"] >= 0
    (2000, 'gpkg', True)
    """
    if database is None:
        path: Path | str = workdir / f"bench-{size}.gpkg"
    else:
        path = storage.parse_database_url(database).with_workspace(
            f"bench_{size}_{uuid.uuid4().hex[:6]}")
    started = time.perf_counter()
    demo.create_demo_workspace(path, n_observations=size)
    create_s = time.perf_counter() - started
    try:
        measured = _measure_workspace(path, repeats)
    finally:
        if database is not None:
            stored_mb = postgis.get_size_mb(str(path))
            postgis.drop_workspace(str(path))
    return {"observations": size, "store": "gpkg" if database is None else "postgis",
            "stored_mb": round(Path(path).stat().st_size / 1e6, 1) if database is None
            else stored_mb, "create_s": round(create_s, 3), **measured}


def _measure_workspace(path: Path | str, repeats: int) -> dict[str, float]:
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
                   database: str | None = None, region: int = 0,
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
    database
        Also measure every size in this PostgreSQL database (``postgresql://...``), with
        the ratio of each time to the GeoPackage's.
    region
        With `database`: also fill it with this many workspaces of `REGION_SIZE`
        observations and time opening them against one GeoPackage of that size.

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
            if database is None:
                continue
            in_database = measure_size(size, Path(workdir), repeats=repeats,
                                       database=database)
            for measure, target in TARGETS.items():
                in_database[f"{measure}_vs_target"] = round(in_database[measure] / target, 3)
            for measure in SPEED_MEASURES:
                in_database[f"{measure}_vs_gpkg"] = round(
                    in_database[measure] / max(result[measure], 1e-6), 2)
            results.append(in_database)
            print(_format_row(in_database), flush=True)
        if database is not None and region:
            results.append(measure_region(database, region, Path(workdir), repeats=repeats))
            print(_format_row(results[-1]), flush=True)
    if json_path:
        Path(json_path).write_text(json.dumps({"repeats": repeats, "targets": TARGETS,
                                               "results": results}, indent=2))
    return results


SPEED_MEASURES = ("read_s", "slider_update_s", "append_one_s", "edit_one_s", "patterns_s")
REGION_SIZE = 100_000


def measure_region(database: str, workspaces: int, workdir: Path, *, repeats: int,
                   size: int = REGION_SIZE) -> dict[str, float]:
    """A region's database of `workspaces` neighbourhoods of `size` observations each:
    opening one of them (reading every layer, as the app's first page does) against a
    GeoPackage of the same size. The workspaces are removed afterwards.

    Parameters
    ----------
    database
        ``postgresql://...`` (no workspace).
    workspaces
        How many neighbourhoods to put in it.
    workdir
        A folder for the GeoPackage.
    repeats
        Workspaces opened (each a different one); the median counts.
    size
        Observations per workspace.

    Returns
    -------
    dict
        `region_open_s` (median), `gpkg_open_s` and their ratio `region_open_vs_gpkg`.

    Examples
    --------
    >>> measure_region("postgresql://nobody@/none?host=/nergens", 2, None, repeats=1)
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: De database postgresql://nobody@/none?host=/nergens is niet bereikbaar ...
    """  # noqa: E501
    address = storage.parse_database_url(database)
    postgis.read_region(database)  # says so at once when the database is not there
    source = workdir / f"region-{size}.gpkg"
    demo.create_demo_workspace(source, n_observations=size)
    made = []
    try:
        for number in range(workspaces):
            made.append(address.with_workspace(f"regio_{number:02d}_{uuid.uuid4().hex[:4]}"))
            storage.copy_workspace(source, made[-1])
        opened = [made[(number * 7) % len(made)] for number in range(max(repeats, 3))]
        times = []
        for location in opened:
            started = time.perf_counter()
            storage.read_layers(location)
            times.append(time.perf_counter() - started)
        gpkg_s, _ = _median_seconds(lambda: storage.read_layers(source), max(repeats, 3))
    finally:
        for location in made:
            postgis.drop_workspace(location)
    region_s = statistics.median(times)
    return {"region_workspaces": workspaces, "observations_each": size,
            "region_open_s": round(region_s, 3), "gpkg_open_s": round(gpkg_s, 3),
            "region_open_vs_gpkg": round(region_s / gpkg_s, 2)}


def _format_row(result: dict[str, float]) -> str:
    parts = [f"{key}={value}" for key, value in result.items()]
    return "  ".join(parts)
