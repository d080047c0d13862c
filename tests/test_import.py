from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon
from store_checks import fingerprint, is_database

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.cli import main
from werkwijzer_geo.demo import read_demo_boundary
from werkwijzer_geo.io import storage
from werkwijzer_geo.io.importer import plan_import, run_import
from werkwijzer_geo.io.mapping import ImportMapping

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
pytestmark = pytest.mark.both_stores
HEADER = "tijdstip;groep;aantal;activiteit;lat;lon"
GOOD = "11-09-2026 21:30;jongeren;6;rondhangen;52,4930;4,6770"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A workspace with the Oosterwijk outline and three observations (ids 1-3)."""
    path = tmp_path_factory.mktemp("prepared") / "buurt.gpkg"
    storage.create_workspace(path, boundary=read_demo_boundary())
    rows = gpd.GeoDataFrame({
        s.OBSERVED_AT: pd.to_datetime(["2026-09-11 21:30"] * 3).tz_localize("Europe/Amsterdam"),
        s.GROUP: ["youth"] * 3, s.COUNT: [5, 6, 7], s.ACTIVITY: ["hanging_out"] * 3,
    }, geometry=[Point(4.677, 52.493)] * 3, crs=s.STORAGE_CRS)
    storage.append_rows(path, s.OBSERVATIONS, rows)
    return path


@pytest.fixture
def workspace_copy(prepared, copy_to_store):
    """The prepared workspace, in this test's kind of store."""
    return copy_to_store(prepared)


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    path = tmp_path / "waarnemingen.xlsx"
    book.save(path)
    return path


def _vector(tmp_path: Path, name: str, frames: dict[str, gpd.GeoDataFrame]) -> Path:
    path = tmp_path / name
    for layer, frame in frames.items():
        pyogrio.write_dataframe(frame, path, layer=layer)
    return path


def _geo(geometries, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=geometries, crs=s.STORAGE_CRS)


OBS_PROPS = {"tijdstip": ["2026-09-11T21:30:00+02:00"], "groep": ["youth"], "aantal": [6],
             "activiteit": ["hanging_out"]}
SQUARE = Polygon([(4.676, 52.492), (4.678, 52.492), (4.678, 52.494), (4.676, 52.494)])
BOWTIE = Polygon([(4.676, 52.492), (4.678, 52.494), (4.678, 52.492), (4.676, 52.494)])

