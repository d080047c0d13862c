from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from builders import Obs, make_observations
from geopandas.testing import assert_geodataframe_equal
from store_checks import count_rows, fingerprint, is_database, run_sql

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.io import gpkg_store, storage
from werkwijzer_geo.validate import validate_layer

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.both_stores


def test_new_workspace_has_every_layer_empty_and_its_time_zone(workspace):
    layers = storage.read_layers(workspace)
    assert set(layers) == set(s.LAYER_NAMES)
    assert all(frame.empty for frame in layers.values())
    assert storage.get_workspace_info(workspace).tz == "Europe/Amsterdam"
    if is_database(workspace):  # what QGIS lists: PostGIS's register of shapes
        listed = {name: (kind, srid) for name, kind, srid in run_sql(
            workspace, "SELECT f_table_name, type, srid FROM geometry_columns "
                       "WHERE f_table_schema = current_schema()")}
        assert listed[s.OBSERVATIONS] == ("POINT", 4326)
        assert listed[s.PLACES] == ("GEOMETRY", 4326)
    else:
        listed = {row[0] for row in pyogrio.list_layers(workspace)}
    assert set(s.LAYER_NAMES) <= set(listed)


def test_round_trip_keeps_every_value(workspace):
    rows = make_observations([Obs(note="eerste"), Obs(group="professionals", role="boa"),
                              Obs(when="2026-10-25 03:30", count=3)])
    storage.write_layers(workspace, {s.OBSERVATIONS: rows})
    back = storage.read_layer(workspace, s.OBSERVATIONS)
    expected = validate_layer(s.OBSERVATIONS, rows)
    actual = validate_layer(s.OBSERVATIONS, back)
    assert_geodataframe_equal(actual, expected, check_dtype=True)


def test_instants_are_utc_on_disk_and_local_after_reading(workspace):
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations(
        [Obs(when="2026-09-11 21:30"), Obs(when="2026-12-11 21:30")], start_id=None))
    on_disk = [row[0] for row in run_sql(workspace, "SELECT observed_at || '' FROM "
                                                    "observations ORDER BY id")]
    if is_database(workspace):  # a timestamptz, shown in the session's zone (UTC)
        assert on_disk == ["2026-09-11 19:30:00+00", "2026-12-11 20:30:00+00"]
    else:
        assert on_disk == ["2026-09-11T19:30:00Z", "2026-12-11T20:30:00Z"]
    back = storage.read_layer(workspace, s.OBSERVATIONS)
    assert str(back[s.OBSERVED_AT].dt.tz) == "Europe/Amsterdam"
    assert back[s.LOCAL_HOUR].tolist() == [21, 21]
    assert back[s.LOCAL_WEEKDAY].tolist() == [4, 4]


def test_workspace_time_zone_decides_local_hour(make_location):
    path = make_location("seattle")
    storage.create_workspace(path, tz="America/Los_Angeles")
    storage.append_rows(path, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    back = storage.read_layer(path, s.OBSERVATIONS)
    assert back[s.LOCAL_HOUR].tolist() == [12]  # 19:30 UTC


def test_append_numbers_rows_and_refuses_taken_ids(workspace):
    assert storage.append_rows(workspace, s.OBSERVATIONS,
                               make_observations([Obs(), Obs()], start_id=None)) == [1, 2]
    assert storage.append_rows(workspace, s.OBSERVATIONS,
                               make_observations([Obs()], start_id=None)) == [3]
    with pytest.raises(WerkwijzerError, match=r"Nummer.*2 bestaan al"):
        storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=2))
    assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == 3


def test_bad_rows_change_nothing(workspace):
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    before = fingerprint(workspace)
    with pytest.raises(WerkwijzerError, match="Rij 3, kolom 'count'"):
        storage.append_rows(workspace, s.OBSERVATIONS,
                            make_observations([Obs(), Obs(count=0)], start_id=None))
    assert fingerprint(workspace) == before


