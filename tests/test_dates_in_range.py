"""A date typed as 31-12-9999 never takes a page down: refused on the way in, and where a
workspace already holds one, set aside, named, and fixable."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from builders import Obs, make_observations
from hostile import write_raw_cells
from streamlit.testing.v1 import AppTest

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.io import editing, quality, storage
from werkwijzer_geo.validate import validate_layer

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["app.py", "pages/invoer.py", "pages/patronen.py", "pages/presentatie.py",
         "pages/export.py", "pages/tijdlijn.py"]


def test_dates_outside_1990_to_ten_years_ahead_are_refused_by_row_and_column():
    first, last = s.get_date_range()
    rows = make_observations([Obs(), Obs(when="9999-12-31 22:00"), Obs(when="1989-12-30 12:00"),
                              Obs(when=f"{first} 00:30"), Obs(when=f"{last} 12:00")])
    with pytest.raises(WerkwijzerError) as raised:
        validate_layer(s.OBSERVATIONS, rows)
    assert raised.value.problems == [
        f"Rij 3, kolom 'observed_at' (tijdstip): '31-12-9999' ligt niet tussen 01-01-1990 en "
        f"{last:%d-%m-%Y}. Controleer het jaar.",
        f"Rij 4, kolom 'observed_at' (tijdstip): '30-12-1989' ligt niet tussen 01-01-1990 en "
        f"{last:%d-%m-%Y}. Controleer het jaar."]
    events = pd.DataFrame({s.DATE: ["9999-12-31"], s.TITLE: ["Feest"], s.KIND: ["event"],
                           s.VALENCE: [1]})
    with pytest.raises(WerkwijzerError, match=r"Rij 2, kolom 'date' \(datum\): '9999-12-31' "
                                              r"ligt niet tussen"):
        validate_layer(s.EVENTS, events)


def test_import_of_a_far_future_date_exits_2_and_writes_nothing(workspace, tmp_path):
    source = tmp_path / "gebeurtenissen.csv"
    source.write_text("datum;titel;soort;waardering\n12-09-2026;Buurtfeest;event;1\n"
                      "31-12-9999;Oud en nieuw;event;1\n", encoding="utf-8")
    before = workspace.read_bytes()
    result = subprocess.run([sys.executable, "-m", "werkwijzer_geo", "import", str(source),
                             "--layer", "events", "--db", str(workspace)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Rij 3, kolom" in result.stderr and "31-12-9999" in result.stderr
    assert workspace.read_bytes() == before


@pytest.fixture
def broken_dates(demo_path, tmp_path) -> Path:
    """A copy of the demo where someone typed impossible dates in QGIS."""
    path = tmp_path / "buurt.gpkg"
    shutil.copyfile(demo_path, path)
    write_raw_cells(path, s.OBSERVATIONS, {5: {s.OBSERVED_AT: "9999-12-31T22:00:00Z"},
                                           6: {s.OBSERVED_AT: "gisteren"}})
    write_raw_cells(path, s.EVENTS, {1: {s.DATE: "9999-12-31"}})
    write_raw_cells(path, s.SPOTS, {1: {s.RESOLVED_AT: "0001-01-01T00:00:00Z"}})
    return path


def test_stored_impossible_dates_are_set_aside_and_named(broken_dates):
    every_row = storage.read_layers(broken_dates)  # reading itself never fails on them
    usable, problems = quality.read_usable_layers(broken_dates)
    assert [(p.layer, p.row_id, p.column) for p in problems] == [
        (s.OBSERVATIONS, 5, s.OBSERVED_AT), (s.OBSERVATIONS, 6, s.OBSERVED_AT),
        (s.SPOTS, 1, s.RESOLVED_AT), (s.EVENTS, 1, s.DATE)]
    assert problems[0].describe().startswith(
        "Waarnemingen, nummer 5, kolom 'observed_at' (tijdstip): is 31-12-9999, niet tussen "
        "01-01-1990 en")
    assert "is leeg of onleesbaar" in problems[1].describe()
    assert "is 01-01-0001" in problems[2].describe()
    assert len(usable[s.OBSERVATIONS]) == len(every_row[s.OBSERVATIONS]) - 2
    assert 5 not in usable[s.OBSERVATIONS][s.ID].tolist()
    assert len(usable[s.SPOTS]) == len(every_row[s.SPOTS]) - 1


def test_a_held_bad_row_blocks_nothing_silently_and_can_be_fixed(broken_dates):
    # Editing another row saves that row only: the bad ones stay as they were, still named.
    editing.update_rows(broken_dates, s.OBSERVATIONS, pd.DataFrame(
        {s.ID: [7], s.NOTE: ["andere rij"]}))
    every_row = storage.read_layer(broken_dates, s.OBSERVATIONS).set_index(s.ID)
    assert every_row.loc[7, s.NOTE] == "andere rij"
    _, problems = quality.read_usable_layers(broken_dates)
    assert [(p.layer, p.row_id) for p in problems][:2] == [(s.OBSERVATIONS, 5),
                                                           (s.OBSERVATIONS, 6)]
    # Editing the bad row itself names what is wrong with it and changes nothing.
    with pytest.raises(WerkwijzerError, match=r"Nummer 5, kolom 'observed_at'.*'31-12-9999'"):
        editing.update_rows(broken_dates, s.OBSERVATIONS, pd.DataFrame(
            {s.ID: [5], s.NOTE: ["alleen de notitie"]}))
    assert pd.isna(storage.read_layer(broken_dates, s.OBSERVATIONS, ids=[5])[s.NOTE].iloc[0])
    # Fixing both, or deleting them, works.
    fixed = pd.Timestamp("2026-09-12 21:00", tz="Europe/Amsterdam")
    editing.update_rows(broken_dates, s.OBSERVATIONS, pd.DataFrame(
        {s.ID: [5, 6], s.OBSERVED_AT: [fixed, fixed]}))
    editing.delete_rows(broken_dates, s.EVENTS, [1])
    _, problems = quality.read_usable_layers(broken_dates)
    assert [(p.layer, p.row_id) for p in problems] == [(s.SPOTS, 1)]


def _app(monkeypatch, workspace: Path, tmp_path: Path) -> AppTest:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(workspace))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_warns_and_names_the_rows(monkeypatch, tmp_path, broken_dates, page):
    at = _app(monkeypatch, broken_dates, tmp_path).run()
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    warning = next(w.value for w in at.warning if "Invoer › Bewerken" in w.value)
    assert "nummer 5" in warning and "31\\-12\\-9999" in warning
    first, last = at.sidebar.date_input(key="widget_filter_dates").value
    assert first >= dt.date(1990, 1, 1) and last <= s.get_date_range()[1]


def test_bewerken_shows_the_set_aside_rows(monkeypatch, tmp_path, broken_dates):
    at = _app(monkeypatch, broken_dates, tmp_path).run()
    at.switch_page("pages/invoer.py").run()
    table = at.dataframe[0].value
    assert {5, 6} <= set(table[s.ID])
