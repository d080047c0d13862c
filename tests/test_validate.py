from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from builders import Obs, make_observations
from shapely.geometry import LineString, Point, Polygon

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.validate import MAX_MESSAGES, validate_layer


def _problems(layer: str, frame) -> list[str]:
    with pytest.raises(WerkwijzerError) as caught:
        validate_layer(layer, frame)
    return caught.value.problems


def test_valid_observations_come_back_canonical():
    checked = validate_layer(s.OBSERVATIONS, make_observations([Obs(), Obs(group="children")]))
    assert list(checked.columns) == [*s.LAYERS[s.OBSERVATIONS].column_names, "geometry"]
    assert str(checked[s.OBSERVED_AT].dt.tz) == "UTC"
    assert checked[s.OBSERVED_AT].iloc[0] == pd.Timestamp("2026-09-11T19:30:00Z")
    assert checked.crs.equals(s.STORAGE_CRS)


@pytest.mark.parametrize(
    ("change", "row", "column", "words"),
    [
        ({s.COUNT: 0}, 3, "count", "kleiner dan 1"),
        ({s.COUNT: "veel"}, 3, "count", "geen getal"),
        ({s.COUNT: 2.5}, 3, "count", "geen heel getal"),
        ({s.GROUP: "hangjongeren"}, 3, "group", "geen bekende code"),
        ({s.GROUP: None}, 3, "group", "is leeg"),
        ({s.ACTIVITY: "chillen"}, 3, "activity", "geen bekende code"),
        ({s.ROLE: "boa"}, 3, "role", "geen professionals"),
        ({s.OBSERVED_AT: "gisteren"}, 3, "observed_at", "geen tijdstip"),
        ({s.OBSERVED_AT: "2026-09-11 21:30"}, 3, "observed_at", "geen tijdstip met tijdzone"),
        ({s.ID: 1}, 2, "id", "komt vaker voor"),
    ],
)
def test_each_bad_value_is_named_by_row_and_column(change, row, column, words):
    frame = make_observations([Obs(), Obs()])
    for name, value in change.items():
        frame[name] = frame[name].astype(object)
        frame.loc[1, name] = value
    problems = _problems(s.OBSERVATIONS, frame)
    assert any(f"Rij {row}, kolom '{column}'" in line and words in line for line in problems), \
        problems


def test_all_problems_are_gathered_before_raising():
    frame = make_observations([Obs(count=0), Obs(group="x"), Obs(activity="y")])
    problems = _problems(s.OBSERVATIONS, frame)
    assert [line.split(":")[0] for line in problems] == [
        "Rij 3, kolom 'group' (groep)", "Rij 2, kolom 'count' (aantal)",
        "Rij 4, kolom 'activity' (activiteit)"]


def test_naive_timestamps_are_refused_with_advice():
    frame = make_observations([Obs()])
    frame[s.OBSERVED_AT] = frame[s.OBSERVED_AT].dt.tz_localize(None)
    (line,) = _problems(s.OBSERVATIONS, frame)
    assert line.startswith("Rij 2, kolom 'observed_at'") and "tijdzone" in line


def test_geometry_missing_wrong_type_invalid_and_off_earth():
    bowtie = Polygon([(4.67, 52.49), (4.68, 52.50), (4.68, 52.49), (4.67, 52.50)])
    frame = gpd.GeoDataFrame(
        {s.ID: [1, 2, 3, 4], s.NAME: ["a", "b", "c", "d"], s.KIND: ["square"] * 4},
        geometry=[None, LineString([(4.67, 52.49), (4.68, 52.5)]), bowtie,
                  Polygon([(500, 52), (501, 52), (501, 53)])],
    )
    problems = _problems(s.PLACES, frame)
    assert any(p.startswith("Rij 2, kolom 'geometry'") and "ontbreekt" in p for p in problems)
    assert any(p.startswith("Rij 3, kolom 'geometry'") and "LineString" in p for p in problems)
    assert any(p.startswith("Rij 4, kolom 'geometry'") and "geen geldige" in p for p in problems)
    assert any(p.startswith("Rij 5, kolom 'geometry'") and "buiten de aarde" in p
               for p in problems)


def test_order_of_begin_and_end_is_checked():
    rounds = pd.DataFrame({
        s.ID: [1],
        s.STARTED_AT: [pd.Timestamp("2026-09-11 22:00", tz="Europe/Amsterdam")],
        s.ENDED_AT: [pd.Timestamp("2026-09-11 21:00", tz="Europe/Amsterdam")],
    })
    (line,) = _problems(s.ROUNDS, rounds)
    assert line.startswith("Rij 2, kolom 'ended_at' (einde)") and "vóór 'started_at'" in line


def test_hangout_weekdays_and_hours_are_checked_and_normalised():
    good = gpd.GeoDataFrame(
        {s.ID: [1], s.NAME: ["bank"], s.GROUP: ["youth"], s.WEEKDAYS: ["vr, za"],
         s.START_HOUR: [21], s.END_HOUR: [2]}, geometry=[Point(4.677, 52.493)])
    assert validate_layer(s.HANGOUTS, good)[s.WEEKDAYS].tolist() == ["fri,sat"]
    bad = good.assign(**{s.WEEKDAYS: ["vrijdag"], s.START_HOUR: [24]})
    problems = _problems(s.HANGOUTS, bad)
    assert any("kolom 'weekdays'" in p for p in problems)
    assert any("kolom 'start_hour'" in p and "groter dan 23" in p for p in problems)


def test_missing_required_and_unknown_columns_are_named():
    frame = make_observations([Obs()]).drop(columns=[s.GROUP]).assign(naam=["x"])
    problems = _problems(s.OBSERVATIONS, frame)
    assert any("Kolom 'naam' hoort niet bij laag 'observations'" in p for p in problems)
    assert any("Kolom 'group' (groep) ontbreekt" in p for p in problems)


def test_many_problems_are_capped_with_a_count_of_the_rest():
    frame = make_observations([Obs(count=0)] * (MAX_MESSAGES + 10))
    problems = _problems(s.OBSERVATIONS, frame)
    assert len(problems) == MAX_MESSAGES + 1
    assert problems[-1].startswith("… en nog 10 problemen")


def test_other_crs_is_reprojected_to_wgs84():
    frame = make_observations([Obs()]).to_crs("EPSG:28992")
    checked = validate_layer(s.OBSERVATIONS, frame)
    assert checked.geometry.iloc[0].x == pytest.approx(4.677, abs=1e-7)
