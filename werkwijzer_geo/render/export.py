"""Snapshots for reports: GeoPackage, GeoJSON, CSV, PNG, PDF and HTML of a selection, with
its snapshot information, optionally public (for residents), each logged in the workspace."""

from __future__ import annotations

import datetime as dt
import glob
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from werkwijzer_geo import __version__, access, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import WerkwijzerError
from werkwijzer_geo.analysis.public import make_public_layers
from werkwijzer_geo.analysis.selection import get_data_period, select_layers
from werkwijzer_geo.io.quality import read_usable_layers
from werkwijzer_geo.io.storage import (
    get_workspace_info,
    read_table,
    shown_location,
    write_table,
)
from werkwijzer_geo.io.stores import OWNER_ONLY
from werkwijzer_geo.logbook import LOG
from werkwijzer_geo.roles import LOCAL, Action, Actor
from werkwijzer_geo.timefilter import TimeFilter

from . import maps
from .assets import inline_assets

FORMATS = ("gpkg", "geojson", "csv", "png", "pdf", "html", "timeline")
EXTENSIONS = {"timeline": "png"}  # the wallpaper roll as a picture
EXPORT_LOG = "export_log"
SNAPSHOT_INFO = "snapshot_info"
PUBLIC_REFUSED = (s.ROUNDS, s.EVENTS)  # who looked when, and team-written titles
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Snapshot:
    """What to export: which layers, under which filter, public or not."""

    layers: tuple[str, ...]
    time_filter: TimeFilter
    public: bool = False
    codes: bool = False  # CSV with the stored codes and column names (to import again)


def _check(snapshot: Snapshot, fmt: str | None = None) -> None:
    if fmt == "timeline":  # events by week and themes only, whatever layers are chosen
        return
    problems = []
    for name in snapshot.layers:
        if name not in s.LAYERS:
            problems.append(f"Laag '{name}' bestaat niet. Kies uit {', '.join(s.LAYER_NAMES)}.")
        elif snapshot.public and name in PUBLIC_REFUSED:
            problems.append(f"Laag '{name}' ({labels.LAYER_LABELS[name]}) gaat niet mee in een "
                            "export voor bewoners: die laat zien wie wanneer keek of bevat "
                            "teamtekst. Laat hem weg of exporteer niet-openbaar.")
    if not snapshot.layers:
        problems.append("Kies minstens één laag.")
    if problems:
        raise WerkwijzerError(problems)


def suggest_file_name(workspace_name: str, snapshot: Snapshot, fmt: str,
                      today: dt.date | None = None) -> str:
    """A file name that says what the file holds: neighbourhood, layer, public or not, date.

    Parameters
    ----------
    workspace_name
        The workspace's name ("Oosterwijk, Beverwijk"); the part before a comma is used.
    snapshot
        What is exported.
    fmt
        The format (its extension).
    today
        The date in the name; default today.

    Returns
    -------
    str
        Lower case, letters, digits and hyphens only, e.g.
        'oosterwijk-waarnemingen-2026-11-28.csv'.

    Examples
    --------
    >>> import datetime as dt
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> snapshot = Snapshot(("observations",), TimeFilter())
    >>> suggest_file_name("Oosterwijk, Beverwijk (demo)", snapshot, "csv", dt.date(2026, 11, 28))
    'oosterwijk-waarnemingen-2026-11-28.csv'
    >>> suggest_file_name("Café 't Hoekje", Snapshot(("spots", "observations"), TimeFilter(),
    ...                   public=True), "pdf", dt.date(2026, 11, 28))
    'cafe-t-hoekje-openbaar-2-lagen-2026-11-28.pdf'
    >>> suggest_file_name("Oosterwijk", snapshot, "timeline", dt.date(2026, 11, 28))
    'oosterwijk-tijdlijn-2026-11-28.png'
    """
    def slug(text: str) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")

    place = slug(workspace_name.split(",")[0]) or "buurt"
    what = (slug(labels.LAYER_LABELS.get(snapshot.layers[0], snapshot.layers[0]))
            if len(snapshot.layers) == 1 else f"{len(snapshot.layers)}-lagen")
    if fmt == "timeline":
        what = "tijdlijn"
    day = (today or dt.date.today()).isoformat()
    parts = [place, "openbaar" if snapshot.public else "", what, day]
    return "-".join(part for part in parts if part) + f".{EXTENSIONS.get(fmt, fmt)}"


