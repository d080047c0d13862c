"""Check a layer's table against the schema, gather every problem, and raise once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import _errors as pc
from . import labels, schema
from ._errors import ProblemCollector, WerkwijzerError
from .analysis.stories import join_themes
from .io.parsing import DAY_FIRST, parse_dates
from .schema import Column, Kind, Layer
from .timefilter import parse_weekdays, to_weekday_codes

MAX_MESSAGES = 50
_ISO_WITH_ZONE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _is_missing(series: pd.Series) -> np.ndarray:
    missing = series.isna().to_numpy(dtype=bool)
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        blank = series.astype("string").str.strip().fillna("").eq("")
        missing = missing | blank.to_numpy(dtype=bool)
    return missing


def _to_number(series: pd.Series) -> pd.Series:
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        series = series.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(series, errors="coerce")


def _check_number(column: Column, values: pd.Series, present: np.ndarray,
                  problems: ProblemCollector) -> pd.Series:
    numbers = _to_number(values)
    not_number = present & numbers.isna().to_numpy()
    problems.add_rows(not_number, column, "is geen getal", "Vul een getal in.", values,
                      code=pc.NOT_A_NUMBER)
    ok = present & ~not_number
    if column.kind is Kind.INT:
        fraction = ok & (numbers.fillna(0) % 1 != 0).to_numpy(dtype=bool)
        problems.add_rows(fraction, column, "is geen heel getal", "Vul een heel getal in.",
                          values, code=pc.NOT_WHOLE)
        ok = ok & ~fraction
    if column.minimum is not None:
        low = ok & (numbers < column.minimum).fillna(False).to_numpy()
        limit = labels.format_number(column.minimum)
        problems.add_rows(low, column, f"is kleiner dan {limit}", f"Vul {limit} of meer in.",
                          values, code=pc.TOO_SMALL)
    if column.maximum is not None:
        high = ok & (numbers > column.maximum).fillna(False).to_numpy()
        limit = labels.format_number(column.maximum)
        problems.add_rows(high, column, f"is groter dan {limit}", f"Vul {limit} of minder in.",
                          values, code=pc.TOO_LARGE)
    if column.codes:
        unknown = ok & ~numbers.isin(column.codes).to_numpy()
        allowed = ", ".join(str(code) for code in column.codes)
        problems.add_rows(unknown, column, "is geen toegestane waarde",
                          f"Kies een van: {allowed}.", values, code=pc.UNKNOWN_VALUE)
    if column.kind is Kind.INT:
        whole = numbers.where(ok)
        return whole.round().astype("Int64")
    return numbers.astype("Float64")


def _check_code(column: Column, values: pd.Series, present: np.ndarray,
                problems: ProblemCollector) -> pd.Series:
    codes = values.astype("string").str.strip().str.lower()
    unknown = present & ~codes.isin(column.codes).fillna(False).to_numpy()
    allowed = ", ".join(str(code) for code in column.codes)
    problems.add_rows(unknown, column, "is geen bekende code", f"Kies een van: {allowed}.", values,
                      code=pc.UNKNOWN_VALUE)
    return codes.where(present, None).astype(object).where(present, None)


def find_outside_date_range(dates: pd.Series, *, slack_days: int = 0) -> np.ndarray:
    """Which dates or moments lie before 1990 or more than ten years ahead (see
    `schema.get_date_range`), with `slack_days` of leeway either way; moments are compared
    by their wall-clock date.

    Parameters
    ----------
    dates
        Dates or moments (with a zone).
    slack_days
        Leeway, for checks that must not flag what an earlier check let through.

    Returns
    -------
    numpy.ndarray
        True where a date is outside.

    Examples
    --------
    >>> import pandas as pd
    >>> find_outside_date_range(pd.Series(pd.to_datetime(["2026-06-05", "1600-01-01"],
    ...                                                  format="%Y-%m-%d"))).tolist()
    [False, True]
    """
    first, last = schema.get_date_range()
    slack = pd.Timedelta(days=slack_days)
    low, high = pd.Timestamp(first) - slack, pd.Timestamp(last) + pd.Timedelta(days=1) + slack
    days = dates.dt.tz_localize(None) if isinstance(dates.dtype, pd.DatetimeTZDtype) else dates
    return ((days < low) | (days >= high)).fillna(False).to_numpy(dtype=bool)


def _check_in_range(column: Column, dates: pd.Series, problems: ProblemCollector,
                    values: pd.Series) -> pd.Series:
    """Refuse dates before 1990 or more than ten years ahead (a typing error such as
    31-12-9999 would otherwise break every period and chart); they become missing."""
    first, last = schema.get_date_range()
    # Moments are in UTC here: a day either way for the workspace's zone.
    utc = isinstance(dates.dtype, pd.DatetimeTZDtype)
    outside = find_outside_date_range(dates, slack_days=1 if utc else 0)
    shown = values.map(lambda v: labels.format_date(v) if isinstance(v, (pd.Timestamp, dt.date))
                       else v)
    problems.add_rows(outside, column, f"ligt niet tussen {first:%d-%m-%Y} en {last:%d-%m-%Y}",
                      "Controleer het jaar.", shown, code=pc.OUT_OF_RANGE)
    return dates.where(~outside)


def _check_instant(column: Column, values: pd.Series, present: np.ndarray,
                   problems: ProblemCollector) -> pd.Series:
    return _check_in_range(column, _parse_instant(column, values, present, problems), problems,
                           values)


def _parse_instant(column: Column, values: pd.Series, present: np.ndarray,
                   problems: ProblemCollector) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").astype("datetime64[ms, UTC]")
    if pd.api.types.is_datetime64_dtype(values):
        problems.add_rows(present, column, "heeft geen tijdzone",
                          "Geef tijdstippen met tijdzone (de werkruimte rekent in lokale tijd).",
                          code=pc.BAD_DATE)
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ms, UTC]")
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ms, UTC]")
    bad = np.zeros(len(values), dtype=bool)
    for position in np.flatnonzero(present):
        value = values.iloc[position]
        if isinstance(value, str) and not _ISO_WITH_ZONE.match(value.strip()):
            bad[position] = True  # pd.Timestamp would read '05-06-2026' as 6 May
            continue
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError, OverflowError):
            bad[position] = True
            continue
        if stamp.tzinfo is None:
            bad[position] = True
            continue
        parsed.iloc[position] = stamp.tz_convert("UTC")
    problems.add_rows(bad, column, "is geen tijdstip met tijdzone",
                      "Schrijf bijvoorbeeld 2026-09-12T21:30:00+02:00.", values,
                      code=pc.BAD_DATE)
    return parsed


def _check_date(column: Column, values: pd.Series, present: np.ndarray,
                problems: ProblemCollector) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(values):
        parsed = values.astype("datetime64[ms]")
    else:  # the same reading as the importer's: text is ISO or Dutch, day first
        parsed, _ = parse_dates(values.astype(object), order=DAY_FIRST)
        parsed.index = values.index
    bad = present & parsed.isna().to_numpy()
    problems.add_rows(bad, column, "is geen bestaande datum",
                      "Gebruik dd-mm-jjjj of jjjj-mm-dd.", values, code=pc.BAD_DATE)
    return _check_in_range(column, parsed.dt.normalize().astype("datetime64[ms]"), problems,
                           values)


def _check_text(values: pd.Series, present: np.ndarray) -> pd.Series:
    # A NUL would cut the text short on saving; the importer has already said where.
    text = values.astype("string").str.replace("\x00", "", regex=False).str.strip()
    return text.astype(object).where(present, None)


def _check_column(column: Column, values: pd.Series, problems: ProblemCollector) -> pd.Series:
    missing = _is_missing(values)
    if column.required:
        problems.add_rows(missing, column, "is leeg", "Vul deze kolom in; hij is verplicht.",
                          code=pc.EMPTY)
    present = ~missing
    if column.kind in (Kind.INT, Kind.FLOAT):
        return _check_number(column, values, present, problems)
    if column.kind is Kind.CODE:
        return _check_code(column, values, present, problems)
    if column.kind is Kind.INSTANT:
        return _check_instant(column, values, present, problems)
    if column.kind is Kind.DATE:
        return _check_date(column, values, present, problems)
    return _check_text(values, present)


def _check_geometry(layer: Layer, geometry: gpd.GeoSeries, problems: ProblemCollector) -> None:
    values = geometry.to_numpy()
    missing = shapely.is_missing(values) | shapely.is_empty(values)
    if layer.geometry_required:
        problems.add_rows(missing, schema.GEOMETRY, "ontbreekt of is leeg",
                          "Geef elke rij een plek op de kaart.", code=pc.BAD_GEOMETRY)
    present = ~missing
    types = np.asarray(geometry.geom_type.fillna(""), dtype=object)
    wrong = present & ~np.isin(types, layer.geometry_types)
    allowed = " of ".join(layer.geometry_types)
    problems.add_rows(wrong, schema.GEOMETRY, "heeft het verkeerde type",
                      f"Deze laag neemt {allowed}.", pd.Series(types), code=pc.BAD_GEOMETRY)
    invalid = present & ~wrong & ~shapely.is_valid(values)
    problems.add_rows(invalid, schema.GEOMETRY, "is geen geldige vorm",
                      "Teken de vorm opnieuw zonder dat randen elkaar kruisen.",
                      code=pc.BAD_GEOMETRY)
    bounds = shapely.bounds(values)
    with np.errstate(invalid="ignore"):
        outside = present & ~(
            (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180)
            & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
        )
    problems.add_rows(outside, schema.GEOMETRY, "ligt buiten de aarde (lengte/breedte)",
                      "Gebruik WGS84-graden of zet het coördinatenstelsel goed.",
                      code=pc.BAD_GEOMETRY)


def _check_relations(layer: Layer, frame: pd.DataFrame, problems: ProblemCollector) -> None:
    if layer.id_column == schema.ID:
        ids = frame[schema.ID]
        duplicate = (ids.duplicated(keep=False) & ids.notna()).to_numpy()
        problems.add_rows(duplicate, layer.column(schema.ID), "komt vaker voor",
                          "Geef elke rij een eigen nummer.", ids, code=pc.DUPLICATE_ID)
    pairs = {
        schema.ROUNDS: (schema.STARTED_AT, schema.ENDED_AT),
        schema.SPOTS: (schema.REPORTED_AT, schema.RESOLVED_AT),
        schema.EXPERIMENTS: (schema.START_DATE, schema.END_DATE),
        schema.HANGOUTS: (schema.SINCE, schema.UNTIL),
    }
    if layer.name in pairs:
        first, last = pairs[layer.name]
        before = (frame[last] < frame[first]).fillna(False).to_numpy(dtype=bool)
        problems.add_rows(before, layer.column(last),
                          f"ligt vóór '{first}' ({layer.column(first).label})",
                          "Zet het einde na het begin.", frame[last].astype(str), code=pc.ORDER)
    if layer.name == schema.OBSERVATIONS:
        stray = (frame[schema.ROLE].notna() & (frame[schema.GROUP] != schema.PROFESSIONALS))
        problems.add_rows(stray.to_numpy(dtype=bool), layer.column(schema.ROLE),
                          "is ingevuld bij een groep die geen professionals is",
                          "Laat de rol leeg, of kies groep 'professionals'.", frame[schema.ROLE])
    if layer.name == schema.HANGOUTS:
        _check_weekdays(layer, frame, problems)
    if layer.name == schema.STORIES and schema.THEMES in frame.columns:
        # However they came in (Invoer, a file, QGIS), themes are kept one way: trimmed, lower
        # case, each once, joined by ", ".
        frame[schema.THEMES] = pd.Series(
            [join_themes([value]) if isinstance(value, str) else None
             for value in frame[schema.THEMES]], index=frame.index, dtype=object)


def _check_weekdays(layer: Layer, frame: pd.DataFrame, problems: ProblemCollector) -> None:
    column = layer.column(schema.WEEKDAYS)
    normalised = []
    bad = np.zeros(len(frame), dtype=bool)
    for position, value in enumerate(frame[schema.WEEKDAYS]):
        if value is None:
            normalised.append(None)
            continue
        try:
            days = parse_weekdays(str(value))
        except WerkwijzerError:
            bad[position] = True
            normalised.append(value)
            continue
        normalised.append(to_weekday_codes(days))
    problems.add_rows(bad, column, "zijn geen weekdagen",
                      "Schrijf bijvoorbeeld fri,sat (of vr,za).", frame[schema.WEEKDAYS],
                      code=pc.UNKNOWN_VALUE)
    frame[schema.WEEKDAYS] = pd.Series(normalised, index=frame.index, dtype=object)


def validate_layer(
    layer_name: str,
    frame: gpd.GeoDataFrame | pd.DataFrame,
    *,
    row_numbers: Sequence[int] | None = None,
    max_messages: int | None = MAX_MESSAGES,
    by_id: bool = False,
    column_names: dict[str, str] | None = None,
    quotes: dict[str, pd.Series] | None = None,
) -> gpd.GeoDataFrame:
    """Check `frame` against the layer's schema and return it in canonical form.

    Parameters
    ----------
    layer_name
        One of the layers in `schema.LAYERS`.
    frame
        The rows, with the layer's column names. Columns added on load
        (local hour, weekday, date) are dropped. Without a CRS, EPSG:4326 is assumed.
    row_numbers
        The row number to name in messages, per row; default is the spreadsheet
        numbering of a file with a header (first data row = 2).
    max_messages
        At most this many problem lines (then a count of the rest); None for all.
    by_id
        Name rows by their `id` ("Nummer 17"), for rows already in a workspace.
    column_names
        Layer column -> the file's column it came from, to name that one in messages.
    quotes
        Layer column -> the file's cells, to quote them in messages as they were written.

    Returns
    -------
    geopandas.GeoDataFrame
        Exactly the layer's columns plus geometry, instants in UTC, dates as
        datetime64, in EPSG:4326.

    Raises
    ------
    WerkwijzerError
        Listing every problem found, one Dutch line each.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> rows = gpd.GeoDataFrame({"kind": ["litter", "confetti"], "severity": [2, 9],
    ...     "reported_at": [pd.Timestamp("2026-09-11 21:30", tz="Europe/Amsterdam")] * 2},
    ...     geometry=[Point(4.677, 52.493)] * 2, crs="EPSG:4326")
    >>> try:
    ...     validate_layer("spots", rows)
    ... except WerkwijzerError as error:
    ...     print([(p.row, p.column, p.code) for p in error.details])
    [(3, 'kind', 'unknown_value'), (3, 'severity', 'too_large')]
    """
    layer = schema.get_layer(layer_name)
    numbers = np.asarray(row_numbers if row_numbers is not None else np.arange(len(frame)) + 2)
    if by_id and schema.ID in frame.columns:
        numbers = np.asarray([value if pd.notna(value) else "?" for value in frame[schema.ID]],
                             dtype=object)
    problems = ProblemCollector(numbers, row_word="Nummer" if by_id else "Rij",
                                max_messages=max_messages, column_names=column_names,
                                quotes=quotes)
    frame = frame.drop(columns=[c for c in schema.DERIVED_COLUMNS if c in frame.columns])
    unknown = [c for c in frame.columns if c not in layer.column_names and c != schema.GEOMETRY]
    for name in unknown:
        problems.add(pc.Problem(
            f"Kolom '{name}' hoort niet bij laag '{layer.name}' ({layer.label}). "
            f"Gebruik alleen: {', '.join(layer.column_names)}.", column=name,
            code=pc.UNKNOWN_COLUMN))
    geometry = _get_geometry(frame)
    result = {}
    for column in layer.columns:
        if column.name not in frame.columns:
            if column.required:
                problems.add(pc.Problem(
                    f"Kolom '{column.name}' ({column.label}) ontbreekt in laag "
                    f"'{layer.name}'. Voeg hem toe; hij is verplicht.", column=column.name,
                    code=pc.MISSING_COLUMN))
            values = pd.Series([None] * len(frame), index=frame.index, dtype=object)
            # Said once for the column above; not again for every row.
            result[column.name] = _check_column(replace(column, required=False), values,
                                                problems)
            continue
        values = frame[column.name]
        result[column.name] = _check_column(column, values, problems)
    checked = pd.DataFrame(result, index=frame.index)
    _check_geometry(layer, geometry, problems)
    _check_relations(layer, checked, problems)
    problems.raise_if_any()
    out = gpd.GeoDataFrame(checked, geometry=geometry.to_numpy(), crs=schema.STORAGE_CRS)
    return out.reset_index(drop=True)


def _get_geometry(frame: pd.DataFrame) -> gpd.GeoSeries:
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        geometry = frame.geometry
        if geometry.crs is not None and not geometry.crs.equals(schema.STORAGE_CRS):
            geometry = geometry.to_crs(schema.STORAGE_CRS)
        return gpd.GeoSeries(geometry.to_numpy(), index=frame.index, crs=schema.STORAGE_CRS)
    if schema.GEOMETRY in frame.columns:
        return gpd.GeoSeries(frame[schema.GEOMETRY].to_numpy(), index=frame.index,
                             crs=schema.STORAGE_CRS)
    return gpd.GeoSeries([None] * len(frame), index=frame.index, crs=schema.STORAGE_CRS)


def make_empty_layer(layer_name: str) -> gpd.GeoDataFrame:
    """An empty, valid table for the layer, with the right column types.

    Parameters
    ----------
    layer_name
        One of `schema.LAYER_NAMES`.

    Returns
    -------
    geopandas.GeoDataFrame
        No rows; every column of the layer and a geometry, in EPSG:4326.

    Examples
    --------
    >>> empty = make_empty_layer("observations")
    >>> len(empty), str(empty.crs), "count" in empty.columns
    (0, 'EPSG:4326', True)
    """
    layer = schema.get_layer(layer_name)
    empty = pd.DataFrame({column.name: pd.Series([], dtype=object) for column in layer.columns})
    return validate_layer(layer_name, empty)


PHONE = re.compile(r"(?:\+31|0031|\b0)[\s-]?[1-9](?:[\s-]?\d){8}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
POSTCODE_NUMBER = re.compile(r"\b[1-9]\d{3}\s?[A-Za-z]{2}\s+\d{1,5}\b")


def find_personal_data_kinds(text: object) -> list[str]:
    """What in a text looks like personal data: a Dutch phone number, an e-mail address, a
    postcode with a house number (Dutch words, for a warning).

    Parameters
    ----------
    text
        A typed text (anything else has none).

    Returns
    -------
    list of str
        E.g. ["een telefoonnummer"]; empty when nothing looks personal.

    Examples
    --------
    >>> find_personal_data_kinds("Bel 06-12345678 of mail a@b.nl")
    ['een telefoonnummer', 'een e-mailadres']
    >>> find_personal_data_kinds("Bewoner van 1941 AB 12 klaagt")
    ['een postcode met huisnummer']
    >>> find_personal_data_kinds("Groep van 12 jongeren om 21:30")
    []
    """
    if not isinstance(text, str):
        return []
    return [kind for kind, pattern in (("een telefoonnummer", PHONE),
                                       ("een e-mailadres", EMAIL),
                                       ("een postcode met huisnummer", POSTCODE_NUMBER))
            if pattern.search(text)]


def find_personal_data_in_row(layer_name: str, values: dict) -> list[str]:
    """Warnings for a row typed on Invoer whose texts look like personal data, one per
    column, naming the column (the text itself is not repeated).

    Parameters
    ----------
    layer_name
        The layer the row is for.
    values
        Column -> typed value.

    Returns
    -------
    list of str
        Dutch warnings; empty when nothing looks personal.

    Examples
    --------
    >>> find_personal_data_in_row("stories", {"text": "Moeder (06 12345678) belde", "themes":
    ...                                       "overlast"})
    ["Kolom 'verhaal': lijkt een telefoonnummer te bevatten."]
    """
    layer = schema.get_layer(layer_name)
    warnings = []
    for column in layer.columns:
        if column.kind is not Kind.TEXT:
            continue
        kinds = find_personal_data_kinds(values.get(column.name))
        if kinds:
            warnings.append(f"Kolom '{column.label}': lijkt {' en '.join(kinds)} te bevatten.")
    return warnings