# (id, file name, content builder, layer, extra CLI args, fragments every one of which must be
# in one and the same message line)
BAD_INPUTS = [
    ("count-zero", "a.csv", _csv(GOOD, GOOD.replace(";6;", ";0;")), "observations", [],
     ["Rij 3", "kolom 'aantal' (count)", "kleiner dan 1"]),
    ("count-word", "a.csv", _csv(GOOD.replace(";6;", ";veel;")), "observations", [],
     ["Rij 2", "'aantal' (count)", "'veel'", "geen getal"]),
    ("count-fraction", "a.csv", _csv(GOOD.replace(";6;", ";2,5;")), "observations", [],
     ["Rij 2", "'aantal' (count)", "geen heel getal"]),
    ("group-unknown", "a.csv", _csv(GOOD, GOOD.replace("jongeren", "toeristen")),
     "observations", [], ["Rij 3", "'groep' (group)", "'toeristen'", "--values group:"]),
    ("group-empty", "a.csv", _csv(GOOD.replace("jongeren", "")), "observations", [],
     ["Rij 2", "'groep' (group)", "is leeg"]),
    ("activity-unknown", "a.csv", _csv(GOOD.replace("rondhangen", "dansen")), "observations",
     [], ["Rij 2", "'activiteit' (activity)", "'dansen'"]),
    ("role-for-youth", "a.csv", _csv(GOOD + ";boa", header=HEADER + ";rol"), "observations", [],
     ["Rij 2", "'rol' (role)", "geen professionals"]),
    ("impossible-date", "a.csv", _csv(GOOD.replace("11-09-2026", "31-02-2026")),
     "observations", [], ["Rij 2", "'tijdstip' (observed_at)", "'31-02-2026 21:30'"]),
    ("dst-gap", "a.csv", _csv(GOOD.replace("11-09-2026 21:30", "29-03-2026 02:30")),
     "observations", [], ["Rij 2", "'tijdstip' (observed_at)", "bestaat niet in"]),
    ("dst-overlap", "a.csv", _csv(GOOD.replace("11-09-2026 21:30", "25-10-2026 02:30")),
     "observations", [], ["Rij 2", "'tijdstip' (observed_at)", "twee keer", "+01:00"]),
    ("time-word", "a.csv", _csv(GOOD.replace("11-09-2026 21:30", "gisteren")), "observations",
     [], ["Rij 2", "'tijdstip' (observed_at)", "'gisteren'"]),
    ("time-empty", "a.csv", _csv(GOOD, GOOD.replace("11-09-2026 21:30", "")), "observations",
     [], ["Rij 3", "'tijdstip' (observed_at)", "is leeg"]),
    ("lat-word", "a.csv", _csv(GOOD.replace("52,4930", "noord")), "observations", [],
     ["Rij 2", "kolom 'lat': 'noord'", "geen getal"]),
    ("point-missing", "a.csv", _csv(GOOD, GOOD.replace("52,4930;4,6770", ";")),
     "observations", [], ["Rij 3", "kolom 'geometry'", "ontbreekt"]),
    ("far-outside", "a.csv", _csv(GOOD, GOOD.replace("52,4930;4,6770", "52,3731;4,8922")),
     "observations", [], ["Rij 3", "kolom 'geometry'", "km buiten de buurtgrens"]),
    ("swapped", "a.csv", _csv(GOOD.replace("52,4930;4,6770", "4,6770;52,4930")),
     "observations", [], ["'lat' (lat) en 'lon' (lon) lijken verwisseld", "lat=lon"]),
    ("duplicate-ids", "a.csv", _csv("7;" + GOOD, "7;" + GOOD, header="id;" + HEADER),
     "observations", [], ["Rij 3", "kolom 'id'", "komt vaker voor"]),
    ("id-taken", "a.csv", _csv("2;" + GOOD, header="id;" + HEADER), "observations", [],
     ["Rij 2", "kolom 'id'", "bestaat al in de werkruimte"]),
    ("personal-name", "a.csv", _csv(GOOD + ";Jayden", header=HEADER + ";naam"),
     "observations", [], ["Kolom 'naam'", "persoonsgegevens", "Verwijder"]),
    ("personal-phone", "a.csv", _csv(GOOD + ";0612345678", header=HEADER + ";Telefoon"),
     "observations", [], ["Kolom 'Telefoon'", "persoonsgegevens"]),
    ("map-missing-source", "a.csv", _csv(GOOD), "observations", ["--map", "count=Aantallen"],
     ["count=Aantallen", "geen kolom 'Aantallen'"]),
    ("map-unknown-target", "a.csv", _csv(GOOD), "observations", ["--map", "personen=aantal"],
     ["'personen=aantal'", "geen kolom 'personen'"]),
    ("required-missing", "a.csv", _csv("11-09-2026 21:30;jongeren;6;52,49;4,67",
                                       header="tijdstip;groep;aantal;lat;lon"),
     "observations", [], ["kolom 'activity'", "--default activity="]),
    ("empty-file", "a.csv", "", "observations", [], ["a.csv", "leeg"]),
    ("ragged-row", "a.csv", _csv(GOOD + ";extra;meer"), "observations", [],
     ["rij 2", "cellen", "kopregel"]),
    ("bad-tz", "a.csv", _csv(GOOD), "observations", ["--tz", "Mars/Base"],
     ["Tijdzone 'Mars/Base' is onbekend"]),
    ("unsupported-type", "a.pdf", "%PDF-1.4", "observations", [], ["'.pdf'", "CSV, XLSX"]),
    ("hangout-weekdays", "h.csv",
     _csv("Bank;jongeren;vrijdag;21;2;52,4930;4,6770",
          header="naam;groep;dagen;van_uur;tot_uur;lat;lon"),
     "hangouts", [], ["Rij 2", "'dagen' (weekdays)", "geen weekdagen"]),
    ("spot-severity", "m.csv", _csv("zwerfvuil;12-09-2026 09:00;5;52,4930;4,6770",
                                    header="soort;gemeld;ernst;lat;lon"),
     "spots", [], ["Rij 2", "'ernst' (severity)", "groter dan 3"]),
    ("spot-resolved-before", "m.csv",
     _csv("graffiti;12-09-2026 09:00;10-09-2026 09:00;2;52,4930;4,6770",
          header="soort;gemeld;opgelost;ernst;lat;lon"),
     "spots", [], ["Rij 2", "'opgelost' (resolved_at)", "vóór"]),
    ("experiment-dates", "e.csv",
     _csv("Container;experiment;container;01-10-2026;31-09-2026;running;52,4930;4,6770",
          header="naam;stap;object;begindatum;einddatum;status;lat;lon"),
     "experiments", [], ["Rij 2", "'einddatum' (end_date)", "geen bestaande datum"]),
    ("kobo-geolocation-empty", "kobo.csv",
     _csv("2026-09-11T21:30:00+02:00;youth;6;hanging_out;[52.493, 4.677]",
          "2026-09-11T21:40:00+02:00;youth;4;hanging_out;",
          header="tijdstip;groep;aantal;activiteit;_geolocation"),
     "observations", [], ["Rij 3", "kolom 'geometry'", "ontbreekt"]),
]


