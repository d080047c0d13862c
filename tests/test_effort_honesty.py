"""Honest about effort: hours nobody looked are named 'niet gekeken', the JSON holds the
effort table, and a file without rounds gets a way out: rounds derived from its sightings."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from builders import Obs, make_observations
from streamlit.testing.v1 import AppTest

from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import sessions
from werkwijzer_geo.cli import main
from werkwijzer_geo.io import storage

ROOT = Path(__file__).resolve().parent.parent


def _without_rounds(tmp_path: Path) -> Path:
    """Youths seen on four Friday evenings, and no round recorded."""
    path = tmp_path / "telling.gpkg"
    storage.create_workspace(path)
    rows = [Obs(when=f"2026-09-{day} {time}", count=7)
            for day in (11, 18, 25) for time in ("21:10", "21:35", "22:00", "22:20")]
    rows += [Obs(when=f"2026-10-02 {time}", count=7)
             for time in ("21:10", "21:35", "22:00", "22:20")]
    rows += [Obs(when="2026-10-02 14:00", group="adults", count=2)]
    storage.append_rows(path, s.OBSERVATIONS, make_observations(rows, start_id=None))
    return path


def test_sessions_become_rounds_and_deriving_again_replaces_them(tmp_path):
    path = _without_rounds(tmp_path)
    recorded = storage.append_rows(path, s.ROUNDS, storage.read_layer(path, s.ROUNDS).iloc[:0]
                                   .pipe(lambda empty: pd.concat([empty, pd.DataFrame({
                                       s.STARTED_AT: [pd.Timestamp("2026-08-01 10:00",
                                                                   tz="Europe/Amsterdam")],
                                       s.ENDED_AT: [pd.Timestamp("2026-08-01 11:00",
                                                                 tz="Europe/Amsterdam")]})])))
    assert sessions.store_derived_rounds(path, 30) == 5  # four evenings and one afternoon
    assert sessions.store_derived_rounds(path, 90) == 5
    rounds = storage.read_layer(path, s.ROUNDS)
    assert len(rounds) == 6 and recorded[0] in rounds[s.ID].tolist()
    friday = rounds[rounds[s.LOCAL_DATE] == pd.Timestamp("2026-09-11")].iloc[0]
    assert friday[s.STARTED_AT].strftime("%H:%M") == "21:00"  # whole clock hours
    assert friday[s.ENDED_AT].strftime("%H:%M") == "23:00"
    assert friday[s.NOTE].startswith("Afgeleid uit waarnemingen")


def test_no_rounds_says_so_and_derived_rounds_find_the_pattern(tmp_path, capsys):
    path = _without_rounds(tmp_path)
    assert main(["patterns", "--db", str(path)]) == 0
    printed = capsys.readouterr()
    assert "Geen rondes in deze selectie" in printed.err
    assert "- (niet gekeken)" in printed.out and "(geen)" not in printed.out
    assert main(["patterns", "--db", str(path), "--rounds-from-observations", "30",
                 "--min-rounds", "4", "--min-dates", "4"]) == 0
    printed = capsys.readouterr()
    assert "5 rondes afgeleid" in printed.err
    assert "Vrijdag 21-23 uur: 7 jongeren" in printed.out


def test_json_holds_the_effort_table_and_the_hours_nobody_looked(tmp_path, capsys):
    path = _without_rounds(tmp_path)
    sessions.store_derived_rounds(path, 30)
    assert main(["patterns", "--db", str(path), "--json", "--hours", "20-2",
                 "--weekdays", "fri"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["schema"] == "buurtkaart.patterns/2"
    assert len(report["effort"]) == 7 and len(report["effort"][4]) == 24
    assert report["effort"][4][21] == 4 and report["effort"][4][20] is None
    assert report["hours_not_observed"] == ["vrijdag 00-02, 20-21, 23-24 uur"]


def test_patronen_page_offers_to_derive_rounds(monkeypatch, tmp_path):
    path = _without_rounds(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/patronen.py").run()
    assert not at.exception
    assert any("Geen rondes in deze selectie" in w.value for w in at.warning)
    next(b for b in at.button if b.key == "derive_rounds").click().run()
    assert not at.exception
    assert len(storage.read_layer(path, s.ROUNDS)) == 5
    assert not any("Geen rondes" in w.value for w in at.warning)


def test_a_counters_file_gets_rounds_per_place_that_only_speak_for_that_place(tmp_path):
    # Two counting spots, counted one after the other on six Saturdays: 'A' at 12:10,
    # 'B' at 12:40 and 15:10. Adults always at A at noon; nobody at B.
    path = tmp_path / "tellingen.gpkg"
    storage.create_workspace(path)
    rows = []
    for day in ("09-05", "09-12", "09-19", "09-26", "10-03", "10-10"):
        rows.append(Obs(when=f"2026-{day} 12:10", group="adults", count=10, lon=4.677,
                        lat=52.493))
        rows.append(Obs(when=f"2026-{day} 12:40", group="elderly", count=1, lon=4.690,
                        lat=52.500))
        rows.append(Obs(when=f"2026-{day} 15:10", group="elderly", count=1, lon=4.690,
                        lat=52.500))
    frame = make_observations(rows, start_id=None)
    frame[s.PLACE] = ["A", "B", "B"] * 6
    storage.append_rows(path, s.OBSERVATIONS, frame)
    assert sessions.store_derived_rounds(path, 20) == 18  # per place: 6 at A, 12 at B
    rounds = storage.read_layer(path, s.ROUNDS)
    assert rounds.geometry.notna().all() and rounds[s.NOTE].str.contains("per plek").all()
    from werkwijzer_geo.analysis import patterns as p

    report = p.build_report(storage.read_layers(path))
    adults = [x for x in report.patterns if x.group == "adults"]
    assert [x.sentence for x in adults] == [
        "Zaterdag 12-13 uur: 10 volwassenen bij A (gezien in 6 van 6 rondes)."]
