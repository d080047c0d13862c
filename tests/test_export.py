from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile

import pandas as pd
import pyogrio
import pytest
from PIL import Image

from werkwijzer_geo import WerkwijzerError, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.cli import main
from werkwijzer_geo.io import editing, storage
from werkwijzer_geo.render import export as ex
from werkwijzer_geo.render import report as rp
from werkwijzer_geo.timefilter import HourRange, TimeFilter

FRIDAY_EVENING = TimeFilter(hours=HourRange(21, 2), weekdays=frozenset({4, 5}))
FORMULA = "=HYPERLINK(\"http://x\",\"klik\")"


pytestmark = pytest.mark.both_stores


@pytest.fixture
def workspace(demo_path, copy_to_store):
    """The demo with a formula in a note, in this test's kind of store."""
    path = copy_to_store(demo_path)
    first = storage.read_layer(path, s.OBSERVATIONS)[s.ID].iloc[0]
    editing.update_rows(path, s.OBSERVATIONS, pd.DataFrame({s.ID: [first], s.NOTE: [FORMULA]}))
    return path


def _notes(path) -> set[str]:
    layers = storage.read_layers(path)
    found = set()
    for frame in layers.values():
        for column in s.FREE_TEXT_COLUMNS & set(frame.columns):
            found |= {t for t in frame[column].dropna() if isinstance(t, str) and len(t) > 3}
    return found - {"Ondernemers"}  # an owner that is also the name of a group


def _export(workspace, tmp_path, fmt, *, layers=(s.OBSERVATIONS, s.SPOTS, s.EXPERIMENTS),
            public=False):
    return ex.export_snapshot(workspace, ex.Snapshot(tuple(layers), FRIDAY_EVENING, public),
                              fmt, tmp_path / f"out.{fmt}")


def _files(path) -> dict[str, bytes]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as bundle:
            return {name: bundle.read(name) for name in bundle.namelist()}
    return {path.name: path.read_bytes()}


def test_geopackage_has_the_layers_and_snapshot_info(workspace, tmp_path):
    out = _export(workspace, tmp_path, "gpkg")
    listed = {row[0] for row in pyogrio.list_layers(out)}
    assert {s.OBSERVATIONS, s.SPOTS, s.EXPERIMENTS, "snapshot_info"} <= listed
    obs = pyogrio.read_dataframe(out, layer=s.OBSERVATIONS)
    assert len(obs) > 0 and set(obs[s.GROUP]) <= set(s.GROUP_CODES)
    info = pyogrio.read_dataframe(out, layer="snapshot_info").set_index("key")["value"]
    assert info["filter"] == "21:00-02:00, vr, za" and info["public"] == "nee"
    assert info["layers"] == "observations,spots,experiments"
    assert re.fullmatch(r"\d\d-\d\d-\d{4} t/m \d\d-\d\d-\d{4}", info["data_period"])


def test_geojson_one_file_per_layer_zipped(workspace, tmp_path):
    out = _export(workspace, tmp_path, "geojson")
    assert out.suffix == ".zip"
    files = _files(out)
    assert set(files) == {"observations.geojson", "spots.geojson", "experiments.geojson",
                          "snapshot_info.json"}
    data = json.loads(files["observations.geojson"])
    assert data["type"] == "FeatureCollection" and data["features"]
    when = data["features"][0]["properties"][s.OBSERVED_AT]
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", when)
    single = _export(workspace, tmp_path, "geojson", layers=(s.SPOTS,))
    assert single.suffix == ".geojson" and json.loads(single.read_bytes())["features"]


