"""Metres that are right where the neighbourhood lies: RD New in the Netherlands, the UTM
zone elsewhere (Boston, Seattle), for grids, distances and printed maps."""

from __future__ import annotations

import itertools

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis.aggregate import aggregate_to_grid
from werkwijzer_geo.io import storage
from werkwijzer_geo.io.importer import plan_import
from werkwijzer_geo.metric import choose_metric_crs
from werkwijzer_geo.render import export as ex
from werkwijzer_geo.timefilter import TimeFilter

BOSTON = (-71.0589, 42.3601)
SEATTLE = (-122.3321, 47.6062)
BEVERWIJK = (4.677, 52.493)
GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize(("where", "crs"), [(BEVERWIJK, "EPSG:28992"),
                                            (BOSTON, "EPSG:32619"), (SEATTLE, "EPSG:32610")])
def test_the_metric_crs_fits_the_place(where, crs):
    assert choose_metric_crs([gpd.GeoSeries([Point(*where)], crs=s.STORAGE_CRS)]) == crs


def _boston_workspace(tmp_path, *, with_boundary: bool):
    lon, lat = BOSTON
    boundary = gpd.GeoDataFrame({s.NAME: ["Downtown"]}, geometry=[
        box(lon - 0.005, lat - 0.004, lon + 0.005, lat + 0.004)], crs=s.STORAGE_CRS)
    path = tmp_path / "boston.gpkg"
    storage.create_workspace(path, tz="America/New_York",
                             boundary=boundary if with_boundary else None)
    spots = gpd.GeoDataFrame({
        s.KIND: ["graffiti", "litter", "graffiti"],
        s.REPORTED_AT: pd.to_datetime(["2026-05-01 10:00"] * 3).tz_localize("America/New_York"),
        s.SEVERITY: [2, 2, 2]},
        geometry=[Point(lon, lat), Point(lon + 0.001, lat), Point(lon, lat + 0.001)],
        crs=s.STORAGE_CRS)
    storage.append_rows(path, s.SPOTS, spots)
    return path


def test_a_workspace_outside_the_netherlands_keeps_its_utm_zone(tmp_path):
    path = _boston_workspace(tmp_path, with_boundary=True)
    assert storage.get_workspace_info(path).metric_crs == "EPSG:32619"
    spots = storage.read_layer(path, s.SPOTS)
    assert spots.attrs["metric_crs"] == "EPSG:32619"


def test_grid_cells_are_fifty_true_metres_in_boston(tmp_path):
    observations = storage.read_layer(_boston_workspace(tmp_path, with_boundary=False),
                                      s.SPOTS).assign(**{s.GROUP: "youth", s.COUNT: 5})
    cell = aggregate_to_grid(observations.rename(columns={s.REPORTED_AT: s.OBSERVED_AT}))
    corners = list(cell.geometry.iloc[0].exterior.coords)
    for (lon1, lat1), (lon2, lat2) in itertools.pairwise(corners):
        assert GEOD.inv(lon1, lat1, lon2, lat2)[2] == pytest.approx(50, abs=0.5)


def test_distance_outside_a_boundary_in_boston_is_in_true_metres(tmp_path):
    path = _boston_workspace(tmp_path, with_boundary=True)
    lon, lat = BOSTON
    east_edge = lon + 0.005
    near = east_edge + 0.0005  # about 41 m east of the outline
    far = east_edge + 0.02  # about 1.6 km
    source = tmp_path / "calls.csv"
    source.write_text("kind,reported_at,severity,lat,lon\n"
                      f"graffiti,2026-05-02 10:00,2,{lat},{near}\n"
                      f"graffiti,2026-05-02 11:00,2,{lat},{far}\n", encoding="utf-8")
    with pytest.raises(WerkwijzerError) as raised:
        plan_import(path, source, s.SPOTS)
    assert [line for line in raised.value.problems if "buiten de buurtgrens" in line] == [
        "Rij 3, kolom 'geometry': ligt 1,6 km buiten de buurtgrens. Controleer de coördinaten "
        "(of de werkruimte)."]


@pytest.mark.parametrize("fmt", ["png", "pdf"])
@pytest.mark.parametrize("with_boundary", [True, False], ids=["outline", "no-outline"])
def test_boston_exports_png_and_pdf(tmp_path, fmt, with_boundary):
    path = _boston_workspace(tmp_path, with_boundary=with_boundary)
    made = ex.export_snapshot(path, ex.Snapshot((s.SPOTS,), TimeFilter()), fmt,
                              tmp_path / f"boston.{fmt}")
    assert made.stat().st_size > 10_000


def test_a_map_with_nothing_on_it_says_so(tmp_path):
    path = tmp_path / "leeg.gpkg"
    storage.create_workspace(path, tz="America/New_York")
    with pytest.raises(WerkwijzerError, match="Er staat niets op deze kaart"):
        ex.export_snapshot(path, ex.Snapshot((s.SPOTS,), TimeFilter()), "png",
                           tmp_path / "leeg.png")
    assert not list(tmp_path.glob("leeg.png*"))
