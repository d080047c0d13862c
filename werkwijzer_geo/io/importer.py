"""Import a file into a layer: map, parse, check everything, then write all rows or none."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import _errors as pc
from werkwijzer_geo import access, labels
from werkwijzer_geo import schema as s
from werkwijzer_geo._errors import ProblemCollector, WerkwijzerError
from werkwijzer_geo.logbook import LOG
from werkwijzer_geo.metric import choose_metric_crs
from werkwijzer_geo.roles import LOCAL, Action, Actor
from werkwijzer_geo.schema import Kind
from werkwijzer_geo.validate import find_personal_data_kinds, validate_layer

from .mapping import (
    COORDINATE_TARGETS,
    LAT,
    LON,
    ImportMapping,
    X,
    Y,
    auto_map_columns,
    find_personal_columns,
    get_code_aliases,
    normalise_name,
    suggest_code,
)
from .parsing import (
    is_blank,
    looks_like_rd,
    make_points,
    parse_dates,
    parse_geolocation,
    parse_instants,
    to_numbers,
)
from .storage import (
    append_rows,
    backup_workspace,
    check_time_zone,
    get_workspace_info,
    read_layer,
    shown_location,
)
from .stores import Backup
from .tables import SourceTable, read_source_table

FAR_OUTSIDE_M = 1000.0
MAX_LINES = 50
Progress = Callable[[float, str], None]

@dataclass
class ImportPlan:
    """What an import would write: checked rows, the mapping used, and warnings to read."""

    layer: str
    rows: gpd.GeoDataFrame
    mapping: ImportMapping
    source: SourceTable
    warnings: list[str] = field(default_factory=list)
    backup: Backup | None = None

    def describe(self) -> str:
        """One Dutch line: how many rows go where."""
        return (f"{len(self.rows)} rijen uit {self.source.name} naar laag '{self.layer}' "
                f"({s.get_layer(self.layer).label}).")


def _resolve_mapping(layer_name: str, table: SourceTable, given: ImportMapping,
                     problems: ProblemCollector) -> ImportMapping:
    layer = s.get_layer(layer_name)
    columns = auto_map_columns(layer_name, list(table.frame.columns))
    columns.update(given.columns)
    allowed = set(layer.column_names) | set(COORDINATE_TARGETS)
    for target, source in columns.items():
        if target not in allowed:
            problems.add(f"Koppeling '{target}={source}': laag '{layer_name}' heeft geen kolom "
                         f"'{target}'. Kies uit: {', '.join(sorted(allowed))}.")
        elif source not in table.frame.columns:
            problems.add(f"Koppeling '{target}={source}': {table.name} heeft geen kolom "
                         f"'{source}'. Kolommen in het bestand: "
                         f"{', '.join(map(str, table.frame.columns))}.")
    for target in given.defaults:
        if target not in layer.column_names:
            problems.add(f"Standaardwaarde voor '{target}': laag '{layer_name}' heeft die kolom "
                         "niet.")
    return ImportMapping({t: c for t, c in columns.items() if t in allowed
                          and c in table.frame.columns}, given.values, given.defaults, given.tz,
                         given.date_format)


def _map_codes(layer_name: str, column: s.Column, raw: pd.Series, mapping: ImportMapping,
               problems: ProblemCollector) -> pd.Series:
    chosen = mapping.values.get(column.name, {})
    chosen_loose = {normalise_name(k): v for k, v in chosen.items()}
    aliases = get_code_aliases(layer_name, column.name)
    out = []
    unknown: dict[str, list[int]] = {}
    for position, value in enumerate(raw):
        if is_blank(value):
            out.append(None)
            continue
        text = str(value).strip()
        code = chosen.get(text) or chosen_loose.get(normalise_name(text)) or aliases.get(
            normalise_name(text))
        if code is None and column.codes and all(isinstance(c, int) for c in column.codes):
            out.append(text)  # numbers such as valence: checked by validation
            continue
        if code is None or code not in column.codes:
            unknown.setdefault(text, []).append(position)
            out.append(None)
            continue
        out.append(code)
    allowed = ", ".join(map(str, column.codes))
    names = labels.get_code_labels(layer_name, column.name)
    for text, positions in unknown.items():
        nearest = suggest_code(layer_name, column.name, text)
        guess = (f"Bedoel je '{names.get(nearest, nearest)}' ({nearest})? " if nearest
                 else "")
        problems.add_same_value(
            positions, column.name, text,
            f"is geen bekende waarde. {guess}Kies een van: {allowed}; of koppel hem, bv. "
            f"--values {column.name}:\"{text}\"={nearest or column.codes[0]}",
            code=pc.UNKNOWN_VALUE)
    return pd.Series(out, dtype=object)


def _convert_column(layer_name: str, column: s.Column, raw: pd.Series, mapping: ImportMapping,
                    tz: str, problems: ProblemCollector, *, dutch: bool,
                    ) -> pd.Series:
    def report(found: list[tuple[int, str]], code: str) -> None:
        for position, what in found:
            problems.add_rows([position], column.name, what, values=raw,
                              code=pc.DATE_ORDER if "-eerst" in what else code)

    if column.kind is Kind.CODE:
        return _map_codes(layer_name, column, raw, mapping, problems)
    if column.kind in (Kind.INT, Kind.FLOAT):
        numbers, found = to_numbers(raw, dutch=dutch)
        report(found, pc.NOT_A_NUMBER)
        return numbers
    if column.kind in (Kind.INSTANT, Kind.DATE):
        if column.kind is Kind.INSTANT:
            parsed, found = parse_instants(raw, tz, dutch=dutch, order=mapping.date_format)
        else:
            parsed, found = parse_dates(raw, dutch=dutch, order=mapping.date_format)
        report(found, pc.BAD_DATE)
        # A column whose order is in question reports its first cells only; its other
        # cells are unread, not empty.
        unread = parsed.isna().to_numpy() & ~raw.map(is_blank).to_numpy(dtype=bool)
        problems.skip_rows(np.flatnonzero(unread), column.name)
        return parsed
    return raw.map(lambda v: None if is_blank(v) else str(v).strip())


def _build_geometry(table: SourceTable, mapping: ImportMapping, boundary: gpd.GeoDataFrame,
                    problems: ProblemCollector) -> np.ndarray:
    if table.geometry is not None:
        return table.geometry.to_crs(s.STORAGE_CRS).to_numpy()
    columns = mapping.columns
    if LAT in columns and columns.get(LAT) == columns.get(LON):
        lat, lon = parse_geolocation(table.frame[columns[LAT]])
        return make_points(lon.to_numpy(), lat.to_numpy(), rd=False)
    if X in columns and Y in columns:
        x, _ = to_numbers(table.frame[columns[X]].reset_index(drop=True),
                                grouping=False)
        y, _ = to_numbers(table.frame[columns[Y]].reset_index(drop=True),
                                grouping=False)
        return make_points(x.to_numpy(float), y.to_numpy(float), rd=True)
    if LAT in columns and LON in columns:
        lat, bad_lat = to_numbers(table.frame[columns[LAT]].reset_index(drop=True),
                                     grouping=False)
        lon, bad_lon = to_numbers(table.frame[columns[LON]].reset_index(drop=True),
                                     grouping=False)
        for target, bad in ((LAT, bad_lat), (LON, bad_lon)):
            for position, what in bad:
                problems.add_rows([position], target, what,
                                  values=table.frame[columns[target]].reset_index(drop=True),
                                  code=pc.NOT_A_NUMBER)
        lat_values, lon_values = lat.to_numpy(float), lon.to_numpy(float)
        if looks_like_rd(lon_values, lat_values):
            return make_points(lon_values, lat_values, rd=True)
        if _looks_swapped(lat_values, lon_values, boundary):
            problems.add(f"Kolommen '{columns[LAT]}' (lat) en '{columns[LON]}' (lon) lijken "
                         f"verwisseld: de punten vallen dan pas in de buurt. Koppel "
                         f"lat={columns[LON]} en lon={columns[LAT]}.")
        return make_points(lon_values, lat_values, rd=False)
    return np.full(len(table.frame), None, dtype=object)


def _looks_swapped(lat: np.ndarray, lon: np.ndarray, boundary: gpd.GeoDataFrame) -> bool:
    valid = ~(np.isnan(lat) | np.isnan(lon))
    if not valid.any():
        return False
    lat, lon = lat[valid], lon[valid]
    if (np.abs(lat) > 90).mean() > 0.5 and (np.abs(lon) <= 90).all():
        return True
    if boundary.empty:
        return False
    crs = choose_metric_crs([boundary])
    centre = boundary.to_crs(crs).union_all().centroid
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=s.STORAGE_CRS).to_crs(crs)
    swapped = gpd.GeoSeries(gpd.points_from_xy(lat, lon), crs=s.STORAGE_CRS).to_crs(crs)
    as_given = np.median(points.distance(centre))
    as_swapped = np.median(swapped.distance(centre))
    return bool(as_given > 50 * FAR_OUTSIDE_M and as_swapped < 5 * FAR_OUTSIDE_M)


def _check_far_outside(rows: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame,
                       table: SourceTable, problems: ProblemCollector) -> None:
    if boundary.empty or rows.empty:
        return
    crs = choose_metric_crs([boundary])
    outline = boundary.to_crs(crs).union_all()
    located = rows.geometry.notna().to_numpy() & ~rows.geometry.is_empty.to_numpy()
    distances = np.zeros(len(rows))
    distances[located] = rows[located].to_crs(crs).distance(outline).to_numpy()
    for position in np.flatnonzero(distances > FAR_OUTSIDE_M):
        problems.add_rows([int(position)], s.GEOMETRY,
                          f"ligt {labels.format_number(distances[position] / 1000, 1)} km "
                          "buiten de buurtgrens", "Controleer de coördinaten (of de werkruimte).",
                          code=pc.OUT_OF_RANGE)


def _check_ids(rows: gpd.GeoDataFrame, workspace: Path, layer_name: str, table: SourceTable,
               mapping: ImportMapping, problems: ProblemCollector) -> None:
    if s.ID not in mapping.columns or s.get_layer(layer_name).id_column != s.ID:
        return
    existing = set(read_layer(workspace, layer_name)[s.ID].dropna().astype(int))
    for position, value in enumerate(rows[s.ID]):
        if not pd.isna(value) and int(value) in existing:
            problems.add_rows([position], s.ID, "bestaat al in de werkruimte",
                              "Laat de kolom id weg; Buurtkaart nummert dan zelf.",
                              values=rows[s.ID].reset_index(drop=True), code=pc.TAKEN_ID)


# Header words only a Dutch file uses (compared as `normalise_name` writes them).
DUTCH_HEADER_WORDS = frozenset({
    "tijdstip", "datum", "tijd", "groep", "aantal", "aantalpersonen", "personen", "activiteit",
    "opmerking", "opmerkingen", "notitie", "toelichting", "plek", "plaats", "soort", "ernst",
    "gemeld", "gemeldop", "melddatum", "opgelost", "opgelostop", "waarnemers", "naam", "dagen",
    "omvang", "sinds", "straal", "doel", "trekker", "titel", "waardering", "bron", "verhaal",
    "tekst", "breedtegraad", "lengtegraad", "ronde", "rol", "interactie", "begin", "einde",
    "thema", "themas", "begindatum", "einddatum", "evaluatie"})
_DECIMAL_COMMA = re.compile(r"-?\d+,(\d{1,2}|\d{4,})")


def looks_dutch(table: SourceTable) -> bool:
    """Whether a file writes numbers the Dutch way: saved by Dutch Excel (semicolons), Dutch
    column names, or a decimal comma that cannot be a thousands separator ('2,5').

    Parameters
    ----------
    table
        The file as read.

    Returns
    -------
    bool
        True for a Dutch file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> from werkwijzer_geo.io.tables import read_source_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> lines = ["tijdstip;groep;aantal;activiteit;lat;lon",
    ...          "11-09-2026 21:30;jongeren;6;chillen;52,493;4,677"]
    >>> _ = (folder / "telling.csv").write_text(chr(10).join(lines), encoding="utf-8")
    >>> looks_dutch(read_source_table(folder / "telling.csv"))
    True
    """
    if table.delimiter == ";":
        return True
    if any(normalise_name(column) in DUTCH_HEADER_WORDS for column in table.frame.columns):
        return True
    return any(isinstance(cell, str) and _DECIMAL_COMMA.fullmatch(cell.strip())
               for column in table.frame.columns for cell in table.frame[column].head(200))


def _remove_nul_characters(table: SourceTable) -> list[str]:
    """NUL characters cut text short when it is saved: take them out, and say where."""
    warnings = []
    for column in table.frame.columns:
        cells = table.frame[column]
        has_nul = cells.map(lambda cell: isinstance(cell, str) and "\x00" in cell).to_numpy(
            dtype=bool)
        for position in np.flatnonzero(has_nul):
            warnings.append(f"Rij {table.row_numbers[position]}, kolom '{column}': bevatte een "
                            "onzichtbaar NUL-teken (vaak uit een beschadigd bestand). Dat is "
                            "weggehaald; controleer de tekst.")
        if has_nul.any():
            table.frame[column] = cells.map(
                lambda cell: cell.replace("\x00", "") if isinstance(cell, str) else cell)
    return warnings


def find_personal_data(layer_name: str, rows: gpd.GeoDataFrame, table: SourceTable,
                       ) -> list[str]:
    """Warnings for text (notes, story texts, titles, themes) that looks like a phone number,
    e-mail address or postcode with house number.

    Parameters
    ----------
    layer_name
        The layer the rows are for.
    rows
        The checked rows.
    table
        The file, for its row numbers.

    Returns
    -------
    list of str
        One Dutch warning per cell, naming row and column (the text itself is not repeated).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> from werkwijzer_geo.io.tables import read_source_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> lines = ["tijdstip;groep;aantal;activiteit;lat;lon",
    ...          "11-09-2026 21:30;jongeren;6;chillen;52,493;4,677"]
    >>> _ = (folder / "telling.csv").write_text(chr(10).join(lines), encoding="utf-8")
    >>> plan = plan_import(folder / "buurt.gpkg", folder / "telling.csv", "observations")
    >>> plan.rows.loc[0, "note"] = "bel 06-12345678"
    >>> find_personal_data("observations", plan.rows, plan.source)[0][:36]
    "Rij 2, kolom 'note': lijkt een telef"
    """
    warnings = []
    texts = [c.name for c in s.get_layer(layer_name).columns
             if c.kind is Kind.TEXT and c.name != s.WEEKDAYS]  # titles and themes too
    for column in texts:
        for position, text in enumerate(rows[column]):
            if not isinstance(text, str):
                continue
            kinds = find_personal_data_kinds(text)
            if kinds:
                warnings.append(f"Rij {table.row_numbers[position]}, kolom '{column}': lijkt "
                                f"{' en '.join(kinds)} te bevatten. Haal persoonsgegevens weg "
                                "voordat je opslaat.")
    return warnings


def plan_import(
    workspace: str | Path,
    source: str | Path | SourceTable,
    layer_name: str,
    *,
    mapping: ImportMapping | None = None,
    sheet: str | None = None,
    source_layer: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """Read and check a file for `layer_name` without writing anything (the dry run).

    Parameters
    ----------
    workspace
        The workspace to import into (its time zone, outline and ids are used).
    source
        The file, or a table already read.
    layer_name
        The target layer.
    mapping
        Columns, values, defaults, time zone and date order; what is not given is
        recognised from Dutch and English names.
    sheet, source_layer
        For a workbook or a GeoPackage: which sheet or layer.
    progress
        Called with (fraction, Dutch message) as the work goes on.

    Returns
    -------
    ImportPlan
        The checked rows, the mapping used and warnings to read before saving.

    Raises
    ------
    WerkwijzerError
        With one Dutch line per problem, each naming the row (as the file numbers it)
        and the column.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> from werkwijzer_geo.io.tables import read_source_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> lines = ["tijdstip;groep;aantal;activiteit;lat;lon",
    ...          "11-09-2026 21:30;jongeren;6;chillen;52,493;4,677"]
    >>> _ = (folder / "telling.csv").write_text(chr(10).join(lines), encoding="utf-8")
    >>> plan = plan_import(folder / "buurt.gpkg", folder / "telling.csv", "observations")
    >>> plan.rows["activity"].tolist(), plan.mapping.columns["group"]
    (['hanging_out'], 'groep')
    """
    report = progress or (lambda fraction, message: None)
    info = get_workspace_info(workspace)
    layer = s.get_layer(layer_name)
    given = mapping or ImportMapping()
    tz = check_time_zone(given.tz or info.tz)
    report(0.05, "Bestand lezen…")
    table = source if isinstance(source, SourceTable) else read_source_table(
        source, sheet=sheet, layer=source_layer)
    problems = ProblemCollector(table.row_numbers, max_messages=MAX_LINES)
    personal = find_personal_columns(layer_name, list(table.frame.columns))
    for column in personal:
        problems.add(f"Kolom '{column}' in {table.name} is bedoeld voor persoonsgegevens en "
                     "wordt geweigerd. Verwijder die kolom uit het bestand en importeer opnieuw.")
    resolved = _resolve_mapping(layer_name, table, given, problems)
    problems.column_names = dict(resolved.columns)  # lines name the file's own columns
    nul_warnings = _remove_nul_characters(table)
    dutch = looks_dutch(table)
    frame = table.frame.reset_index(drop=True)
    converted = {}
    for index, column in enumerate(layer.columns):
        report(0.1 + 0.6 * index / len(layer.columns), f"Kolom {column.name}…")
        source_name = resolved.columns.get(column.name)
        if source_name is not None:
            raw = frame[source_name]
        elif column.name in resolved.defaults:
            raw = pd.Series([resolved.defaults[column.name]] * len(frame), dtype=object)
        else:
            if column.required:
                problems.add(pc.Problem(
                    f"Laag '{layer_name}' vraagt kolom '{column.name}' ({column.label}), maar "
                    f"{table.name} heeft die niet (of hij is niet gekoppeld). Koppel een kolom "
                    f"(--map {column.name}=KOLOM) of geef één waarde voor alle rijen "
                    f"(--default {column.name}=...).", column=column.name,
                    code=pc.MISSING_COLUMN))
            continue
        converted[column.name] = _convert_column(layer_name, column, raw.reset_index(drop=True),
                                                 resolved, tz, problems,
                                                 dutch=dutch)
    report(0.75, "Plekken op de kaart…")
    boundary = read_layer(workspace, s.BOUNDARY)
    geometry = _build_geometry(table, resolved, boundary, problems)
    candidate = gpd.GeoDataFrame(converted, geometry=geometry, crs=s.STORAGE_CRS) if len(
        converted) else gpd.GeoDataFrame(geometry=geometry, crs=s.STORAGE_CRS)
    report(0.85, "Controleren…")
    rows = None
    try:
        rows = validate_layer(layer_name, candidate, row_numbers=table.row_numbers,
                              max_messages=None, column_names=resolved.columns,
                              quotes={target: frame[source] for target, source
                                      in resolved.columns.items()})
    except WerkwijzerError as error:
        problems.extend(error)
    if rows is not None:
        _check_far_outside(rows, boundary, table, problems)
        _check_ids(rows, workspace, layer_name, table, resolved, problems)
    problems.raise_if_any()
    assert rows is not None
    report(1.0, "Klaar")
    return ImportPlan(layer_name, rows, resolved, table,
                      nul_warnings + find_personal_data(layer_name, rows, table))


def run_import(workspace: str | Path, plan: ImportPlan, *, actor: Actor = LOCAL) -> ImportPlan:
    """Write a checked plan: a backup first, then every row in one swap, or nothing.

    Parameters
    ----------
    workspace
        The workspace the plan was made for.
    plan
        From `plan_import`.

    Returns
    -------
    ImportPlan
        The plan, with `backup` set to the copy made before writing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> from werkwijzer_geo.io.tables import read_source_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> lines = ["tijdstip;groep;aantal;activiteit;lat;lon",
    ...          "11-09-2026 21:30;jongeren;6;chillen;52,493;4,677"]
    >>> _ = (folder / "telling.csv").write_text(chr(10).join(lines), encoding="utf-8")
    >>> from werkwijzer_geo.io.storage import read_layer
    >>> plan = plan_import(folder / "buurt.gpkg", folder / "telling.csv", "observations")
    >>> done = run_import(folder / "buurt.gpkg", plan)
    >>> len(read_layer(folder / "buurt.gpkg", "observations")), done.backup.name[-11:]
    (1, 'voor-import')
    """
    access.require(workspace, actor, Action.IMPORT)
    backup = backup_workspace(workspace)
    rows = plan.rows if s.ID in plan.mapping.columns else plan.rows.drop(columns=[s.ID])
    with access.recorded(actor, Action.IMPORT, layer=plan.layer,
                         detail=f"{len(rows)} rijen uit {Path(plan.source.name).name}"):
        append_rows(workspace, plan.layer, rows)
    LOG.info("geïmporteerd: %s rijen uit %s naar laag %s van %s (reservekopie %s)",
             len(rows), plan.source.name, plan.layer, shown_location(workspace), backup.name)
    plan.backup = backup
    return plan



def propose_mapping(layer_name: str, table: SourceTable,
                    given: ImportMapping | None = None) -> ImportMapping:
    """The mapping Buurtkaart would use: recognised columns, then `given` on top.

    Parameters
    ----------
    layer_name
        The target layer.
    table
        The file as read.
    given
        What the person chose (a saved mapping, the command line).

    Returns
    -------
    ImportMapping
        Columns, values, defaults, time zone and date order.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> from werkwijzer_geo.io.tables import read_source_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> lines = ["tijdstip;groep;aantal;activiteit;lat;lon",
    ...          "11-09-2026 21:30;jongeren;6;chillen;52,493;4,677"]
    >>> _ = (folder / "telling.csv").write_text(chr(10).join(lines), encoding="utf-8")
    >>> proposal = propose_mapping("observations", read_source_table(folder / "telling.csv"))
    >>> proposal.columns["observed_at"]
    'tijdstip'
    """
    given = given or ImportMapping()
    columns = auto_map_columns(layer_name, list(table.frame.columns))
    columns.update(given.columns)
    return ImportMapping(columns, given.values, given.defaults, given.tz, given.date_format)


def get_unknown_values(layer_name: str, table: SourceTable, mapping: ImportMapping,
                       ) -> dict[str, list[str]]:
    """Per coded column: the file's values that no alias and no value mapping recognise.

    Parameters
    ----------
    layer_name
        The target layer.
    table
        The file as read.
    mapping
        The mapping in use.

    Returns
    -------
    dict
        Layer column -> unknown values, in the order they appear.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> from werkwijzer_geo.io.tables import read_source_table
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = create_workspace(folder / "buurt.gpkg")
    >>> lines = ["tijdstip;groep;aantal;activiteit;lat;lon",
    ...          "11-09-2026 21:30;jongeren;6;chillen;52,493;4,677"]
    >>> _ = (folder / "telling.csv").write_text(chr(10).join(lines), encoding="utf-8")
    >>> table = read_source_table(folder / "telling.csv")
    >>> table.frame.loc[0, "activiteit"] = "dansen"
    >>> get_unknown_values("observations", table, propose_mapping("observations", table))
    {'activity': ['dansen']}
    """
    layer = s.get_layer(layer_name)
    unknown = {}
    for column in layer.columns:
        source = mapping.columns.get(column.name)
        if column.kind is not Kind.CODE or source not in table.frame.columns:
            continue
        chosen = {normalise_name(k) for k in mapping.values.get(column.name, {})}
        aliases = get_code_aliases(layer_name, column.name)
        values = sorted({str(v).strip() for v in table.frame[source] if not is_blank(v)})
        missing = [v for v in values if normalise_name(v) not in chosen
                   and normalise_name(v) not in aliases]
        if missing:
            unknown[column.name] = missing
    return unknown
