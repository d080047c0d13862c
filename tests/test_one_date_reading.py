"""One way to read a date: the importer, the recording form and validation agree, and a
column's order (day or month first) is decided for the whole column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.cli import main
from werkwijzer_geo.demo import read_demo_boundary
from werkwijzer_geo.io import editing, storage
from werkwijzer_geo.io.importer import plan_import
from werkwijzer_geo.io.mapping import ImportMapping
from werkwijzer_geo.io.parsing import parse_dates, parse_instants
from werkwijzer_geo.validate import validate_layer

EN_HEADER = "time,group,count,activity,lat,lon"


@pytest.fixture
def outlined(tmp_path) -> Path:
    path = tmp_path / "buurt.gpkg"
    storage.create_workspace(path, boundary=read_demo_boundary())
    return path


def _observations(tmp_path: Path, *times: str, sep: str = ",", name: str = "obs.csv") -> Path:
    header = EN_HEADER if sep == "," else "tijdstip;groep;aantal;activiteit;lat;lon"
    rows = [sep.join([t, "youth", "6", "hanging_out", "52.493", "4.677"]) for t in times]
    if sep == ";":
        rows = [row.replace("52.493", "52,493").replace("4.677", "4,677") for row in rows]
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _local_dates(plan) -> list[str]:
    return plan.rows[s.OBSERVED_AT].dt.tz_convert("Europe/Amsterdam").dt.strftime(
        "%d-%m-%Y").tolist()


def test_validation_reads_05_06_2026_as_5_june_like_the_importer():
    assert parse_dates(pd.Series(["05-06-2026"]))[0].iloc[0] == pd.Timestamp("2026-06-05")
    row = gpd.GeoDataFrame({
        s.NAME: ["Bankje"], s.STEP: ["experiment"], s.OBJECT: ["bench"],
        s.START_DATE: ["05-06-2026"], s.STATUS: ["running"]},
        geometry=[Point(4.677, 52.493)], crs=s.STORAGE_CRS)
    checked = validate_layer(s.EXPERIMENTS, row)
    assert checked[s.START_DATE].iloc[0] == pd.Timestamp("2026-06-05")
    # A moment as text must say its zone in ISO: '05-06-2026 21:00+02:00' is not guessed.
    with pytest.raises(WerkwijzerError, match="tijdstip met tijdzone"):
        validate_layer(s.OBSERVATIONS, gpd.GeoDataFrame({
            s.OBSERVED_AT: ["05-06-2026 21:00+02:00"], s.GROUP: ["youth"], s.COUNT: [3],
            s.ACTIVITY: ["hanging_out"]}, geometry=[Point(4.677, 52.493)], crs=s.STORAGE_CRS))


def test_the_recording_form_stores_the_day_that_was_picked(workspace):
    # The form gives a date and a clock time; what is saved is that local day.
    moment = editing.make_local_instant(dt.date(2026, 6, 5), dt.time(21, 30), "Europe/Amsterdam")
    row = editing.make_row(s.OBSERVATIONS, Point(4.677, 52.493), {
        s.OBSERVED_AT: moment, s.GROUP: "youth", s.COUNT: 4, s.ACTIVITY: "hanging_out"})
    editing.add_rows(workspace, s.OBSERVATIONS, row)
    saved = storage.read_layer(workspace, s.OBSERVATIONS)
    assert saved[s.OBSERVED_AT].iloc[0].strftime("%d-%m-%Y %H:%M") == "05-06-2026 21:30"
    experiment = editing.make_row(s.EXPERIMENTS, Point(4.677, 52.493), {
        s.NAME: "Bankje", s.STEP: "experiment", s.OBJECT: "bench",
        s.START_DATE: dt.date(2026, 6, 5), s.STATUS: "running"})
    editing.add_rows(workspace, s.EXPERIMENTS, experiment)
    stored = storage.read_layer(workspace, s.EXPERIMENTS)[s.START_DATE].iloc[0]
    assert pd.Timestamp(stored).strftime("%d-%m-%Y") == "05-06-2026"


def test_an_ambiguous_column_in_a_dutch_file_is_read_day_first(outlined, tmp_path):
    plan = plan_import(outlined, _observations(tmp_path, "05-06-2026 21:30", "07-08-2026 22:00",
                                               sep=";"), s.OBSERVATIONS)
    assert _local_dates(plan) == ["05-06-2026", "07-08-2026"]


def test_an_ambiguous_column_in_another_file_asks_for_the_order(outlined, tmp_path, capsys):
    source = _observations(tmp_path, "05/06/2026 21:30", "07/08/2026 22:00")
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(outlined, source, s.OBSERVATIONS)
    (line,) = caught.value.problems
    assert line.startswith("Rij 2, kolom 'time' (observed_at): '05/06/2026 21:30'")
    assert "5 juni of 6 mei" in line and "--date-format mm-dd-jjjj" in line
    # The choice settles it, on the command line and in a saved mapping.
    assert main(["import", str(source), "--layer", "observations", "--db", str(outlined),
                 "--date-format", "mm-dd-jjjj", "--dry-run"]) == 0
    plan = plan_import(outlined, source, s.OBSERVATIONS,
                       mapping=ImportMapping.from_json('{"date_format": "mm-dd-jjjj"}'))
    assert _local_dates(plan) == ["06-05-2026", "08-07-2026"]
    plan = plan_import(outlined, source, s.OBSERVATIONS,
                       mapping=ImportMapping(date_format="dd-mm-jjjj"))
    assert _local_dates(plan) == ["05-06-2026", "07-08-2026"]


def test_one_unambiguous_date_decides_the_whole_column(outlined, tmp_path):
    # 05/13 can only be month-first, so 05/06 in the same column is 6 May.
    plan = plan_import(outlined, _observations(tmp_path, "05/06/2026 21:30", "05/13/2026 22:00"),
                       s.OBSERVATIONS)
    assert _local_dates(plan) == ["06-05-2026", "13-05-2026"]
    plan = plan_import(outlined, _observations(tmp_path, "05/06/2026 21:30", "13/05/2026 22:00",
                                               name="b.csv"), s.OBSERVATIONS)
    assert _local_dates(plan) == ["05-06-2026", "13-05-2026"]


def test_a_column_that_mixes_both_orders_names_the_first_row_of_each(outlined, tmp_path):
    source = _observations(tmp_path, "01/02/2026 21:30", "13/05/2026 22:00", "14/05/2026 22:00",
                           "05/13/2026 21:00")
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(outlined, source, s.OBSERVATIONS)
    lines = caught.value.problems
    assert len(lines) == 2
    assert lines[0].startswith("Rij 3, kolom 'time' (observed_at): '13/05/2026 22:00' staat "
                               "dag-eerst")
    assert lines[1].startswith("Rij 5, kolom 'time' (observed_at): '05/13/2026 21:00' staat "
                               "maand-eerst")


def test_a_chosen_order_never_reads_a_cell_the_other_way(outlined, tmp_path):
    # Month-first chosen: 13/05/2026 is an error, not silently 13 May.
    source = _observations(tmp_path, "05/06/2026 21:30", "13/05/2026 22:00")
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(outlined, source, s.OBSERVATIONS,
                    mapping=ImportMapping(date_format="mm-dd-jjjj"))
    (line,) = caught.value.problems
    assert line.startswith("Rij 3, kolom 'time' (observed_at): '13/05/2026 22:00' is geen")
    assert "mm-dd-jjjj" in line


def test_instants_and_dates_share_the_rule():
    month_first, problems = parse_instants(pd.Series(["05/13/2026 10:00 PM", "05/06/2026 9:00 AM"]),
                                           "Europe/Amsterdam", dutch=False)
    assert not problems
    assert month_first.dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m").tolist() == [
        "13-05", "06-05"]
    _, problems = parse_dates(pd.Series(["05/06/2026"]), dutch=False)
    assert problems and "kan dag-eerst of maand-eerst zijn" in problems[0][1]
    with pytest.raises(WerkwijzerError, match="bestaat niet"):
        ImportMapping(date_format="jjjj-dd-mm")
