"""Patterns on a file nobody here planted: Seattle's public-life counts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from werkwijzer_geo.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEATTLE = ROOT.parent / "shared" / "data" / "seattle_public_life" / "staying_2020_2023.csv"


def _busiest_by_pandas(top: int) -> pd.Series:
    """People staying per location, weekday and hour, straight from the file: the people of
    one count (one start time) add up, the largest count of an hour is that hour's, and
    hours on different dates are averaged."""
    table = pd.read_csv(SEATTLE)
    start = pd.to_datetime(table["staying_time_start"], format="%m/%d/%Y %I:%M:%S %p")
    table = table.assign(date=start.dt.date, weekday=start.dt.day_of_week, hour=start.dt.hour)
    per_count = table.groupby(["location_id", "date", "weekday", "hour",
                               "staying_time_start"])["staying_row_total"].sum()
    per_hour = per_count.groupby(level=["location_id", "date", "weekday", "hour"]).max()
    per_place_hour = per_hour.groupby(level=["location_id", "weekday", "hour"]).mean()
    return per_place_hour.sort_values(ascending=False).head(top)


@pytest.mark.skipif(not SEATTLE.exists(), reason="shared/data not beside the project")
def test_seattle_busiest_places_and_hours_are_the_ones_pandas_finds(tmp_path, capsys):
    path = tmp_path / "seattle.gpkg"
    assert main(["init", "--db", str(path), "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(SEATTLE), "--layer", "observations", "--db", str(path),
                 "--mapping", str(ROOT / "docs" / "examples" / "seattle_staying.json")]) == 0
    capsys.readouterr()
    assert main(["patterns", "--db", str(path), "--rounds-from-observations", "60",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    expected = _busiest_by_pandas(10)
    weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    named = {(b["place"], weekdays.index(b["weekday"]), b["hour"]): b["people_per_round"]
             for b in report["busiest"]}
    assert len(named) == 10
    # Same numbers in the same order; ties at the tenth place may name another spot.
    assert sorted(named.values(), reverse=True) == pytest.approx(expected.tolist(), abs=0.05)
    full = _busiest_by_pandas(10_000)
    for key, people in named.items():
        assert full[key] == pytest.approx(people, abs=0.05)
    # No hour recurs on 4 dates here: said, not hidden, and no pattern is claimed.
    assert report["patterns"] == []
    assert not any(b["recurs"] for b in report["busiest"])
    assert all("te weinig om te zeggen dat het terugkomt" in b["sentence"]
               for b in report["busiest"])
    first = report["busiest"][0]
    assert first["lat"] == pytest.approx(47.67, abs=0.05)
    assert first["lon"] == pytest.approx(-122.38, abs=0.05)