@pytest.mark.parametrize(("name", "content", "layer", "extra", "fragments"),
                         [case[1:] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_names_row_and_column_and_changes_nothing(
        workspace_copy, tmp_path, capsys, name, content, layer, extra, fragments):
    source = _write(tmp_path, name, content)
    before = fingerprint(workspace_copy)
    assert main(["import", str(source), "--layer", layer, "--db", str(workspace_copy),
                 *extra]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert any(all(fragment in line for fragment in fragments) for line in lines), lines
    assert all(line.startswith("fout: ") for line in lines)
    assert fingerprint(workspace_copy) == before
    assert not storage.list_backups(workspace_copy)


def _plan_problems(workspace, source, layer, **options) -> list[str]:
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(workspace, source, layer, **options)
    return caught.value.problems


def test_xlsx_bad_date_cell_is_named(workspace_copy, tmp_path):
    path = _xlsx(tmp_path, [["tijdstip", "groep", "aantal", "activiteit", "lat", "lon"],
                            ["11-09-2026 21:30", "jongeren", 6, "rondhangen", 52.493, 4.677],
                            ["morgen", "jongeren", 6, "rondhangen", 52.493, 4.677]])
    problems = _plan_problems(workspace_copy, path, s.OBSERVATIONS)
    assert problems == ["Rij 3, kolom 'tijdstip' (observed_at): 'morgen' is geen (bestaand) "
                        "tijdstip. Gebruik dd-mm-jjjj uu:mm of jjjj-mm-ddTuu:mm."]


def test_geojson_with_a_line_for_observations_is_refused(workspace_copy, tmp_path):
    path = _vector(tmp_path, "obs.geojson", {"obs": _geo(
        [Point(4.677, 52.493), LineString([(4.676, 52.493), (4.677, 52.494)])],
        **{k: v * 2 for k, v in OBS_PROPS.items()})})
    problems = _plan_problems(workspace_copy, path, s.OBSERVATIONS)
    assert any(p.startswith("Rij 2, kolom 'geometry'") and "LineString" in p for p in problems)


def test_places_with_a_crossing_outline_and_a_point_are_named(workspace_copy, tmp_path):
    path = _vector(tmp_path, "plekken.gpkg", {"plekken": _geo(
        [SQUARE, BOWTIE, Point(4.677, 52.493)], naam=["Plein", "Strik", "Punt"],
        soort=["square"] * 3)})
    problems = _plan_problems(workspace_copy, path, s.PLACES)
    assert any(p.startswith("Rij 2, kolom 'geometry'") and "geen geldige" in p for p in problems)
    assert any(p.startswith("Rij 3, kolom 'geometry'") and "Point" in p for p in problems)


def test_geopackage_with_several_layers_asks_which(workspace_copy, tmp_path):
    frame = _geo([Point(4.677, 52.493)], **OBS_PROPS)
    path = _vector(tmp_path, "veld.gpkg", {"maandag": frame, "dinsdag": frame})
    (line,) = _plan_problems(workspace_copy, path, s.OBSERVATIONS)
    assert "2 lagen" in line and "maandag" in line and "--source-layer" in line
    (line,) = _plan_problems(workspace_copy, path, s.OBSERVATIONS, source_layer="woensdag")
    assert "'woensdag' bestaat niet" in line
    plan = plan_import(workspace_copy, path, s.OBSERVATIONS, source_layer="dinsdag")
    assert len(plan.rows) == 1


def test_bad_mapping_file_is_reported(tmp_path):
    path = _write(tmp_path, "koppeling.json", "{columns: }")
    with pytest.raises(WerkwijzerError, match=r"koppeling\.json: geen geldige JSON"):
        ImportMapping.from_file(path)
    path = _write(tmp_path, "koppeling.json", json.dumps({"kolommen": {}}))
    with pytest.raises(WerkwijzerError, match="verwacht een object"):
        ImportMapping.from_file(path)


# ---- what must work ----

def _import(workspace, path, layer=s.OBSERVATIONS, **options):
    return run_import(workspace, plan_import(workspace, path, layer, **options))


def test_dutch_excel_csv_cp1252_semicolon_decimal_comma(workspace_copy, tmp_path):
    text = _csv(GOOD.replace("rondhangen", "ontmoeten") + ";café bij de bakker",
                header=HEADER + ";opmerking")
    path = _write(tmp_path, "excel.csv", text.encode("cp1252"))
    plan = _import(workspace_copy, path)
    back = storage.read_layer(workspace_copy, s.OBSERVATIONS)
    assert len(back) == 4 and back[s.ID].tolist() == [1, 2, 3, 4]
    new = back.iloc[-1]
    assert new[s.NOTE] == "café bij de bakker" and new[s.ACTIVITY] == "meeting"
    assert new[s.LOCAL_HOUR] == 21 and new.geometry.y == pytest.approx(52.493)
    assert plan.backup is not None and storage.list_backups(workspace_copy) == [plan.backup]


def test_utf8_bom_comma_and_iso_with_offsets(workspace_copy, tmp_path):
    text = ("observed_at,group,count,activity,latitude,longitude\n"
            "2026-09-11T21:30:00+02:00,youth,6,hanging_out,52.493,4.677\n"
            "2026-09-11T19:45:00Z,professionals,1,passing,52.4931,4.6771\n")
    path = _write(tmp_path, "utf8.csv", b"\xef\xbb\xbf" + text.encode())
    _import(workspace_copy, path)
    back = storage.read_layer(workspace_copy, s.OBSERVATIONS).iloc[-2:]
    assert back[s.LOCAL_HOUR].tolist() == [21, 21]
    assert back[s.GROUP].tolist() == ["youth", "professionals"]


def test_xlsx_with_date_cells_and_serial_numbers(workspace_copy, tmp_path):
    import datetime as dt

    path = _xlsx(tmp_path, [["Tijdstip", "Groep", "Aantal", "Activiteit", "Lat", "Lon"],
                            [dt.datetime(2026, 9, 11, 21, 30), "Ouderen", 3, "Ontmoeten",
                             52.493, 4.677],
                            [46276.875, "kinderen", 4, "spelen", 52.493, 4.677]])
    _import(workspace_copy, path)
    back = storage.read_layer(workspace_copy, s.OBSERVATIONS).iloc[-2:]
    assert back[s.GROUP].tolist() == ["elderly", "children"]
    assert [t.strftime("%d-%m-%Y %H:%M") for t in back[s.OBSERVED_AT]] == [
        "11-09-2026 21:30", "11-09-2026 21:00"]


def test_rd_new_coordinates_are_detected(workspace_copy, tmp_path):
    text = _csv("11-09-2026 21:30;jongeren;6;rondhangen;106763;500841",
                header="tijdstip;groep;aantal;activiteit;x;y")
    _import(workspace_copy, _write(tmp_path, "rd.csv", text))
    point = storage.read_layer(workspace_copy, s.OBSERVATIONS).geometry.iloc[-1]
    assert point.x == pytest.approx(4.677, abs=0.001) and point.y == pytest.approx(52.493,
                                                                                   abs=0.001)


def test_rd_new_row_without_x_is_named_as_having_no_place(workspace_copy, tmp_path):
    # pyproj turns a missing coordinate into infinity; the row must say it has no place.
    text = _csv("11-09-2026 21:30;jongeren;6;rondhangen;106763;500841",
                "11-09-2026 21:40;jongeren;6;rondhangen;;500841",
                header="tijdstip;groep;aantal;activiteit;x;y")
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(workspace_copy, _write(tmp_path, "rd.csv", text), s.OBSERVATIONS)
    (line,) = caught.value.problems
    assert line.startswith("Rij 3, kolom 'geometry'") and "ontbreekt" in line


def test_kobo_export_with_field_latitude_and_longitude(workspace_copy, tmp_path):
    text = ("start;groep;aantal;activiteit;_plek_latitude;_plek_longitude;_uuid\n"
            "2026-09-11T21:30:00.000+02:00;youth;6;hanging_out;52.493;4.677;a1b2\n")
    plan = plan_import(workspace_copy, _write(tmp_path, "kobo.csv", text), s.OBSERVATIONS)
    assert plan.mapping.columns["lat"] == "_plek_latitude"
    assert plan.rows.geometry.iloc[0].x == pytest.approx(4.677)


def test_us_dates_with_am_pm_in_their_own_zone(workspace_copy, tmp_path):
    text = _csv("09/11/2026 03:30:00 PM;youth;6;hanging_out;52.493;4.677",
                "09/13/2026 09:15:00 AM;youth;6;hanging_out;52.493;4.677",
                header="time;group;count;activity;lat;lon").replace(";", ",")
    plan = plan_import(workspace_copy, _write(tmp_path, "us.csv", text), s.OBSERVATIONS,
                       mapping=ImportMapping(tz="America/New_York"))
    utc = plan.rows[s.OBSERVED_AT].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert utc == ["2026-09-11 19:30", "2026-09-13 13:15"]


def test_dry_run_writes_nothing_and_mapping_round_trips(workspace_copy, tmp_path, capsys):
    path = _write(tmp_path, "a.csv", _csv(GOOD.replace("jongeren", "JONGEREN (12-18)")))
    saved = tmp_path / "koppeling.json"
    before = fingerprint(workspace_copy)
    args = ["import", str(path), "--layer", "observations", "--db", str(workspace_copy),
            "--values", 'group:"JONGEREN (12-18)"=youth', "--save-mapping", str(saved)]
    assert main([*args, "--dry-run"]) == 0
    assert "Proef, niets opgeslagen: 1 rijen" in capsys.readouterr().out
    assert fingerprint(workspace_copy) == before
    reused = ImportMapping.from_file(saved)
    assert reused.values == {"group": {"JONGEREN (12-18)": "youth"}}
    assert main(["import", str(path), "--layer", "observations", "--db", str(workspace_copy),
                 "--mapping", str(saved)]) == 0
    assert len(storage.read_layer(workspace_copy, s.OBSERVATIONS)) == 4


def test_personal_data_in_notes_is_warned_about(workspace_copy, tmp_path):
    rows = [GOOD + ";bel 06-12345678", GOOD + ";mail jan@example.nl", GOOD + ";woont 1941 AB 12",
            GOOD + ";niets bijzonders"]
    plan = plan_import(workspace_copy, _write(tmp_path, "a.csv", _csv(
        *rows, header=HEADER + ";notitie")), s.OBSERVATIONS)
    assert [w.split(":")[0] for w in plan.warnings] == [
        "Rij 2, kolom 'note'", "Rij 3, kolom 'note'", "Rij 4, kolom 'note'"]
    assert "telefoonnummer" in plan.warnings[0] and "e-mailadres" in plan.warnings[1]
    assert "postcode met huisnummer" in plan.warnings[2]


def test_backup_and_restore(workspace_copy, tmp_path):
    plan = _import(workspace_copy, _write(tmp_path, "a.csv", _csv(GOOD, GOOD)))
    assert len(storage.read_layer(workspace_copy, s.OBSERVATIONS)) == 5
    storage.restore_backup(workspace_copy, plan.backup)
    assert len(storage.read_layer(workspace_copy, s.OBSERVATIONS)) == 3
    newest = storage.list_backups(workspace_copy)[0]
    assert "voor-terugzetten" in newest.name
    assert len(storage.read_layer(newest, s.OBSERVATIONS)) == 5
    if not is_database(workspace_copy):
        with contextlib.closing(sqlite3.connect(workspace_copy)) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    not_a_workspace = _write(tmp_path, "x.gpkg", b"nee")
    with pytest.raises(WerkwijzerError, match="geen leesbare GeoPackage"):
        storage.restore_backup(workspace_copy, not_a_workspace)
    assert len(storage.read_layer(workspace_copy, s.OBSERVATIONS)) == 3


BOSTON = SHARED / "boston_311_graffiti_litter_2015" / \
    "boston_311_graffiti_litter_dumping_2015-05_06.csv"
SEATTLE = SHARED / "seattle_public_life" / "staying_2020_2023.csv"


@pytest.mark.skipif(not BOSTON.exists(), reason="shared/data not beside the project")
def test_boston_311_as_spots_with_the_documented_mapping(make_location):
    path = make_location("boston")
    assert main(["init", "--db", str(path), "--tz", "America/New_York"]) == 0
    assert main(["import", str(BOSTON), "--layer", "spots", "--db", str(path), "--mapping",
                 str(ROOT / "docs" / "examples" / "boston_311_spots.json")]) == 0
    spots = storage.read_layer(path, s.SPOTS)
    assert len(spots) == 1768
    assert spots[s.KIND].value_counts().to_dict() == {"graffiti": 1264, "litter": 504}
    first = spots.iloc[0]
    assert first[s.REPORTED_AT].strftime("%d-%m-%Y %H:%M:%S") == "01-05-2015 06:43:31"
    assert spots[s.RESOLVED_AT].isna().sum() == 60  # the open cases


@pytest.mark.skipif(not SEATTLE.exists(), reason="shared/data not beside the project")
def test_seattle_staying_as_observations_with_the_documented_mapping(make_location):
    path = make_location("seattle")
    assert main(["init", "--db", str(path), "--tz", "America/Los_Angeles"]) == 0
    assert main(["import", str(SEATTLE), "--layer", "observations", "--db", str(path),
                 "--mapping", str(ROOT / "docs" / "examples" / "seattle_staying.json")]) == 0
    obs = storage.read_layer(path, s.OBSERVATIONS)
    assert len(obs) == 6246
    assert obs[s.GROUP].value_counts().to_dict() == {"adults": 4751, "youth": 799,
                                                    "elderly": 534, "children": 162}
    assert obs[s.OBSERVED_AT].iloc[0].strftime("%d-%m-%Y %H:%M") == "02-10-2020 12:18"
    assert obs[s.LOCAL_HOUR].min() >= 8 and obs[s.LOCAL_HOUR].max() <= 22


STORY_HEADER = "datum;bron;thema's;waardering;verhaal;lat;lon"


def test_stories_with_themes_come_in_from_a_team_spreadsheet(workspace_copy, tmp_path):
    text = _csv('02-10-2026;bewoner;"Overlast, geluid";-1;Te laat herrie bij de bankjes;'
                '52,4930;4,6770',
                '05-10-2026;jongere;"ontmoeting; Plek voor jongeren ";1;We willen een eigen plek;;',
                "06-10-2026;ondernemer;;0;Weinig klanten na 18 uur;52,4931;4,6771",
                header=STORY_HEADER)
    plan = _import(workspace_copy, _write(tmp_path, "verhalen.csv", text), s.STORIES)
    assert plan.warnings == []
    back = storage.read_layer(workspace_copy, s.STORIES)
    assert back[s.SOURCE].tolist() == ["resident", "youth", "entrepreneur"]
    # Themes stored as Invoer stores them: trimmed, lower case, each once, joined by ", ".
    assert back[s.THEMES].tolist() == ["overlast, geluid", "ontmoeting, plek voor jongeren",
                                       None]
    assert back.geometry.isna().tolist() == [False, True, False]  # a story may have no place
    assert back[s.DATE].dt.strftime("%d-%m-%Y").tolist() == ["02-10-2026", "05-10-2026",
                                                             "06-10-2026"]


def test_a_story_told_by_a_named_person_is_refused_and_nothing_is_written(workspace_copy,
                                                                          tmp_path):
    text = _csv("02-10-2026;bewoner;overlast;-1;Herrie;52,4930;4,6770",
                "03-10-2026;Jan de Vries;overlast;-1;Herrie;52,4930;4,6770",
                header=STORY_HEADER)
    with pytest.raises(WerkwijzerError) as refused:
        _import(workspace_copy, _write(tmp_path, "verhalen.csv", text), s.STORIES)
    message = str(refused.value)  # the name is only echoed back, never stored
    assert "Rij 3, kolom 'bron'" in message and "geen bekende waarde" in message
    assert storage.read_layer(workspace_copy, s.STORIES).empty


def test_a_phone_number_in_a_story_or_its_themes_is_warned_about(workspace_copy, tmp_path):
    text = _csv("02-10-2026;bewoner;overlast;-1;Bel haar op 06-12345678;52,4930;4,6770",
                '03-10-2026;bewoner;"overlast, jan@example.nl";-1;Herrie;52,4930;4,6770',
                header=STORY_HEADER)
    plan = plan_import(workspace_copy, _write(tmp_path, "verhalen.csv", text), s.STORIES)
    assert [w.split(":")[0] for w in plan.warnings] == ["Rij 3, kolom 'themes'",
                                                        "Rij 2, kolom 'text'"] or [
        w.split(":")[0] for w in plan.warnings] == ["Rij 2, kolom 'text'",
                                                   "Rij 3, kolom 'themes'"]