def test_create_never_overwrites(workspace):
    before = fingerprint(workspace)
    with pytest.raises(WerkwijzerError, match="bestaat al"):
        storage.create_workspace(workspace)
    assert fingerprint(workspace) == before


def test_unreadable_and_foreign_files_are_reported_not_replaced(tmp_path):
    broken = tmp_path / "kapot.gpkg"
    broken.write_bytes(b"dit is geen geopackage")
    with pytest.raises(WerkwijzerError, match="geen leesbare GeoPackage"):
        storage.get_workspace_info(broken)
    assert broken.read_bytes() == b"dit is geen geopackage"
    foreign = tmp_path / "ander.gpkg"
    pyogrio.write_dataframe(make_observations([Obs()]), foreign, layer="punten")
    with pytest.raises(WerkwijzerError, match="geen Buurtkaart-werkruimte"):
        storage.read_layer(foreign, s.OBSERVATIONS)


def _append_many(path: str, writer: int, rows: int) -> None:
    for _ in range(rows):
        storage.append_rows(path, s.OBSERVATIONS,
                            make_observations([Obs(note=f"schrijver {writer}")], start_id=None))


KILL_DURING_WRITE = textwrap.dedent("""
    import os, signal, sys
    import pyogrio
    from werkwijzer_geo import schema as s
    from werkwijzer_geo.io import gpkg_store, storage
    sys.path.insert(0, "tests")
    from builders import Obs, make_observations

    real_write = pyogrio.write_dataframe
    def write_then_die(*args, **kwargs):
        real_write(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # killed after writing, before the swap
    pyogrio.write_dataframe = write_then_die
    storage.write_layers(sys.argv[1], {s.OBSERVATIONS: make_observations([Obs()] * 50)})
""")


@pytest.mark.gpkg_only
def test_a_write_killed_half_way_leaves_the_old_rows(workspace):
    storage.append_rows(workspace, s.OBSERVATIONS,
                        make_observations([Obs(note="oud")] * 3, start_id=None))
    before = workspace.read_bytes()
    result = subprocess.run([sys.executable, "-c", KILL_DURING_WRITE, str(workspace)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert workspace.read_bytes() == before
    assert run_sql(workspace, "PRAGMA integrity_check") == [("ok",)]
    assert storage.read_layer(workspace, s.OBSERVATIONS)[s.NOTE].tolist() == ["oud"] * 3
    leftovers = list(workspace.parent.glob(f".{workspace.name}.*"))
    assert leftovers, "the killed writer should have left its scratch copy"
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    assert not list(workspace.parent.glob(f".{workspace.name}.*"))
    assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == 4


@pytest.mark.gpkg_only
def test_writer_waiting_too_long_gets_a_dutch_message(workspace, monkeypatch):
    import filelock

    monkeypatch.setattr(gpkg_store, "LOCK_TIMEOUT_S", 0.2)
    holder = filelock.FileLock(str(workspace) + ".lock")
    with holder:
        # filelock is re-entrant within a process per lock object, so lock from a child.
        code = ("import sys; sys.path.insert(0, 'tests'); "
                "from werkwijzer_geo.io import storage, gpkg_store; "
                "from werkwijzer_geo import schema as s; gpkg_store.LOCK_TIMEOUT_S = 0.2; "
                "from builders import Obs, make_observations; "
                f"storage.append_rows({str(workspace)!r}, s.OBSERVATIONS, "
                "make_observations([Obs()], start_id=None))")
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
    assert "bezet" in result.stderr and "er is niets opgeslagen" in result.stderr
    assert storage.read_layer(workspace, s.OBSERVATIONS).empty


def test_saved_state_changes_on_every_save_and_never_on_a_read(workspace):
    states = [storage.get_saved_state(workspace)]
    for _ in range(3):
        storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()],
                                                                         start_id=None))
        states.append(storage.get_saved_state(workspace))
        storage.read_layers(workspace)
        count_rows(workspace)  # read by another program
        assert storage.get_saved_state(workspace) == states[-1]  # the cache stays valid
    assert len(set(states)) == 4
    assert isinstance(pd.Timestamp(storage.get_workspace_info(workspace).created_at),
                      pd.Timestamp)


