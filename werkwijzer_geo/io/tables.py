"""Read the files teams bring (CSV from Dutch Excel, XLSX, GeoJSON, GeoPackage) as raw tables."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from openpyxl.utils.exceptions import InvalidFileException

from werkwijzer_geo._errors import WerkwijzerError

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx")
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg")
# Limits that fit what teams bring; past them a file is refused in seconds, not read for
# minutes: the upload limit, a long note, and an XLSX (a zip) that unpacks to far more.
MAX_FILE_MB = 50
MAX_CELL_CHARS = 100_000
MAX_XLSX_UNPACKED_MB = 300


@dataclass
class SourceTable:
    """A file's rows as they came: text cells (numbers and dates as in the file), geometry when
    the file has it, and the row number a person would use to find each row."""

    name: str
    frame: pd.DataFrame
    geometry: gpd.GeoSeries | None
    row_numbers: np.ndarray
    encoding: str | None = None
    delimiter: str | None = None


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Dutch Excel saves "CSV (gescheiden door lijstscheidingsteken)" as cp1252.
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raise WerkwijzerError(f"{name}: tekens niet te lezen als UTF-8 of Windows-1252. "
                                  "Sla het bestand op als CSV UTF-8.") from None


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv_table(path: Path) -> SourceTable:
    """A CSV with comma, semicolon or tab; UTF-8 with or without BOM, or cp1252.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    SourceTable
        Text cells as written, the row numbers a spreadsheet shows (first data row 2),
        encoding and delimiter.

    Raises
    ------
    WerkwijzerError
        For an empty file, unreadable characters, a row with more cells than the header, or a
        cell over MAX_CELL_CHARS.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> lines = ["tijd;groep", "21:30;jongeren", "", "22:00;ouderen"]
    >>> _ = path.write_text(chr(10).join(lines), encoding="cp1252")
    >>> table = read_csv_table(path)
    >>> table.delimiter, table.row_numbers.tolist(), table.frame["groep"].tolist()
    (';', [2, 4], ['jongeren', 'ouderen'])
    """
    text, encoding = _decode(path.read_bytes(), path.name)
    if not text.strip():
        raise WerkwijzerError(f"{path.name}: het bestand is leeg.")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error:
        # csv stops a cell at its field size limit (131,072 characters).
        raise WerkwijzerError(f"{path.name}: rij {reader.line_num} heeft een cel van meer dan "
                              f"{MAX_CELL_CHARS:,} tekens (vaak een aanhalingsteken dat niet "
                              "wordt gesloten). Controleer die rij.".replace(",", ".")
                              ) from None
    long_cells = [(number + 1, len(cell)) for number, row in enumerate(rows) for cell in row
                  if len(cell) > MAX_CELL_CHARS]
    if long_cells:
        raise WerkwijzerError(f"{path.name}: rij {long_cells[0][0]} heeft een cel van "
                              f"{long_cells[0][1]:,} tekens; meer dan {MAX_CELL_CHARS:,} past "
                              "niet in een notitie.".replace(",", "."))
    header = [cell.strip() for cell in rows[0]]
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    numbers = [i + 2 for i, row in enumerate(rows[1:]) if any(cell.strip() for cell in row)]
    problems = [f"{path.name}: rij {numbers[i]} heeft {len(row)} cellen, de kopregel "
                f"{len(header)}. Controleer scheidingstekens en aanhalingstekens in die rij."
                for i, row in enumerate(body) if len(row) > len(header)]
    if problems:
        raise WerkwijzerError(problems)
    padded = [row + [""] * (len(header) - len(row)) for row in body]
    frame = pd.DataFrame(padded, columns=_unique_names(header), dtype=object)
    return SourceTable(path.name, frame, None, np.array(numbers, dtype=int), encoding, delimiter)


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for position, name in enumerate(header):
        name = name or f"kolom_{position + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def read_xlsx_table(path: Path, *, sheet: str | None = None) -> SourceTable:
    """The first (or named) sheet of an Excel workbook; dates stay dates, serials stay numbers.

    Parameters
    ----------
    path
        The workbook (checked to be a zip that does not unpack past MAX_XLSX_UNPACKED_MB).
    sheet
        The sheet's name; default the first.

    Returns
    -------
    SourceTable
        The cells as Excel holds them, with spreadsheet row numbers.

    Raises
    ------
    WerkwijzerError
        When the file is no workbook, too large unpacked, the sheet is missing or empty.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.xlsx"
    >>> book = openpyxl.Workbook(); book.active.append(["groep"]); book.active.append(["jongeren"])
    >>> book.save(path)
    >>> read_xlsx_table(path).frame["groep"].tolist()
    ['jongeren']
    """
    _check_xlsx_container(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl",
                               header=None)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, InvalidFileException) as error:
        raise WerkwijzerError(f"{path.name}: geen leesbaar Excel-bestand ({error}).") from None
    if sheet is not None and sheet not in sheets:
        raise WerkwijzerError(f"{path.name}: werkblad '{sheet}' bestaat niet. Kies een van: "
                              f"{', '.join(sheets)}.")
    raw = sheets[sheet or next(iter(sheets))]
    if raw.empty:
        raise WerkwijzerError(f"{path.name}: het werkblad is leeg.")
    header = ["" if pd.isna(v) else str(v).strip() for v in raw.iloc[0]]
    body = raw.iloc[1:]
    filled = body.notna().any(axis=1).to_numpy()
    frame = pd.DataFrame(body[filled].to_numpy(), columns=_unique_names(header), dtype=object)
    numbers = np.flatnonzero(filled) + 2
    return SourceTable(path.name, frame.where(frame.notna(), ""), None, numbers)


def _check_xlsx_container(path: Path) -> None:
    """An XLSX is a zip: refuse one that is not, or that would unpack to far more than any
    team's workbook (a zip bomb), before openpyxl opens it."""
    if not zipfile.is_zipfile(path):
        raise WerkwijzerError(f"{path.name}: geen Excel-bestand (.xlsx); het is een ander soort "
                              "bestand met de naam .xlsx. Sla het in Excel op als .xlsx of CSV.")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise WerkwijzerError(f"{path.name}: geen leesbaar Excel-bestand ({error}).") from None
    if unpacked > MAX_XLSX_UNPACKED_MB * 1024 * 1024:
        raise WerkwijzerError(f"{path.name}: pakt uit tot {unpacked // 1024 // 1024} MB, meer "
                              f"dan de {MAX_XLSX_UNPACKED_MB} MB die Buurtkaart leest. Splits "
                              "het bestand of sla het op als CSV.")


