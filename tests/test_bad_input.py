"""Input an attacker (or a broken export) would bring: a Dutch message and exit 2 within
seconds, nothing stored."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from werkwijzer_geo import schema as s
from werkwijzer_geo.cli import main
from werkwijzer_geo.demo import read_demo_boundary
from werkwijzer_geo.io import storage

ROOT = Path(__file__).resolve().parent.parent
HEADER = "tijdstip;groep;aantal;activiteit;lat;lon"


@pytest.fixture
def outlined(tmp_path) -> Path:
    path = tmp_path / "buurt.gpkg"
    storage.create_workspace(path, boundary=read_demo_boundary())
    return path


def _import(outlined: Path, source: Path, capsys, *extra: str) -> tuple[int, str, float]:
    started = time.monotonic()
    status = main(["import", str(source), "--layer", "observations", "--db", str(outlined),
                   *extra])
    seconds = time.monotonic() - started
    return status, capsys.readouterr().err, seconds


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _assert_refused(outlined: Path, status: int, err: str, seconds: float, *words: str):
    assert status == 2, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    assert seconds < 20
    assert storage.read_layer(outlined, s.OBSERVATIONS).empty


def test_a_png_renamed_xlsx(outlined, tmp_path, capsys):
    source = tmp_path / "foto.xlsx"
    source.write_bytes((ROOT / "docs" / "screenshots" / "kaart.png").read_bytes())
    _assert_refused(outlined, *_import(outlined, source, capsys), "geen Excel-bestand")


def test_an_xlsx_zip_bomb(outlined, tmp_path, capsys):
    source = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(source, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (400 * 1024 * 1024))
    assert source.stat().st_size < 2 * 1024 * 1024
    _assert_refused(outlined, *_import(outlined, source, capsys), "pakt uit tot 400 MB")


def test_a_csv_of_one_long_line_and_a_file_over_the_limit(outlined, tmp_path, capsys):
    source = tmp_path / "lang.csv"
    source.write_text(HEADER + ';notitie\n11-09-2026 21:30;jongeren;3;rondhangen;52,49;4,67;"'
                      + "a" * (45 * 1024 * 1024), encoding="utf-8")
    _assert_refused(outlined, *_import(outlined, source, capsys), "rij 2", "100.000 tekens")
    big = tmp_path / "groot.csv"
    big.write_bytes(b"a;b\n" + b"1;2\n" * (13 * 1024 * 1024 + 10))
    _assert_refused(outlined, *_import(outlined, big, capsys), "tot 50 MB")


@pytest.mark.parametrize(("count", "shown"), [("1e20", "groter dan 1.000"),
                                              ("1000000000000", "groter dan 1.000"),
                                              ("1001", "groter dan 1.000")])
def test_counts_beyond_what_a_team_can_see(outlined, tmp_path, capsys, count, shown):
    source = _csv(tmp_path, f"11-09-2026 21:30;jongeren;{count};rondhangen;52,4930;4,6770")
    _assert_refused(outlined, *_import(outlined, source, capsys), "Rij 2", "aantal", shown)


def test_ids_too_large_for_sqlite(outlined, tmp_path, capsys):
    source = _csv(tmp_path, "99999999999999999999999;11-09-2026 21:30;jongeren;3;rondhangen;"
                  "52,4930;4,6770", header="id;" + HEADER)
    _assert_refused(outlined, *_import(outlined, source, capsys), "Rij 2", "'id'",
                    "groter dan 9.007.199.254.740.992")


@pytest.mark.parametrize("year", ["1600", "9999"])
def test_dates_centuries_away(outlined, tmp_path, capsys, year):
    source = _csv(tmp_path, f"11-09-{year} 21:30;jongeren;3;rondhangen;52,4930;4,6770")
    _assert_refused(outlined, *_import(outlined, source, capsys), "Rij 2", "tijdstip")


@pytest.mark.parametrize(("mapping", "words"), [
    ("{not json", ["geen geldige JSON"]),
    ('{"columns": {"observed_at": {"nested": "x"}}}', ["objecten van tekst naar tekst"]),
    ('{"columns": ["tijdstip"]}', ["objecten van tekst naar tekst"]),
    ('{"values": {"group": {"jongeren": ["youth"]}}}', ["objecten van tekst naar tekst"]),
    ('{"tz": ["Europe/Amsterdam"]}', ["'tz' is één tekst"]),
    ('{"date_format": "jjjj-mm-dd"}', ["bestaat niet"]),
    ('["columns"]', ["verwacht een object"]),
])
def test_malformed_or_nested_mapping_files(outlined, tmp_path, capsys, mapping, words):
    mapping_file = tmp_path / "koppeling.json"
    mapping_file.write_text(mapping, encoding="utf-8")
    source = _csv(tmp_path, "11-09-2026 21:30;jongeren;3;rondhangen;52,4930;4,6770")
    _assert_refused(outlined, *_import(outlined, source, capsys, "--mapping", str(mapping_file)),
                    *words)


def test_imports_saves_exports_restores_and_refusals_are_logged_without_texts(
        outlined, tmp_path, capsys, log_file):
    source = _csv(tmp_path, "11-09-2026 21:30;jongeren;3;rondhangen;52,4930;4,6770",
                  header=HEADER + ";notitie")
    source.write_text(source.read_text().replace("4,6770\n", "4,6770;Geheime notitie 06-12\n"),
                      encoding="utf-8")
    assert main(["import", str(source), "--layer", "observations", "--db", str(outlined)]) == 0
    bad = _csv(tmp_path, "11-09-2026 21:30;jongeren;99999;Geheim woord;52,4930;4,6770",
               name="fout.csv")
    assert main(["import", str(bad), "--layer", "observations", "--db", str(outlined)]) == 2
    out = tmp_path / "export.csv"
    assert main(["export", "--db", str(outlined), "--layers", "observations", "--format", "csv",
                 "--out", str(out)]) == 0
    (backup,) = storage.list_backups(outlined)
    storage.restore_backup(outlined, backup)
    log = log_file.read_text(encoding="utf-8")
    assert f"geïmporteerd: 1 rijen uit in.csv naar laag observations van {outlined}" in log
    assert f"opgeslagen: {outlined}, laag observations, 1 rijen toegevoegd" in log
    assert "geweigerd: import met" in log
    assert f"geëxporteerd: {outlined} als csv (niet openbaar, lagen observations" in log
    assert f"teruggezet: {outlined} uit {backup.name}" in log
    assert "Geheim" not in log


def test_problems_are_data_with_row_column_and_code(outlined, tmp_path):
    from werkwijzer_geo import WerkwijzerError
    from werkwijzer_geo import _errors as pc
    from werkwijzer_geo.io.importer import plan_import

    source = _csv(tmp_path, "11-09-2026 21:30;jongeren;5000;rondhangen;52,4930;4,6770",
                  "31-02-2026 21:30;jongeren;3;rondhangen;52,4930;4,6770",
                  "11-09-2026 21:30;;3;rondhangen;52,4930;4,6770",
                  "11-09-2026 21:30;jongeren;3;vliegeren;52,4930;4,6770")
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(outlined, source, s.OBSERVATIONS)
    found = {(p.row, p.column, p.code) for p in caught.value.details}
    assert found == {(2, "count", pc.TOO_LARGE), (3, "observed_at", pc.BAD_DATE),
                     (4, "group", pc.EMPTY), (5, "activity", pc.UNKNOWN_VALUE)}
    # Every line names the file's own column, once per cell.
    lines = caught.value.problems
    assert "Rij 2, kolom 'aantal' (count): '5000' is groter dan 1.000. Vul 1.000 of minder " \
           "in." in lines
    assert len(lines) == 4


def test_words_teams_type_are_understood_and_a_typo_gets_the_nearest_code(outlined, tmp_path):
    from werkwijzer_geo import WerkwijzerError
    from werkwijzer_geo.io.importer import plan_import

    rows = [f"11-09-2026 21:30;{group};3;{activity};52,4930;4,6770" for group, activity in
            [("jongens", "hangen"), ("ouderen", "chillen"), ("Meiden", "voetballen")]]
    plan = plan_import(outlined, _csv(tmp_path, *rows), s.OBSERVATIONS)
    assert plan.rows[s.GROUP].tolist() == ["youth", "elderly", "youth"]
    assert plan.rows[s.ACTIVITY].tolist() == ["hanging_out", "hanging_out", "sports"]
    typo = _csv(tmp_path, "11-09-2026 21:30;jongeren;3;rondhangne;52,4930;4,6770",
                name="typo.csv")
    with pytest.raises(WerkwijzerError) as caught:
        plan_import(outlined, typo, s.OBSERVATIONS)
    (line,) = caught.value.problems
    assert "Bedoel je 'rondhangen' (hanging_out)?" in line
    assert '--values activity:"rondhangne"=hanging_out' in line


@pytest.mark.parametrize("command", [
    ["patterns", "--db", "{db}"],
    ["export", "--db", "{db}", "--layers", "spots", "--format", "csv", "--out", "{out}"],
    ["evaluate-patterns", "--seeds", "x-y"],
])
def test_a_missing_workspace_or_bad_option_is_a_dutch_line_not_a_traceback(
        tmp_path, capsys, command):
    args = [part.format(db=tmp_path / "bestaat-niet.gpkg", out=tmp_path / "x.csv")
            for part in command]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("fout: ") and "Traceback" not in err
    assert not (tmp_path / "bestaat-niet.gpkg").exists()