def test_point_layers_come_with_rd_new_coordinates(workspace):
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    back = storage.read_layer(workspace, s.OBSERVATIONS)
    assert back[s.METRIC_X].iloc[0] == pytest.approx(106763, abs=30)
    assert back[s.METRIC_Y].iloc[0] == pytest.approx(500841, abs=30)
    storage.write_layers(workspace, {s.OBSERVATIONS: back})  # derived columns are not stored
    if is_database(workspace):
        stored = [row[0] for row in run_sql(
            workspace, "SELECT column_name FROM information_schema.columns WHERE "
                       "table_schema = current_schema() AND table_name = 'observations'")]
    else:
        stored = pyogrio.read_info(workspace, layer=s.OBSERVATIONS)["fields"]
    assert s.COUNT in stored and s.METRIC_X not in stored


@pytest.mark.gpkg_only
def test_a_save_in_the_middle_of_a_read_is_read_again_not_reported(workspace, monkeypatch):
    # The moment that gave "buiten Buurtkaart om gewijzigd": rows from one version, the row
    # count from the next. The read must see one version whole: the old or the new.
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    real_count = gpkg_store.count_rows
    saves = []

    def save_then_count(path, layer_name, **kwargs):
        if not saves:  # another process saves between reading the rows and counting them
            saves.append("once")
            code = ("import sys; sys.path.insert(0, 'tests'); "
                    "from werkwijzer_geo.io import storage; from werkwijzer_geo import schema; "
                    "from builders import Obs, make_observations; "
                    f"storage.append_rows({str(workspace)!r}, schema.OBSERVATIONS, "
                    "make_observations([Obs(), Obs()], start_id=None))")
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
        return real_count(path, layer_name, **kwargs)

    monkeypatch.setattr(gpkg_store, "count_rows", save_then_count)
    assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == 3
    assert len(storage.read_layers(workspace)[s.OBSERVATIONS]) == 3


BATCH = 5


def _append_batches(path: str, batches: int, pause_s: float) -> None:
    import time
    for batch in range(batches):
        storage.append_rows(path, s.OBSERVATIONS, make_observations(
            [Obs(note=f"partij {batch}")] * BATCH, start_id=None))
        time.sleep(pause_s)


def test_readers_during_saves_see_whole_saves_only(workspace):
    writer = multiprocessing.get_context("spawn").Process(
        target=_append_batches, args=(str(workspace), 40, 0.03))
    writer.start()
    seen, problems = [], []
    try:
        while writer.is_alive() or not seen:
            try:
                layers = storage.read_layers(workspace)
                notes = layers[s.OBSERVATIONS][s.NOTE].value_counts()
                seen.append(len(layers[s.OBSERVATIONS]))
                if set(notes) - {BATCH}:
                    problems.append(f"half a save: {notes.to_dict()}")
            except WerkwijzerError as error:
                problems.append(str(error))
    finally:
        writer.join(timeout=120)
    assert writer.exitcode == 0
    assert not problems, problems
    assert seen == sorted(seen)  # never a row lost on the way
    assert all(count % BATCH == 0 for count in seen), seen
    assert len(set(seen)) > 5  # the reads really ran while rows were being saved
    assert seen[-1] == 40 * BATCH


def _rtree_count(path: Path, layer: str) -> int:
    return run_sql(path, f"SELECT count(*) FROM rtree_{layer}_geom")[0][0]