def get_tables(layers: dict[str, gpd.GeoDataFrame], snapshot: Snapshot,
               ) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """The tables to write, by output name: canonical layers, or the public selection.

    Parameters
    ----------
    layers
        The workspace's layers.
    snapshot
        Which layers, the filter, public or not.

    Returns
    -------
    dict
        Output name -> table; a public snapshot holds only `public.make_public_layers`.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> tables = get_tables(layers, Snapshot(("observations",), TimeFilter(), public=True))
    >>> "note" in next(iter(tables.values())).columns
    False
    """
    _check(snapshot)
    if snapshot.public:
        public = make_public_layers(layers, snapshot.time_filter)
        names = {s.OBSERVATIONS: "cells", s.HANGOUTS: s.HANGOUTS, s.SPOTS: s.SPOTS,
                 s.EXPERIMENTS: s.EXPERIMENTS, s.PLACES: s.PLACES, s.BOUNDARY: s.BOUNDARY}
        tables: dict = {}
        for name in snapshot.layers:
            if name == s.STORIES:
                themes = public["themes"]
                tables["themes"] = pd.DataFrame({"theme": themes.index})
            else:
                key = names[name]
                tables["people_cells" if key == "cells" else key] = public[key]
        return tables
    selected = select_layers(layers, snapshot.time_filter)
    return {name: selected[name].drop(columns=[c for c in s.DERIVED_COLUMNS
                                              if c in selected[name].columns])
            for name in snapshot.layers}


def get_snapshot_info(workspace: Path, layers: dict, snapshot: Snapshot) -> dict[str, str]:
    """Filters, data period, when made, app version, public or not.

    Parameters
    ----------
    workspace
        The workspace (its name is recorded, not the folder).
    layers
        The workspace's layers.
    snapshot
        What is exported.

    Returns
    -------
    dict
        Key -> Dutch text, the `snapshot_info` table of an export.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path, name="Oosterwijk")
    >>> info = get_snapshot_info(path, layers, Snapshot(("spots",),
    ...                          TimeFilter.from_text(hours="21-2")))
    >>> info["workspace"], info["filter"]
    ('Oosterwijk', '21:00-02:00, alle dagen')
    """
    period = get_data_period(select_layers(layers, snapshot.time_filter))
    return {
        "workspace": get_workspace_info(workspace).name,
        "layers": ",".join(snapshot.layers),
        "filter": snapshot.time_filter.to_text(),
        "data_period": "" if period is None else
        f"{labels.format_date(period[0])} t/m {labels.format_date(period[1])}",
        "made_at": dt.datetime.now().astimezone().strftime("%d-%m-%Y %H:%M"),
        "app_version": __version__,
        "public": "ja" if snapshot.public else "nee",
    }


# ---- text formats ----

def _text_value(value: object) -> object:
    """Dates and moments as Dutch text (dd-mm-jjjj, 24-hour), everything else as is."""
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        if value.tzinfo is None and value == value.normalize():
            return value.strftime("%d-%m-%Y")
        return value.strftime("%d-%m-%Y %H:%M")
    return value


def _to_text_frame(table: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(table.drop(columns=["geometry"], errors="ignore"))
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].astype(object).map(_text_value)
    return frame


