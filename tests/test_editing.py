from __future__ import annotations

import pandas as pd
import pytest
from builders import Obs, make_observations
from store_checks import fingerprint

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.io import editing, storage

pytestmark = pytest.mark.both_stores


@pytest.fixture
def filled(workspace):
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations(
        [Obs(note="een"), Obs(note="twee"), Obs(note="drie")], start_id=None))
    return workspace


def _notes(path):
    return storage.read_layer(path, s.OBSERVATIONS)[s.NOTE].tolist()


def test_update_and_undo(filled):
    change = editing.update_rows(filled, s.OBSERVATIONS, pd.DataFrame(
        {s.ID: [2], s.NOTE: ["TWEE"], s.COUNT: [9]}))
    back = storage.read_layer(filled, s.OBSERVATIONS)
    assert back[s.NOTE].tolist() == ["een", "TWEE", "drie"] and back[s.COUNT].tolist()[1] == 9
    editing.undo_change(filled, change)
    back = storage.read_layer(filled, s.OBSERVATIONS)
    assert back[s.NOTE].tolist() == ["een", "twee", "drie"] and back[s.COUNT].tolist()[1] == 6


def test_an_edit_changes_its_columns_and_leaves_every_other_value_as_it_was(filled):
    # Empty columns stay empty (not the text 'NaN'), instants keep their milliseconds, the
    # shape stays exactly where it was.
    storage.append_rows(filled, s.OBSERVATIONS, make_observations(
        [Obs(when="2026-09-11 21:30:15.250", group="professionals", role="boa", note="")],
        start_id=None))
    before = storage.read_layer(filled, s.OBSERVATIONS)
    for many in (False, True):  # one row; and more rows than an edit (a purge, an undo)
        ids = before[s.ID].tolist() if many else [4]
        editing.update_rows(filled, s.OBSERVATIONS, pd.DataFrame(
            {s.ID: ids, s.COUNT: [7] * len(ids)}))
        after = storage.read_layer(filled, s.OBSERVATIONS)
        assert after.loc[after[s.ID].isin(ids), s.COUNT].tolist() == [7] * len(ids)
        unchanged = [c for c in after.columns if c not in (s.COUNT, "geometry")]
        pd.testing.assert_frame_equal(after[unchanged], before[unchanged])
        assert after.geometry.to_wkb().tolist() == before.geometry.to_wkb().tolist()
    assert after[s.ROLE].tolist() == [None, None, None, "boa"]
    assert after[s.NOTE].tolist() == ["een", "twee", "drie", None]  # blank is no note
    assert after[s.OBSERVED_AT].iloc[3].microsecond == 250_000


def test_bad_edit_is_refused_and_changes_nothing(filled):
    before = fingerprint(filled)
    with pytest.raises(WerkwijzerError, match="kolom 'count'"):
        editing.update_rows(filled, s.OBSERVATIONS, pd.DataFrame({s.ID: [1], s.COUNT: [0]}))
    with pytest.raises(WerkwijzerError, match=r"Nummer.*9 bestaan niet"):
        editing.delete_rows(filled, s.OBSERVATIONS, [9])
    assert fingerprint(filled) == before


def test_delete_and_undo_puts_rows_back_in_order(filled):
    change = editing.delete_rows(filled, s.OBSERVATIONS, [1, 3])
    assert _notes(filled) == ["twee"]
    editing.undo_change(filled, change)
    assert _notes(filled) == ["een", "twee", "drie"]
    assert storage.read_layer(filled, s.OBSERVATIONS)[s.ID].tolist() == [1, 2, 3]


def test_add_and_undo_removes_only_the_added_rows(filled):
    change = editing.add_rows(filled, s.OBSERVATIONS, make_observations([Obs(note="vier")],
                                                                        start_id=None))
    assert change.added_ids == [4] and len(_notes(filled)) == 4
    editing.undo_change(filled, change)
    assert _notes(filled) == ["een", "twee", "drie"]


