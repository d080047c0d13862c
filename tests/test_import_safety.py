"""Imports under stress: any valid table reads back exactly, parallel imports all land, and an
import killed at any moment leaves the old rows or the old plus all new ones."""

from __future__ import annotations

import contextlib
import csv
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_checks import count_rows, is_database

from werkwijzer_geo import schema as s
from werkwijzer_geo.demo import read_demo_boundary
from werkwijzer_geo.io import storage
from werkwijzer_geo.io.importer import plan_import, run_import

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.both_stores
COLUMNS = ["tijdstip", "groep", "aantal", "activiteit", "lat", "lon", "notitie"]

row_strategy = st.fixed_dictionaries({
    "when": st.datetimes(min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
                         max_value=pd.Timestamp("2030-12-31").to_pydatetime()),
    "group": st.sampled_from(s.GROUP_CODES),
    "count": st.integers(min_value=1, max_value=s.MAX_COUNT),
    "activity": st.sampled_from(s.ACTIVITY_CODES),
    "lat": st.integers(min_value=491500, max_value=494500).map(lambda v: v / 10**7 + 52.44),
    "lon": st.integers(min_value=675000, max_value=679000).map(lambda v: v / 10**6 + 4.0),
    "note": st.one_of(st.none(), st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
        max_size=40).map(str.strip).filter(bool)),
})


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row["when"].strftime("%Y-%m-%dT%H:%M:%SZ"), row["group"],
                             row["count"], row["activity"], f"{row['lat']:.7f}",
                             f"{row['lon']:.6f}", row["note"] or ""])


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("safety") / "buurt.gpkg"
    storage.create_workspace(path, boundary=read_demo_boundary())
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row_strategy, min_size=1, max_size=30))
def test_any_valid_table_imports_and_reads_back_exactly(prepared, copy_to_store, rows):
    with tempfile.TemporaryDirectory() as folder:
        workspace = copy_to_store(prepared)  # a new one for every example
        source = Path(folder) / "waarnemingen.csv"
        _write_csv(source, rows)
        run_import(workspace, plan_import(workspace, source, s.OBSERVATIONS))
        back = storage.read_layer(workspace, s.OBSERVATIONS)
    assert back[s.ID].tolist() == list(range(1, len(rows) + 1))
    assert back[s.GROUP].tolist() == [r["group"] for r in rows]
    assert back[s.COUNT].tolist() == [r["count"] for r in rows]
    assert back[s.ACTIVITY].tolist() == [r["activity"] for r in rows]
    assert back[s.NOTE].tolist() == [r["note"] for r in rows]
    expected = [pd.Timestamp(r["when"]).floor("s").tz_localize("UTC") for r in rows]
    assert back[s.OBSERVED_AT].dt.tz_convert("UTC").tolist() == expected
    assert [round(p.y, 7) for p in back.geometry] == [round(r["lat"], 7) for r in rows]
    assert [round(p.x, 6) for p in back.geometry] == [round(r["lon"], 6) for r in rows]


def _rows(n: int, note: str) -> list[dict]:
    when = pd.Timestamp("2026-09-11 19:30").to_pydatetime()
    return [{"when": when, "group": "youth", "count": 5, "activity": "hanging_out",
             "lat": 52.493, "lon": 4.677, "note": f"{note} {i}"} for i in range(n)]


def _import_file(workspace: str, source: str) -> None:
    run_import(workspace, plan_import(workspace, source, s.OBSERVATIONS))


def test_parallel_imports_all_land(prepared, copy_to_store, tmp_path):
    workspace = copy_to_store(prepared)
    sources = []
    for writer in range(3):
        source = tmp_path / f"team{writer}.csv"
        _write_csv(source, _rows(40, f"team{writer}"))
        sources.append(source)
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_import_file, args=(str(workspace), str(source)))
                 for source in sources]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    back = storage.read_layer(workspace, s.OBSERVATIONS)
    assert len(back) == 120 and sorted(back[s.ID]) == list(range(1, 121))
    assert back[s.NOTE].str.split(" ").str[0].value_counts().tolist() == [40, 40, 40]


def test_twenty_imports_killed_at_random_moments_leave_only_whole_imports(
        prepared, copy_to_store, tmp_path):
    # kill -9 at any moment of `python -m werkwijzer_geo import` (starting, reading the file,
    # the backup, writing the rows): afterwards the layer holds the old rows plus a whole
    # number of complete imports, never part of one, and the store takes the next import.
    import random

    workspace = copy_to_store(prepared)
    storage.append_rows(workspace, s.OBSERVATIONS, plan_import(
        workspace, _csv_of(tmp_path, "old", 3), s.OBSERVATIONS).rows.drop(columns=[s.ID]))
    big = _csv_of(tmp_path, "new", 20_000)
    command = [sys.executable, "-m", "werkwijzer_geo", "import", str(big), "--layer",
               "observations", "--db", str(workspace)]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    whole = time.monotonic() - started  # one import from start to end, measured here
    rng = random.Random(16)
    killed = 0
    for _ in range(20):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 1.1) * whole)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=300)
        count = count_rows(workspace)
        assert (count - 3) % 20_000 == 0, count
        back = storage.read_layer(workspace, s.OBSERVATIONS)
        assert len(back) == count and back[s.ID].is_unique
        if not is_database(workspace):
            with contextlib.closing(sqlite3.connect(workspace)) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert killed >= 10, killed  # most of them really were killed half-way
    before = count_rows(workspace)
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    assert count_rows(workspace) == before + 20_000


def _csv_of(folder: Path, note: str, n: int) -> Path:
    path = folder / f"{note}.csv"
    _write_csv(path, _rows(n, note))
    return path
