"""Imports under stress: any valid table reads back exactly, parallel imports all land, and an
import killed at any moment leaves the old rows or the old plus all new ones."""

from __future__ import annotations

import contextlib
import csv
import multiprocessing
import shutil
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

from werkwijzer_geo import schema as s
from werkwijzer_geo.demo import read_demo_boundary
from werkwijzer_geo.io import storage
from werkwijzer_geo.io.importer import plan_import, run_import

ROOT = Path(__file__).resolve().parent.parent
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


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(rows=st.lists(row_strategy, min_size=1, max_size=30))
def test_any_valid_table_imports_and_reads_back_exactly(prepared, rows):
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "buurt.gpkg"
        shutil.copyfile(prepared, workspace)
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


def test_parallel_imports_all_land(prepared, tmp_path):
    workspace = tmp_path / "buurt.gpkg"
    shutil.copyfile(prepared, workspace)
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


def test_import_killed_at_any_moment_leaves_old_or_old_plus_all_new(prepared, tmp_path):
    workspace = tmp_path / "buurt.gpkg"
    shutil.copyfile(prepared, workspace)
    storage.append_rows(workspace, s.OBSERVATIONS, plan_import(
        workspace, _csv_of(tmp_path, "old", 3), s.OBSERVATIONS).rows.drop(columns=[s.ID]))
    big = _csv_of(tmp_path, "new", 20_000)
    killed = 0
    for delay in (0.3, 0.8, 1.3, 1.8, 2.3, 2.8, 3.5):
        process = subprocess.Popen(
            [sys.executable, "-m", "werkwijzer_geo", "import", str(big), "--layer",
             "observations", "--db", str(workspace)], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=120)
        with contextlib.closing(sqlite3.connect(workspace)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            count = connection.execute("SELECT count(*) FROM observations").fetchone()[0]
        assert count in (3, 20_003), count
        assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == count
        if count == 20_003:
            break
    assert killed >= 1


def _csv_of(folder: Path, note: str, n: int) -> Path:
    path = folder / f"{note}.csv"
    _write_csv(path, _rows(n, note))
    return path