def test_move_point(filled):
    change = editing.move_point(filled, s.OBSERVATIONS, 2, 4.678, 52.494)
    point = storage.read_layer(filled, s.OBSERVATIONS).geometry.iloc[1]
    assert (point.x, point.y) == (4.678, 52.494)
    editing.undo_change(filled, change)
    assert storage.read_layer(filled, s.OBSERVATIONS).geometry.iloc[1].x == pytest.approx(4.677)


def test_round_runs_until_finished(workspace):
    started = pd.Timestamp("2026-09-11 21:00", tz="Europe/Amsterdam")
    round_id = editing.start_round(workspace, observers="JB, SK", started_at=started)
    now = started + pd.Timedelta(hours=1)
    rounds = storage.read_layer(workspace, s.ROUNDS)
    running = editing.get_running_round(rounds, now=now)
    assert running is not None and running[s.ID] == round_id
    assert editing.get_running_round(rounds, now=started + pd.Timedelta(hours=13)) is None
    editing.finish_round(workspace, round_id, ended_at=now)
    assert editing.get_running_round(storage.read_layer(workspace, s.ROUNDS), now=now) is None
    rounds = storage.read_layer(workspace, s.ROUNDS)
    assert rounds[s.ENDED_AT].iloc[0] == now


def test_drawn_area_needs_three_corners_and_no_crossing():
    with pytest.raises(WerkwijzerError, match="minstens 3 hoeken; je tikte er 2"):
        editing.make_polygon([(4.676, 52.492), (4.678, 52.492)])
    with pytest.raises(WerkwijzerError, match="kruisen elkaar"):
        editing.make_polygon([(4.676, 52.492), (4.678, 52.494), (4.678, 52.492),
                              (4.676, 52.494)])
    square = editing.make_polygon([(4.676, 52.492), (4.678, 52.492), (4.678, 52.494),
                                   (4.676, 52.494)])
    assert square.is_valid and square.area > 0


def test_made_rows_save_as_places_and_refuse_unknown_columns(workspace):
    area = editing.make_polygon([(4.676, 52.492), (4.678, 52.492), (4.678, 52.494)])
    change = editing.add_rows(workspace, s.PLACES, editing.make_row(
        s.PLACES, area, {s.NAME: "Trapveldje", s.KIND: "square"}))
    assert change.added_ids == [1]
    assert storage.read_layer(workspace, s.PLACES)[s.NAME].tolist() == ["Trapveldje"]
    with pytest.raises(WerkwijzerError, match="geen kolom"):
        editing.make_row(s.PLACES, area, {"naam": "x"})


def test_local_instant_refuses_the_dst_gap_and_overlap():
    import datetime as dt

    tz = "Europe/Amsterdam"
    moment = editing.make_local_instant(dt.date(2026, 9, 11), dt.time(21, 30), tz)
    assert moment.tz_convert("UTC").hour == 19
    with pytest.raises(WerkwijzerError, match=r"29-03-2026 02:30 bestaat niet.*ander uur"):
        editing.make_local_instant(dt.date(2026, 3, 29), dt.time(2, 30), tz)
    with pytest.raises(WerkwijzerError, match=r"25-10-2026 02:30 komt twee keer voor.*01:59"):
        editing.make_local_instant(dt.date(2026, 10, 25), dt.time(2, 30), tz)


def test_changed_rows_are_found_by_id():
    original = pd.DataFrame({s.ID: [1, 2, 3], s.NOTE: ["a", None, "c"], s.COUNT: [1, 2, 3]})
    edited = original.copy()
    edited.loc[1, s.NOTE] = "b"
    edited.loc[2, s.COUNT] = 9
    changed = editing.get_changed_rows(original, edited)
    assert changed[s.ID].tolist() == [2, 3]
    assert list(changed.columns) == [s.ID, s.NOTE, s.COUNT]
    assert editing.get_changed_rows(original, original.copy()).empty
