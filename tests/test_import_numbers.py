"""Numbers as the file writes them: '1.000' is a thousand in a Dutch file, a question in an
English one; a NUL character is taken out with a warning, never a text cut short."""

from __future__ import annotations

import pandas as pd
import pytest

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.io import storage
from werkwijzer_geo.io.importer import plan_import, run_import
from werkwijzer_geo.io.parsing import to_numbers


@pytest.mark.parametrize(("cells", "dutch", "expected"), [
    (["1.000", "7"], True, [1000, 7]),
    (["1.000,5", "2,5"], True, [1000.5, 2.5]),
    (["1.000.000"], False, [1_000_000]),
    (["1,000", "2.5"], False, [1000, 2.5]),  # the point shows the decimals: comma groups
    (["2,5", "1.000"], False, [2.5, 1000]),  # the comma shows the decimals: point groups
    (["52.4912", "4,67"], True, [52.4912, 4.67]),
])
def test_numbers_follow_the_columns_decimal_mark(cells, dutch, expected):
    numbers, problems = to_numbers(pd.Series(cells, dtype=object), dutch=dutch)
    assert not problems
    assert numbers.tolist() == expected


def test_an_ambiguous_thousand_in_an_english_file_is_a_problem_not_a_guess():
    numbers, problems = to_numbers(pd.Series(["1.000", "7", "1,000"], dtype=object),
                                   dutch=False)
    assert [position for position, _ in problems] == [0, 2]
    assert "kan één of duizend betekenen" in problems[0][1]
    assert numbers.isna().tolist() == [True, False, True]


def test_a_dutch_file_imports_a_thousand_people(workspace, tmp_path):
    source = tmp_path / "telling.csv"
    source.write_text("tijdstip;groep;aantal;activiteit;lat;lon\n"
                      "11-09-2026 21:30;volwassenen;1.000;passeren;52,4930;4,6770\n"
                      "11-09-2026 22:30;jongeren;7;rondhangen;52,4931;4,6771\n",
                      encoding="utf-8")
    run_import(workspace, plan_import(workspace, source, s.OBSERVATIONS))
    assert storage.read_layer(workspace, s.OBSERVATIONS)[s.COUNT].tolist() == [1000, 7]


def test_an_english_file_with_1_000_is_refused_by_row_and_column(workspace, tmp_path):
    source = tmp_path / "counts.csv"
    source.write_text("time,group,count,activity,lat,lon\n"
                      "2026-09-11 21:30,adults,12,passing,52.4930,4.6770\n"
                      "2026-09-11 22:30,adults,1.000,passing,52.4931,4.6771\n",
                      encoding="utf-8")
    before = workspace.read_bytes()
    with pytest.raises(WerkwijzerError) as raised:
        plan_import(workspace, source, s.OBSERVATIONS)
    assert raised.value.problems[0].startswith(
        "Rij 3, kolom 'count': '1.000' kan één of duizend betekenen")
    assert workspace.read_bytes() == before


def test_a_nul_character_is_removed_with_a_warning_and_the_rest_kept(workspace, tmp_path):
    source = tmp_path / "telling.csv"
    source.write_text("tijdstip;groep;aantal;activiteit;lat;lon;opmerking\n"
                      "11-09-2026 21:30;jongeren;6;rondhangen;52,4930;4,6770;bij de\x00 bankjes\n",
                      encoding="utf-8")
    plan = plan_import(workspace, source, s.OBSERVATIONS)
    assert plan.warnings == ["Rij 2, kolom 'opmerking': bevatte een onzichtbaar NUL-teken "
                             "(vaak uit een beschadigd bestand). Dat is weggehaald; controleer "
                             "de tekst."]
    run_import(workspace, plan)
    assert storage.read_layer(workspace, s.OBSERVATIONS)[s.NOTE].tolist() == ["bij de bankjes"]