def test_csv_opens_in_dutch_excel_and_runs_no_formula(workspace, tmp_path):
    out = ex.export_snapshot(workspace, ex.Snapshot((s.OBSERVATIONS,), TimeFilter()), "csv",
                             tmp_path / "waarnemingen.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    # For Excel: Dutch column names and labels (codes only when asked for, see below).
    assert {"tijdstip", "groep", "activiteit", "lat", "lon"} <= set(header)
    first = dict(zip(header, rows[1], strict=True))
    assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", first["tijdstip"])
    assert first["groep"] in set(labels.GROUP_LABELS.values())
    assert "," in first["lat"]  # decimal comma
    notes = [dict(zip(header, row, strict=True))["notitie"] for row in rows[1:]]
    assert "'" + FORMULA in notes and FORMULA not in notes
    for cell in (c for row in rows[1:] for c in row):
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
    # With codes kept, the same file imports again as it was.
    coded = ex.export_snapshot(workspace, ex.Snapshot((s.OBSERVATIONS,), TimeFilter(),
                                                      codes=True), "csv", tmp_path / "c.csv")
    header = next(csv.reader(io.StringIO(coded.read_bytes().decode("utf-8-sig")),
                             delimiter=";"))
    assert {"observed_at", "group", "activity"} <= set(header)


@pytest.mark.parametrize("value", ["=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(value):
    assert ex.neutralise_formula(value) == "'" + value
    assert ex.neutralise_formula(-1) == -1  # numbers stay numbers


def test_png_map_opens_as_an_image(workspace, tmp_path):
    out = _export(workspace, tmp_path, "png")
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > 1000 and image.height > 700


@pytest.mark.parametrize("hours", [HourRange(21, 6), HourRange(6, 6)])
def test_png_place_names_cover_no_marker_and_no_other_name(demo_path, hours):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    demo_layers = storage.read_layers(demo_path)
    figure = Figure(figsize=(11.7, 8.3), dpi=150)
    ax = figure.subplots()
    rp.draw_map(ax, demo_layers, ex.Snapshot((s.OBSERVATIONS, s.SPOTS, s.EXPERIMENTS),
                                             TimeFilter(hours=hours)))
    renderer = FigureCanvasAgg(figure).get_renderer()
    markers = rp._marker_boxes(ax, renderer)
    assert len(markers) > 50

    def names() -> list:
        return [text.get_window_extent(renderer) for text in ax.texts
                if text.get_gid() == rp.PLACE_LABEL and text.get_visible()]

    covered_before = sum(any(n.overlaps(m) for m in markers) for n in names())
    assert covered_before > 0  # on their places the names would cover people: the test bites
    assert rp.declutter_labels(figure) == []  # every name found a spot
    boxes = names()
    assert len(boxes) == len(demo_layers[s.PLACES])
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not any(n.overlaps(m) for n in boxes for m in markers)


def test_pdf_report_has_pages_and_dutch_text(workspace, tmp_path):
    out = _export(workspace, tmp_path, "pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 3
    assert b"DejaVu" in data  # a font with Dutch accents and the euro sign embedded


def test_html_map_is_self_contained(workspace, tmp_path):
    out = _export(workspace, tmp_path, "html")
    page = out.read_text()
    assert "<script src=" not in page and 'rel="stylesheet" href=' not in page
    assert "L.geoJSON" in page and "Leaflet" in page and "L.tileLayer(" not in page
    assert "sourceMappingURL" not in page
    # The stacks' plugin and stylesheet are inside the file too, not only the call to them.
    assert "L.MarkerClusterGroup=L.FeatureGroup.extend" in page
    assert ".leaflet-cluster-anim" in page and "L.markerClusterGroup({" in page


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv", "html"])
def test_public_export_holds_no_notes(workspace, tmp_path, fmt):
    layers = (s.OBSERVATIONS, s.HANGOUTS, s.SPOTS, s.EXPERIMENTS, s.PLACES, s.STORIES)
    out = _export(workspace, tmp_path, fmt, layers=layers, public=True)
    notes = _notes(workspace)
    assert FORMULA in notes
    if fmt == "gpkg":
        contents = "".join(pd.DataFrame(pyogrio.read_dataframe(out, layer=name)).astype(str)
                           .to_csv() for name, _ in pyogrio.list_layers(out))
    else:
        contents = "".join(data.decode("utf-8", "replace") for data in _files(out).values())
    leaked = [note for note in notes if note in contents]
    assert not leaked
    for number in re.findall(r"(\d+) personen", contents):
        assert int(number) >= 5


def test_public_pdf_and_png_are_drawn_from_the_public_selection(workspace, tmp_path,
                                                                monkeypatch):
    written: list[str] = []
    original = rp._section
    monkeypatch.setattr(rp, "_section", lambda pdf, title, lines: (
        written.extend(lines), original(pdf, title, lines)))
    _export(workspace, tmp_path, "pdf", public=True)
    notes = _notes(workspace)
    assert written and not [line for line in written for note in notes if note in line]
    assert not any(re.search(r"\d+(-\d+)? (jongeren|ouderen|professionals)", line)
                   for line in written)  # no counts at all in a public report


def test_public_export_refuses_rounds(workspace, tmp_path):
    with pytest.raises(WerkwijzerError, match=r"'rounds' .* gaat niet mee"):
        _export(workspace, tmp_path, "csv", layers=(s.ROUNDS,), public=True)


def test_export_log_says_what_was_exported(workspace, tmp_path, capsys):
    assert main(["export", "--db", str(workspace), "--layers", "spots", "--format", "csv",
                 "--out", str(tmp_path / "m.csv"), "--public", "--weekdays", "fri,sat"]) == 0
    assert "voor bewoners" in capsys.readouterr().out
    log = ex.read_export_log(workspace)
    last = log.iloc[-1]
    assert (last["layers"], last["format"], last["public"], last["file"]) == (
        "spots", "csv", "ja", "m.csv")
    assert last["filter"] == "hele dag, vr, za"
    assert main(["export", "--db", str(workspace), "--layers", "wijken", "--format", "csv",
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "Laag 'wijken' bestaat niet" in capsys.readouterr().err


def test_the_report_names_every_snapshot_key_in_dutch(demo_path):
    from werkwijzer_geo.demo import read_demo_layers
    from werkwijzer_geo.render.export import Snapshot, get_snapshot_info
    from werkwijzer_geo.render.report import SNAPSHOT_INFO_LABELS
    from werkwijzer_geo.timefilter import TimeFilter

    info = get_snapshot_info(demo_path, read_demo_layers(), Snapshot(("spots",), TimeFilter()))
    assert set(info) == set(SNAPSHOT_INFO_LABELS)
    assert all(label != key and "_" not in label for key, label in SNAPSHOT_INFO_LABELS.items())


def test_the_pdf_shows_the_map_on_its_first_page_inside_the_margins(demo_path, tmp_path):
    import shutil
    import subprocess

    import numpy as np
    from PIL import Image

    from werkwijzer_geo.render.export import Snapshot, export_snapshot
    from werkwijzer_geo.timefilter import TimeFilter

    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils is missing (scripts/test.sh installs it)"
    workspace = tmp_path / "demo.gpkg"  # a copy: exporting writes the export log
    shutil.copyfile(demo_path, workspace)
    pdf = export_snapshot(workspace, Snapshot(("observations", "spots"), TimeFilter()), "pdf",
                          tmp_path / "rapport.pdf")
    subprocess.run([pdftoppm, "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "pagina")], check=True, timeout=60)
    (page,) = tmp_path.glob("pagina*.png")
    pixels = np.asarray(Image.open(page).convert("RGB")).astype(int)
    height, width, _ = pixels.shape
    inked = (pixels.sum(axis=2) < 700)  # anything not white
    rows = np.flatnonzero(inked.any(axis=1))
    # Title and caption at the top, then the map: ink down to near the bottom margin (the
    # map, not just a title), and nothing in the last 3% of the page (inside the margin).
    assert rows.max() > 0.8 * height
    assert rows.max() < 0.97 * height
    # The map itself: many coloured pixels (outline, places, people), not only text.
    coloured = (np.abs(pixels[..., 0] - pixels[..., 2]) > 40).sum()
    assert coloured > 0.002 * height * width


def _pdf_text(pdf) -> str:
    import subprocess

    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils is missing (scripts/test.sh installs it)"
    return subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, timeout=60,
                          capture_output=True, text=True).stdout


@pytest.mark.parametrize("public", [False, True], ids=["team", "public"])
def test_the_pdf_has_the_timeline_and_only_the_team_reads_what_changed(demo_path, tmp_path,
                                                                      public):
    from werkwijzer_geo.demo import read_demo_layers

    workspace = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_path, workspace)
    pdf = ex.export_snapshot(workspace, ex.Snapshot((s.OBSERVATIONS, s.SPOTS), TimeFilter(),
                                                    public), "pdf", tmp_path / "rapport.pdf")
    text = " ".join(_pdf_text(pdf).split())
    assert "Tijdlijn: wat er gebeurde, week voor week" in text
    assert "4. week van 28-09 · project: Container geplaatst op het plein" in text
    assert "Wat we hoorden (thema's per maand)" in text and "oktober 2026: ontmoeting" in text
    for story in read_demo_layers()[s.STORIES].itertuples():
        assert story.text[:40] not in text  # stories only as themes, for everyone
    changed = "Na Nieuw bankje bij de speeltuin (21-09): meer ouderen binnen 150 m"
    assert ("Wat veranderde erna" in text and changed in text) is not public
    if public:
        assert "Wat veranderde erna" not in text and "rondes" not in text


def test_the_timeline_as_a_picture_for_the_wall(demo_path, tmp_path):
    workspace = tmp_path / "demo.gpkg"
    shutil.copyfile(demo_path, workspace)
    snapshot = ex.Snapshot((s.EVENTS,), TimeFilter(), public=True)  # layers play no part
    name = ex.suggest_file_name("Oosterwijk, Beverwijk", snapshot, "timeline")
    assert name.startswith("oosterwijk-openbaar-tijdlijn-") and name.endswith(".png")
    made = ex.export_snapshot(workspace, snapshot, "timeline", tmp_path / name)
    with Image.open(made) as image:
        assert image.format == "PNG" and image.width > 1500
        # Taller than a chart alone: the 12 events and 3 months of themes are listed below.
        assert image.height > 0.6 * image.width
    assert ex.read_export_log(workspace)["format"].tolist() == ["timeline"]
    # October only: fewer items, so a shorter picture.
    october = ex.export_snapshot(workspace, ex.Snapshot((s.EVENTS,), TimeFilter(
        date_from=pd.Timestamp("2026-10-01").date(), date_to=pd.Timestamp("2026-10-31").date())),
        "timeline", tmp_path / "oktober.png")
    with Image.open(october) as small, Image.open(made) as large:
        assert small.height < large.height


def test_a_timeline_without_events_or_themes_says_so_and_writes_nothing(tmp_path):
    empty = tmp_path / "leeg.gpkg"
    storage.create_workspace(empty)
    with pytest.raises(WerkwijzerError, match="Geen gebeurtenissen of verhalen"):
        ex.export_snapshot(empty, ex.Snapshot((s.EVENTS,), TimeFilter()), "timeline",
                           tmp_path / "tijdlijn.png")
    assert not list(tmp_path.glob("tijdlijn*"))