def list_source_layers(path: Path) -> list[str]:
    """The layers in a GeoPackage (or the one layer of a GeoJSON file).

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    list of str
        Layer names.

    Raises
    ------
    WerkwijzerError
        When GDAL cannot read the file as a map file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.geojson"
    >>> _ = path.write_text('{"type": "FeatureCollection", "features": []}')
    >>> list_source_layers(path)
    ['a']
    """
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as error:
        raise WerkwijzerError(f"{path.name}: niet te lezen als kaartbestand ({error}).") from None


def read_vector_table(path: Path, *, layer: str | None = None) -> SourceTable:
    """A GeoJSON or GeoPackage layer: attributes plus geometry (reprojected to WGS84 later).

    Parameters
    ----------
    path
        The file.
    layer
        The layer's name; needed when the file has several.

    Returns
    -------
    SourceTable
        Attributes as objects, the geometry (EPSG:4326 assumed when the file names no CRS)
        and row numbers from 1.

    Raises
    ------
    WerkwijzerError
        When the file has several layers and none was chosen, or cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib, json
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.geojson"
    >>> _ = path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
    ...     "type": "Feature", "properties": {"naam": "Plein"},
    ...     "geometry": {"type": "Point", "coordinates": [4.677, 52.493]}}]}))
    >>> table = read_vector_table(path)
    >>> table.frame["naam"].tolist(), table.geometry.iloc[0].x
    (['Plein'], 4.677)
    """
    layers = list_source_layers(path)
    if layer is None and len(layers) > 1:
        raise WerkwijzerError(f"{path.name} heeft {len(layers)} lagen: {', '.join(layers)}. "
                              "Kies er een (--source-layer).")
    if layer is not None and layer not in layers:
        raise WerkwijzerError(f"{path.name}: laag '{layer}' bestaat niet. Kies een van: "
                              f"{', '.join(layers)}.")
    try:
        frame = gpd.read_file(path, layer=layer or layers[0])
    except (pyogrio.errors.DataSourceError, ValueError) as error:
        raise WerkwijzerError(f"{path.name}: niet te lezen als kaartbestand ({error}).") from None
    if frame.crs is None:
        frame = frame.set_crs("EPSG:4326")
    geometry = frame.geometry
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return SourceTable(path.name, attributes.astype(object), geometry,
                       np.arange(len(frame)) + 1)


def read_source_table(path: str | Path, *, sheet: str | None = None,
                      layer: str | None = None) -> SourceTable:
    """Read any supported file by its suffix.

    Parameters
    ----------
    path
        A .csv, .txt, .xlsx, .geojson, .json or .gpkg file of at most MAX_FILE_MB.
    sheet
        For a workbook: the sheet.
    layer
        For a GeoPackage: the layer.

    Returns
    -------
    SourceTable
        The file's rows as they came.

    Raises
    ------
    WerkwijzerError
        When the file is missing, too large, of another type or unreadable.

    Examples
    --------
    >>> read_source_table("geen-bestand.csv")
    Traceback (most recent call last):
    ...
    werkwijzer_geo._errors.WerkwijzerError: Bestand geen-bestand.csv bestaat niet.
    """
    path = Path(path)
    if not path.exists():
        raise WerkwijzerError(f"Bestand {path} bestaat niet.")
    size_mb = path.stat().st_size / 1024 / 1024
    if size_mb > MAX_FILE_MB:
        raise WerkwijzerError(f"{path.name} is {size_mb:.0f} MB; Buurtkaart leest bestanden tot "
                              f"{MAX_FILE_MB} MB. Splits het bestand (bijvoorbeeld per maand).")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv_table(path)
    if suffix == ".xlsx":
        return read_xlsx_table(path, sheet=sheet)
    if suffix in VECTOR_SUFFIXES:
        return read_vector_table(path, layer=layer)
    raise WerkwijzerError(f"{path.name}: bestandstype '{suffix}' wordt niet ondersteund. "
                          "Gebruik CSV, XLSX, GeoJSON of GeoPackage.")