def test_eight_writers_of_a_hundred_rows_give_exactly_800_on_every_read_path(workspace):
    writers, rows = 8, 100
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_append_many, args=(str(workspace), w, rows))
                 for w in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0
    expected = writers * rows
    read = storage.read_layer(workspace, s.OBSERVATIONS)
    assert len(read) == expected
    assert sorted(read[s.ID]) == list(range(1, expected + 1))
    assert read[s.NOTE].value_counts().tolist() == [rows] * writers
    assert count_rows(workspace) == expected
    around = read.total_bounds + np.array([-0.001, -0.001, 0.001, 0.001])
    if is_database(workspace):  # a map window as QGIS asks it, through the spatial index
        assert run_sql(workspace, "SELECT count(*) FROM observations WHERE geom && "
                                  f"ST_MakeEnvelope({', '.join(map(str, around))}, 4326)"
                       ) == [(expected,)]
        return
    assert len(gpd.read_file(workspace, layer=s.OBSERVATIONS)) == expected  # geopandas
    # What QGIS sees through GDAL: the feature count it shows, and a map window drawn
    # through the spatial index (an index out of step would drop or add points).
    assert pyogrio.read_info(workspace, layer=s.OBSERVATIONS)["features"] == expected
    assert len(pyogrio.read_dataframe(workspace, layer=s.OBSERVATIONS,
                                      bbox=tuple(around))) == expected
    assert _rtree_count(workspace, s.OBSERVATIONS) == expected
    assert run_sql(workspace, "SELECT feature_count FROM gpkg_ogr_contents "
                           "WHERE table_name = 'observations'") == [(expected,)]
    assert run_sql(workspace, "PRAGMA integrity_check") == [("ok",)]


def _write_forever(path: str) -> None:
    """Saves of every kind, one after another, until killed: a batch added, its numbers
    changed, a table replaced, an older batch deleted."""
    from werkwijzer_geo.io import editing
    batch = 0
    while True:
        batch += 1
        ids = storage.append_rows(path, s.OBSERVATIONS, make_observations(
            [Obs(note=f"partij {os.getpid()}-{batch}")] * BATCH, start_id=None))
        editing.update_rows(path, s.OBSERVATIONS, pd.DataFrame(
            {s.ID: ids, s.COUNT: [batch % 50 + 1] * BATCH}))
        storage.write_table(path, "tally", pd.DataFrame({"batch": [batch] * 3}))
        if batch % 3 == 0:
            old = storage.read_layer(path, s.OBSERVATIONS)
            first = old[old[s.NOTE] == old[s.NOTE].iloc[0]][s.ID].tolist()
            editing.delete_rows(path, s.OBSERVATIONS, first)


def test_fifty_kills_at_random_moments_of_saves_leave_whole_saves_and_a_sound_file(workspace):
    import random
    import time

    rng = random.Random(13)
    context = multiprocessing.get_context("fork")  # fast: the package is imported already
    kills = 0
    for _ in range(50):
        writer = context.Process(target=_write_forever, args=(str(workspace),))
        writer.start()
        time.sleep(rng.uniform(0.0, 0.15))
        writer.kill()
        writer.join(timeout=30)
        kills += writer.exitcode == -signal.SIGKILL
        read = storage.read_layer(workspace, s.OBSERVATIONS)
        rows = len(read)
        if not is_database(workspace):
            assert run_sql(workspace, "PRAGMA integrity_check") == [("ok",)]
            assert run_sql(workspace, "SELECT feature_count FROM gpkg_ogr_contents "
                                   "WHERE table_name = 'observations'") == [(rows,)]
            assert _rtree_count(workspace, s.OBSERVATIONS) == rows
        # Each batch is there whole or not at all, and its numbers all old or all new.
        per_batch = read.groupby(s.NOTE)[s.COUNT].agg(["size", "nunique"])
        assert (per_batch["size"] == BATCH).all(), per_batch
        assert (per_batch["nunique"] == 1).all(), per_batch
        tally = storage.read_table(workspace, "tally")
        assert tally is None or (len(tally) == 3 and tally["batch"].nunique() == 1)
    assert kills == 50
    assert storage.read_layer(workspace, s.OBSERVATIONS)[s.ID].is_unique
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))


