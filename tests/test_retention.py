"""Retention with a frozen clock: old notes and story texts lose their text (a tombstone
stays), old observations keep only their 50 m cell, old backups go; only beheer may."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from werkwijzer_geo import WerkwijzerError, access
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.aggregate import get_metric_xy
from werkwijzer_geo.cli import main
from werkwijzer_geo.io import retention, storage

# The demo runs 31-08-2026 to 22-11-2026.
MID_OCTOBER_2027 = pd.Timestamp("2027-10-15", tz="UTC")


pytestmark = pytest.mark.both_stores


@pytest.fixture
def demo_copy(demo_path, copy_to_store):
    """The demo, in this test's kind of store."""
    return copy_to_store(demo_path)


def test_texts_older_than_twelve_months_go_and_a_tombstone_stays(demo_copy):
    before = storage.read_layers(demo_copy)
    plan = retention.plan_purge(demo_copy, now=MID_OCTOBER_2027)
    # Exactly the rows dated before 15-10-2026 with a text.
    stories = before[s.STORIES]
    expected = stories.loc[stories[s.DATE] < pd.Timestamp("2026-10-15"), s.ID].tolist()
    assert sorted(plan.texts[s.STORIES]) == sorted(expected) and 0 < len(expected) < 22
    assert plan.points == []  # not yet two years old
    retention.run_purge(demo_copy, plan)
    after = storage.read_layers(demo_copy)
    kept = after[s.STORIES].set_index(s.ID)
    assert kept.loc[expected, s.TEXT].isna().all()
    newer = [i for i in stories[s.ID] if i not in expected]
    assert kept.loc[newer, s.TEXT].notna().all()  # younger stories keep their words
    # Everything else about the rows stays: dates, themes, places.
    assert kept.loc[expected, s.THEMES].tolist() == stories.set_index(s.ID).loc[
        expected, s.THEMES].tolist()
    notes = before[s.OBSERVATIONS]
    old_notes = notes[(notes[s.NOTE].notna())
                      & (notes[s.OBSERVED_AT] < MID_OCTOBER_2027 - pd.DateOffset(months=12))]
    assert after[s.OBSERVATIONS].set_index(s.ID).loc[old_notes[s.ID], s.NOTE].isna().all()
    tombstones = storage.read_table(demo_copy, retention.TOMBSTONES)
    story_stones = tombstones[tombstones["layer"] == s.STORIES]
    assert sorted(story_stones["id"].tolist()) == sorted(expected)
    assert set(tombstones.columns) == {"layer", "id", "column", "row_date", "purged_at", "by",
                                       "why"}
    words = " ".join(tombstones.astype(str).to_numpy().ravel())
    assert not any(text[:20] in words for text in stories[s.TEXT])  # never the text itself
    # A log line per layer, with exactly that layer's rows.
    log = storage.read_audit_log(demo_copy)
    purged = log[log["action"] == "purge"].set_index("layer")
    assert sorted(int(i) for i in purged.loc[s.STORIES, "ids"].split(",")) == sorted(expected)
    # A second purge on the same day finds nothing more.
    again = retention.plan_purge(demo_copy, now=MID_OCTOBER_2027)
    assert not any(again.texts.values())


def test_observations_older_than_two_years_keep_only_their_cell(demo_copy):
    late = pd.Timestamp("2029-01-01", tz="UTC")
    before = storage.read_layer(demo_copy, s.OBSERVATIONS)
    plan = retention.plan_purge(demo_copy, now=late)
    assert len(plan.points) > 0.9 * len(before)
    retention.run_purge(demo_copy, plan)
    after = storage.read_layer(demo_copy, s.OBSERVATIONS)
    x, y, _ = get_metric_xy(after)
    # Every point sits on a cell centre now (25 m past a multiple of 50, to a centimetre).
    for metres in (np.asarray(x), np.asarray(y)):
        steps = (metres - 25) / 50
        assert (np.abs(steps - np.round(steps)) * 50 < 0.05).all()
    # Same rows, counts, groups and times: patterns still read them.
    assert len(after) == len(before)
    assert after[s.COUNT].sum() == before[s.COUNT].sum()
    assert after[s.OBSERVED_AT].equals(before[s.OBSERVED_AT])
    assert retention.plan_purge(demo_copy, now=late).points == []


def test_old_backups_go_too(demo_copy):
    import time

    old = storage.backup_workspace(demo_copy, label="oud")
    time.sleep(0.05)
    recent = storage.backup_workspace(demo_copy, label="recent")
    # Twelve months after a moment between the two: the first is past its term.
    between = old.made_at + (recent.made_at - old.made_at) / 2
    plan = retention.plan_purge(demo_copy, now=between + pd.DateOffset(months=12))
    assert [made.name for made in plan.backups] == [old.name]
    retention.run_purge(demo_copy, plan)
    assert [made.name for made in storage.list_backups(demo_copy)] == [recent.name]


def test_only_beheer_purges_and_a_refusal_changes_nothing(demo_copy):
    access.set_role(demo_copy, access.LOCAL, "beheer@gemeente.nl", "beheer")
    admin = access.find_actor(demo_copy, "beheer@gemeente.nl", via="app")
    access.set_role(demo_copy, admin, "team@gemeente.nl", "team")
    team = access.find_actor(demo_copy, "team@gemeente.nl", via="app")
    plan = retention.plan_purge(demo_copy, now=MID_OCTOBER_2027)
    state = storage.get_saved_state(demo_copy)
    with pytest.raises(WerkwijzerError, match="mag dit niet: oude notities"):
        retention.run_purge(demo_copy, plan, actor=team)
    assert storage.get_saved_state(demo_copy) == state
    retention.run_purge(demo_copy, plan, actor=admin)
    assert storage.read_audit_log(demo_copy)["user"].iloc[-1] == "beheer@gemeente.nl"


def test_the_purge_command_shows_its_plan_first(demo_copy, capsys):
    args = ["purge", "--db", str(demo_copy), "--now", "2027-10-15"]
    state = storage.get_saved_state(demo_copy)
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Proef, niets veranderd.") and "Verhalen: de tekst van" in out
    assert storage.get_saved_state(demo_copy) == state
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("Opgeschoond:")
    assert main(["purge", "--db", str(demo_copy), "--now", "gisteren"]) == 2
    assert "geen datum" in capsys.readouterr().err


def test_beheer_shows_what_a_purge_would_remove_and_asks_before_it_does(monkeypatch, tmp_path,
                                                                        demo_copy):

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(demo_copy))
    root = Path(__file__).resolve().parent.parent
    at = AppTest.from_file(str(root / "app.py"), default_timeout=90).run()
    at.switch_page("pages/beheer.py").run()
    assert not at.exception
    assert [h.value for h in at.subheader][:2] == ["Rollen", "Bewaartermijn"]
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")
    # What the plan says today is on the page (the demo's texts are younger than 12 months
    # until September 2027).
    first = retention.plan_purge(demo_copy).describe()[0]
    assert first.split(":")[0] in shown
    button = at.button(key="purge")
    assert button.disabled  # not before "Ja, schoon dit nu op" is ticked (or with nothing)