def neutralise_formula(value: object) -> object:
    """A text cell that Excel would run as a formula gets a leading apostrophe.

    Parameters
    ----------
    value
        A cell.

    Returns
    -------
    object
        The cell, with "'" before =, +, -, @, tab or carriage return at its start.

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x","klik")')[:2], neutralise_formula(5)
    ("'=", 5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


_EXTRA_DUTCH_NAMES = {"persons": "personen", "theme": "thema", "cell_x": "vak_x",
                      "cell_y": "vak_y", "top_group": "meeste_groep", "records": "waarnemingen",
                      "dates": "dagen"}


def to_dutch_table(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """A table as a person reads it: Dutch column names and the Dutch labels of codes.

    Parameters
    ----------
    name
        The table's name in the export: a layer's name, or another table's.
    table
        The table with stored column names and codes.

    Returns
    -------
    pandas.DataFrame
        A copy; geometry untouched.

    Examples
    --------
    >>> import pandas as pd
    >>> to_dutch_table("observations", pd.DataFrame({"group": ["youth"],
    ...                "activity": ["hanging_out"], "count": [6]})).to_dict("records")
    [{'groep': 'Jongeren', 'activiteit': 'rondhangen', 'aantal': 6}]
    """
    layer = s.LAYERS.get(name)
    columns = {column.name: column for column in layer.columns} if layer else {
        column.name: column for other in s.LAYERS.values() for column in other.columns}
    frame = table.copy()
    renamed = {}
    for column_name in frame.columns:
        if isinstance(frame, gpd.GeoDataFrame) and column_name == frame.geometry.name:
            continue
        column = columns.get(column_name)
        if column is None:
            if column_name in _EXTRA_DUTCH_NAMES:
                renamed[column_name] = _EXTRA_DUTCH_NAMES[column_name]
            if column_name in ("group", "top_group"):
                frame[column_name] = frame[column_name].map(
                    lambda v: labels.GROUP_LABELS.get(v, v))
            continue
        names = labels.get_code_labels(name if layer else "", column_name) if column.codes \
            else {}
        if names:
            frame[column_name] = frame[column_name].map(lambda v, n=names: n.get(v, v))
        renamed[column_name] = column.label.replace(" ", "_").replace("(", "").replace(")", "")
    return frame.rename(columns=renamed)


def to_csv_bytes(table: pd.DataFrame) -> bytes:
    """CSV for Dutch Excel: UTF-8 with BOM, ';', decimal comma, dd-mm-jjjj, no formulas;
    points as lat/lon columns, other shapes as WKT.

    Parameters
    ----------
    table
        A layer or any table.

    Returns
    -------
    bytes
        The file's content.

    Examples
    --------
    >>> import pandas as pd
    >>> text = to_csv_bytes(pd.DataFrame({"n": [2.5], "t": ["=1+1"]})).decode("utf-8-sig")
    >>> text.splitlines()
    ['n;t', "2,5;'=1+1"]
    """
    frame = _to_text_frame(table)
    if isinstance(table, gpd.GeoDataFrame) and len(table):
        geometry = table.geometry
        if (geometry.geom_type == "Point").all():
            frame["lat"] = geometry.y.round(6).to_numpy()
            frame["lon"] = geometry.x.round(6).to_numpy()
        else:
            frame["wkt"] = geometry.to_wkt().to_numpy()
    frame = frame.map(neutralise_formula)
    text = frame.to_csv(sep=";", index=False, decimal=",", lineterminator="\r\n")
    return "\ufeff".encode() + text.encode("utf-8")


def to_geojson_bytes(table: gpd.GeoDataFrame | pd.DataFrame) -> bytes:
    """GeoJSON (WGS84) with dates and moments as text.

    Parameters
    ----------
    table
        A layer (or a table without geometry: features without one).

    Returns
    -------
    bytes
        UTF-8 GeoJSON.

    Examples
    --------
    >>> import json
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> collection = json.loads(to_geojson_bytes(layers["spots"]))
    >>> len(collection["features"]) == len(layers["spots"])
    True
    """
    frame = _to_text_frame(table)
    geometry = table.geometry.to_numpy() if isinstance(table, gpd.GeoDataFrame) else [
        None] * len(frame)  # a table without places: features without geometry
    data = gpd.GeoDataFrame(frame, geometry=list(geometry), crs=s.STORAGE_CRS)
    return data.to_json(drop_id=True, ensure_ascii=False).encode("utf-8")


def _write_gpkg(out: Path, tables: dict, info: dict[str, str]) -> None:
    partial = out.with_name(out.name + ".partial.gpkg")
    partial.unlink(missing_ok=True)
    for name, table in tables.items():
        frame = table.copy()
        for column in frame.columns:
            if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
                frame[column] = frame[column].dt.tz_convert("UTC")
            elif pd.api.types.is_datetime64_dtype(frame[column]):
                frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        if isinstance(frame, gpd.GeoDataFrame):
            layer = s.LAYERS.get(name)
            pyogrio.write_dataframe(frame, partial, layer=name, driver="GPKG",
                                    geometry_type=layer.gpkg_geometry_type if layer else None,
                                    promote_to_multi=False)
        else:
            pyogrio.write_dataframe(frame, partial, layer=name, driver="GPKG")
    pyogrio.write_dataframe(pd.DataFrame({"key": list(info), "value": list(info.values())}),
                            partial, layer=SNAPSHOT_INFO, driver="GPKG")
    partial.replace(out)


def _write_bundle(out: Path, files: dict[str, bytes]) -> Path:
    """One file as it is; several in a zip (named .zip, whatever `out` said). Returns the
    path written."""
    if len(files) > 1:
        out = out.with_suffix(".zip")
    partial = out.with_name(out.name + ".partial")
    if len(files) == 1 and out.suffix.lower() != ".zip":
        partial.write_bytes(next(iter(files.values())))
    else:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, data in files.items():
                bundle.writestr(name, data)
    partial.replace(out)
    return out


# ---- maps and reports ----

def build_html_map(layers: dict[str, gpd.GeoDataFrame], snapshot: Snapshot) -> str:
    """A self-contained interactive map: Leaflet inlined, opens from a USB stick offline.

    Parameters
    ----------
    layers
        The workspace's layers.
    snapshot
        Which layers, the filter, public or not.

    Returns
    -------
    str
        One HTML page with every script and stylesheet inside it.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> layers = read_demo_layers(seed=3)
    >>> html = build_html_map(layers, Snapshot(("spots",), TimeFilter()))
    >>> "<script src=" in html, "L.map" in html
    (False, True)
    """
    visible = [name for name in snapshot.layers if name in maps.MAP_LAYERS]
    if snapshot.public:
        public = make_public_layers(layers, snapshot.time_filter)
        base = maps.build_base_map(layers[s.BOUNDARY], public[s.PLACES], tiles=False,
                                   legend_layers=visible)
        groups = maps.build_public_groups(public, visible)
    else:
        selected = select_layers(layers, snapshot.time_filter)
        base = maps.build_base_map(layers[s.BOUNDARY], layers[s.PLACES], tiles=False,
                                   legend_layers=visible)
        groups = maps.build_layer_groups(selected, visible)
    page = inline_assets(maps.render_map_html(base, groups))
    title = f"<title>Buurtkaart: {maps.escape_text(snapshot.time_filter.to_text())}</title>"
    return page.replace("<head>", "<head>\n" + title, 1)


def export_snapshot(workspace: str | Path, snapshot: Snapshot, fmt: str, out: str | Path, *,
                    progress: Progress | None = None, actor: Actor = LOCAL) -> Path:
    """Write the snapshot in `fmt` to `out` and log it in the workspace.

    Parameters
    ----------
    workspace
        The workspace.
    snapshot
        Which layers, the filter, public or not.
    fmt
        One of FORMATS: gpkg, geojson, csv, png, pdf, html, or timeline (a PNG of the
        events by week and the themes heard, as residents may see them).
    out
        Where to write.
    progress
        Called with (fraction, Dutch message) as the work goes on.
    actor
        Who exports: a public snapshot needs a role that may show public numbers, any
        other one a team role (logged, with the format and whether it was public).

    Returns
    -------
    pathlib.Path
        The path written: `out`, or `out` with .zip when GeoJSON or CSV holds several
        layers.

    Raises
    ------
    WerkwijzerError
        For an unknown layer or format, or nothing to draw.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import create_demo_workspace
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_demo_workspace(folder / "demo.gpkg")
    >>> made = export_snapshot(folder / "demo.gpkg", Snapshot(("spots",), TimeFilter()), "csv",
    ...                        folder / "spots.csv")
    >>> made.name, len(read_export_log(folder / "demo.gpkg"))
    ('spots.csv', 1)
    """
    report = progress or (lambda fraction, message: None)
    out = Path(out)
    if fmt not in FORMATS:
        raise WerkwijzerError(f"Formaat '{fmt}' bestaat niet. Kies uit {', '.join(FORMATS)}.")
    _check(snapshot, fmt)
    # The wallpaper roll is public by construction (titles by week, themes).
    public = snapshot.public or fmt == "timeline"
    action = Action.EXPORT_PUBLIC if public else Action.EXPORT
    access.require(workspace, actor, action)
    report(0.1, "Gegevens lezen…")
    layers, _ = read_usable_layers(workspace)  # rows with impossible dates are set aside
    info = get_snapshot_info(workspace, layers, snapshot)
    tables = {} if fmt == "timeline" else get_tables(layers, snapshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    report(0.3, f"{fmt.upper()} maken…")
    try:
        out = _write_format(out, fmt, layers, tables, snapshot, info, report)
        os.chmod(out, OWNER_ONLY)  # a team export holds notes: its owner decides who gets it
    finally:  # a half-made file never stays behind, whatever went wrong
        for partial in out.parent.glob(glob.escape(out.stem) + ".*.partial*"):
            partial.unlink(missing_ok=True)
    report(0.95, "Vastleggen in het exportlogboek…")
    with access.recorded(actor, action, detail=f"{fmt}, lagen {','.join(snapshot.layers)}, "
                         f"{'openbaar' if public else 'niet openbaar'}"):
        log_export(workspace, snapshot, fmt, out)
    LOG.info("geëxporteerd: %s als %s (%s, lagen %s, %s)", shown_location(workspace), fmt,
             "openbaar" if snapshot.public else "niet openbaar", ", ".join(snapshot.layers),
             out.name)
    report(1.0, "Klaar")
    return out


def _write_format(out: Path, fmt: str, layers: dict, tables: dict, snapshot: Snapshot,
                  info: dict[str, str], report: Progress) -> Path:
    """Write `tables` (or a map or report of `layers`) as `fmt`; returns the path written."""
    if fmt == "gpkg":
        _write_gpkg(out, tables, info)
    elif fmt == "geojson":
        files = {f"{name}.geojson": to_geojson_bytes(t) for name, t in tables.items()}
        if len(files) > 1:
            files["snapshot_info.json"] = json.dumps(info, indent=2, ensure_ascii=False).encode()
        out = _write_bundle(out, files)
    elif fmt == "csv":  # for Excel: Dutch names and labels, unless codes were asked for
        files = {f"{name}.csv": to_csv_bytes(t if snapshot.codes else to_dutch_table(name, t))
                 for name, t in tables.items()}
        if len(files) > 1:
            files["snapshot_info.csv"] = to_csv_bytes(pd.DataFrame(
                {"sleutel": list(info), "waarde": list(info.values())}))
        out = _write_bundle(out, files)
    elif fmt == "html":
        partial = out.with_name(out.name + ".partial")
        partial.write_text(build_html_map(layers, snapshot), encoding="utf-8")
        partial.replace(out)
    else:
        from .report import write_pdf_report, write_png_map, write_png_timeline

        if fmt == "png":
            write_png_map(out, layers, snapshot, info)
        elif fmt == "timeline":
            write_png_timeline(out, layers, snapshot, info)
        else:
            write_pdf_report(out, layers, snapshot, info, progress=report)
    return out


def log_export(workspace: Path, snapshot: Snapshot, fmt: str, out: Path) -> None:
    """Add a line to the workspace's export log.

    Parameters
    ----------
    workspace
        The workspace.
    snapshot
        What was exported.
    fmt
        The format.
    out
        The file written (its name is logged).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import create_demo_workspace
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_demo_workspace(folder / "demo.gpkg")
    >>> log_export(folder / "demo.gpkg", Snapshot(("spots",), TimeFilter(), public=True), "pdf",
    ...            folder / "avond.pdf")
    >>> read_export_log(folder / "demo.gpkg")["file"].tolist()
    ['avond.pdf']
    """
    line = pd.DataFrame({
        "made_at": [dt.datetime.now().astimezone().strftime("%d-%m-%Y %H:%M:%S")],
        "layers": [",".join(snapshot.layers)], "filter": [snapshot.time_filter.to_text()],
        "format": [fmt], "public": ["ja" if snapshot.public else "nee"], "file": [out.name]})
    before = read_table(workspace, EXPORT_LOG)
    log = line if before is None else pd.concat([before, line], ignore_index=True)
    write_table(workspace, EXPORT_LOG, log)


def read_export_log(workspace: str | Path) -> pd.DataFrame:
    """Every export made of this workspace, oldest first.

    Parameters
    ----------
    workspace
        The workspace.

    Returns
    -------
    pandas.DataFrame
        made_at, layers, filter, format, public, file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.demo import create_demo_workspace
    >>> from werkwijzer_geo.timefilter import TimeFilter
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_demo_workspace(folder / "demo.gpkg")
    >>> list(read_export_log(folder / "demo.gpkg").columns)
    ['made_at', 'layers', 'filter', 'format', 'public', 'file']
    """
    log = read_table(workspace, EXPORT_LOG)
    return pd.DataFrame(columns=["made_at", "layers", "filter", "format", "public", "file"]) \
        if log is None else log