@pytest.mark.gpkg_only
def test_a_killed_backups_leftover_goes_at_the_next_backup(workspace):
    folder = storage.get_backup_dir(workspace)
    folder.mkdir()
    leftover = folder / "buurt-20261101-120000-000000-voor-import.gpkg.partial"
    leftover.write_bytes(b"half")
    made = storage.backup_workspace(workspace)
    assert not leftover.exists()
    assert list(folder.iterdir()) == [Path(made.location)]
    assert storage.get_workspace_info(made.location).tz == "Europe/Amsterdam"


def test_threads_of_one_server_reading_and_saving_at_once_lose_nothing(workspace):
    # One Streamlit server: one session saves while others read. GDAL's SQLite and Python's
    # must not hold the file at once (GDAL, closing, would take the log from under a save).
    import threading

    problems: list[str] = []
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.append(len(storage.read_layers(workspace)[s.OBSERVATIONS]))
            except Exception as error:  # every failure is the finding
                problems.append(repr(error))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for batch in range(40):
            storage.append_rows(workspace, s.OBSERVATIONS, make_observations(
                [Obs(note=f"partij {batch}")] * BATCH, start_id=None))
    finally:
        done.set()
        for reader in readers:
            reader.join(timeout=60)
    assert not problems, problems[:3]
    assert all(count % BATCH == 0 for count in seen)
    assert len(set(seen)) > 3
    assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == 40 * BATCH
    if not is_database(workspace):
        assert run_sql(workspace, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.gpkg_only
def test_a_workspace_of_an_older_buurtkaart_is_saved_in_place_and_moves_to_wal(workspace):
    # Older versions wrote a rollback journal; a reader holding the file at the first save
    # keeps it there for that save (which is as safe), the next save moves it to WAL.
    with contextlib.closing(sqlite3.connect(workspace)) as connection:
        assert connection.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    reader = sqlite3.connect(f"file:{workspace}?mode=ro", uri=True, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM observations").fetchone()
    holder = threading_timer(0.5, reader.close)
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    holder.join()
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    assert run_sql(workspace, "PRAGMA journal_mode") == [("wal",)]
    assert len(storage.read_layer(workspace, s.OBSERVATIONS)) == 2
    assert run_sql(workspace, "PRAGMA integrity_check") == [("ok",)]


def threading_timer(seconds: float, action):
    import threading
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_restoring_a_backup_puts_back_its_rows_in_place_and_keeps_saving(workspace):
    storage.append_rows(workspace, s.OBSERVATIONS,
                        make_observations([Obs(note="voor")] * 3, start_id=None))
    backup = storage.backup_workspace(workspace)
    storage.append_rows(workspace, s.OBSERVATIONS,
                        make_observations([Obs(note="na")] * 2, start_id=None))
    before = storage.get_saved_state(workspace)
    storage.restore_backup(workspace, backup)
    assert storage.get_saved_state(workspace) != before  # every cache reads it again
    assert storage.read_layer(workspace, s.OBSERVATIONS)[s.NOTE].tolist() == ["voor"] * 3
    assert storage.append_rows(workspace, s.OBSERVATIONS,
                               make_observations([Obs()], start_id=None)) == [4]
    newest, older = storage.list_backups(workspace)[:2]
    assert newest.name.endswith("voor-terugzetten") and older.name == backup.name
    if is_database(workspace):
        return
    assert run_sql(backup.location, "PRAGMA journal_mode") == [("delete",)]  # one file
    assert run_sql(workspace, "PRAGMA journal_mode") == [("wal",)]
    assert _rtree_count(workspace, s.OBSERVATIONS) == 4
    assert run_sql(workspace, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.gpkg_only
def test_an_edit_made_elsewhere_through_gdal_changes_the_saved_state(workspace):
    # QGIS edits through GDAL and does not count Buurtkaart's saves: the cache must see it.
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    before = storage.get_saved_state(workspace)
    extra = gpd.read_file(workspace, layer=s.OBSERVATIONS)
    pyogrio.write_dataframe(extra.assign(id=99), workspace, layer=s.OBSERVATIONS,
                            append=True)
    assert storage.get_saved_state(workspace) != before
    assert sorted(storage.read_layer(workspace, s.OBSERVATIONS)[s.ID]) == [1, 99]
