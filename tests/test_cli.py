from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from werkwijzer_geo import schema as s
from werkwijzer_geo.cli import main
from werkwijzer_geo.io import storage

ROOT = Path(__file__).resolve().parent.parent
SHARED_BEVERWIJK = ROOT.parent / "shared" / "data" / "gemeentegrens_beverwijk_heemskerk" / \
    "Beverwijk.geojson"


def test_init_makes_an_empty_workspace_with_its_zone(tmp_path, capsys):
    path = tmp_path / "team.gpkg"
    assert main(["init", "--db", str(path), "--tz", "Europe/Brussels"]) == 0
    assert "Werkruimte gemaakt" in capsys.readouterr().out
    assert storage.get_workspace_info(path).tz == "Europe/Brussels"
    # The name the app shows: the workspace's own, or the one given.
    assert storage.get_workspace_info(path).name == "team"
    assert main(["init", "--db", str(tmp_path / "b.gpkg"), "--name", "Wijk Noord"]) == 0
    assert storage.get_workspace_info(tmp_path / "b.gpkg").name == "Wijk Noord"


def test_init_takes_a_boundary_file(tmp_path):
    outline = tmp_path / "grens.geojson"
    outline.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"naam": "Mijn buurt"},
        "geometry": {"type": "Polygon", "coordinates": [[[4.67, 52.49], [4.68, 52.49],
                                                         [4.68, 52.50], [4.67, 52.49]]]}}]}))
    path = tmp_path / "team.gpkg"
    assert main(["init", "--db", str(path), "--boundary", str(outline)]) == 0
    assert storage.read_layer(path, s.BOUNDARY)[s.NAME].tolist() == ["Mijn buurt"]
    assert storage.get_workspace_info(path).name == "Mijn buurt"  # the outline's name


@pytest.mark.skipif(not SHARED_BEVERWIJK.exists(), reason="shared/data not beside the project")
def test_init_with_a_real_municipal_outline(tmp_path):
    path = tmp_path / "beverwijk.gpkg"
    assert main(["init", "--db", str(path), "--boundary", str(SHARED_BEVERWIJK)]) == 0
    assert len(storage.read_layer(path, s.BOUNDARY)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "--tz", "Mars/Base"], "Tijdzone 'Mars/Base' is onbekend"),
        (["init", "--boundary", "/nergens/grens.geojson"], "buurtgrens niet te lezen"),
        (["demo", "--observations", "0"], "--observations moet 1 of meer zijn"),
    ],
)
def test_bad_input_exits_2_with_a_dutch_line_and_writes_nothing(tmp_path, capsys, args, message):
    path = tmp_path / "x.gpkg"
    assert main([*args, "--db", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert not path.exists()


def test_existing_workspace_is_never_overwritten(tmp_path, capsys):
    path = tmp_path / "x.gpkg"
    assert main(["demo", "--db", str(path)]) == 0
    before = path.read_bytes()
    assert main(["demo", "--db", str(path)]) == 2
    assert "bestaat al" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_module_entry_point_runs_as_documented(tmp_path):
    path = tmp_path / "demo.gpkg"
    result = subprocess.run([sys.executable, "-m", "werkwijzer_geo", "demo", "--db", str(path),
                             "--observations", "2000"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(storage.read_layer(path, s.OBSERVATIONS)) == 2000
