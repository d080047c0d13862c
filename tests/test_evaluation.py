"""The pattern finder judged on neighbourhoods no threshold was chosen on."""

from __future__ import annotations

import json

from werkwijzer_geo.analysis import evaluation as ev
from werkwijzer_geo.cli import main


def test_worlds_vary_what_real_files_vary():
    variants = [ev._variant(seed) for seed in ev.HELD_OUT_SEEDS]
    for key in ("drawn", "per_person", "busy_street"):
        assert {v[key] for v in variants} == {True, False}, key
    assert {v["centre"] for v in variants} == {"Beverwijk", "Boston"}
    boston = ev.make_world(101)
    assert boston.crs == "EPSG:32619"
    rounds = boston.layers["rounds"]
    minutes = (rounds["ended_at"] - rounds["started_at"]).dt.total_seconds() / 60
    assert minutes.min() < 30 and minutes.max() > 180  # rounds of minutes to hours


def test_held_out_seeds_recall_and_precision(tmp_path, capsys):
    out = tmp_path / "evaluatie.json"
    assert main(["evaluate-patterns", "--seeds", "100-119", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["worlds"] == 20 and result["planted"] > 60
    assert result["recall"] >= 0.95, result["worst"]
    assert result["precision"] >= 0.90, result["worst"]
    assert result["hour_accuracy"] >= 0.85
    assert "recall" in capsys.readouterr().out
