"""Turn file cells into values: times in many spellings, numbers with a decimal comma, points.

Every function returns the parsed values plus one problem per bad cell as (position, text);
the importer adds the row and column to each.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

Problem = tuple[int, str]

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
# How a file writes a date with the year last: the day first (Dutch) or the month first (US).
DAY_FIRST, MONTH_FIRST = "dd-mm-jjjj", "mm-dd-jjjj"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)
# Naive spellings per order; a column is read in one order only (see `decide_date_order`).
_YEAR_FIRST_INSTANTS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f", "%Y %b %d %I:%M:%S %p",
)
INSTANT_FORMATS = {
    DAY_FIRST: (
        *_YEAR_FIRST_INSTANTS, "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M"),
    MONTH_FIRST: (
        *_YEAR_FIRST_INSTANTS, "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
        "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
        "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M"),
}
DATE_FORMATS = {
    DAY_FIRST: ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"),
    MONTH_FIRST: ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"),
}
_YEAR_LAST = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{4}\b")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_TO_WGS84 = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def is_blank(value: object) -> bool:
    """Empty cell: None, NaN, NaT or only spaces.

    Parameters
    ----------
    value
        A cell as a file gave it.

    Returns
    -------
    bool
        Whether the cell holds nothing.

    Examples
    --------
    >>> is_blank("  "), is_blank(float("nan")), is_blank("0")
    (True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# A separator followed by exactly three digits may group thousands or mark decimals.
_AMBIGUOUS = re.compile(r"[+-]?\d{1,3}[.,]\d{3}")
_GROUPED = {".": re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?"),  # 1.000 / 1.000,5 (Dutch)
            ",": re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")}  # 1,000 / 1,000.5 (English)
_PLAIN_DECIMAL = re.compile(r"[+-]?\d*([.,])\d+")


def _decimal_mark(text: str) -> str | None:
    """The decimal mark a cell shows beyond doubt: '2,5' and '1.000,5' say ',', '2.5' and
    '1,000.5' say '.'; '1.000' and '7' say nothing."""
    for mark, pattern in _GROUPED.items():
        other = "," if mark == "." else "."
        if pattern.fullmatch(text) and (other in text or text.count(mark) > 1):
            return other  # '1.000,5' or '1.000.000': the point groups thousands
    match = _PLAIN_DECIMAL.fullmatch(text)
    if match and not _AMBIGUOUS.fullmatch(text):
        return match.group(1)
    return None


def to_numbers(values: pd.Series, *, dutch: bool = True, grouping: bool = True,
               ) -> tuple[pd.Series, list[Problem]]:
    """Numbers from cells, read the way the file writes them. Blank cells stay missing.

    The decimal mark is decided for the whole column: from cells that show it ('2,5', '2.5',
    '1.000,5'); when none does, from the file (Dutch: comma, '1.000' is a thousand; other
    files: a '1.000' could be one or a thousand and is a problem, never a guess). With
    `grouping` off (coordinates) a point or comma is always the decimal mark.

    Parameters
    ----------
    values
        The column's cells.
    dutch
        Whether the file is Dutch (see `importer.looks_dutch`).
    grouping
        Whether thousands separators can occur (counts: yes; coordinates: no).

    Returns
    -------
    tuple
        The numbers (float, NaN where blank or unreadable) and a list of (position, Dutch
        text) problems.

    Examples
    --------
    >>> import pandas as pd
    >>> numbers, problems = to_numbers(pd.Series(["1.000", "2,5", ""]))
    >>> numbers.tolist()[:2], problems
    ([1000.0, 2.5], [])
    >>> to_numbers(pd.Series(["1.000"]), dutch=False)[1][0][0]
    0
    """
    text = values.map(lambda v: None if is_blank(v) else str(v).strip())
    problems: list[Problem] = []
    if not grouping:
        numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    else:
        marks = {mark for mark in map(_decimal_mark, text.dropna()) if mark}
        mark = marks.pop() if len(marks) == 1 else None
        if mark is None and not marks:
            mark = "," if dutch else None
        parsed = []
        for position, cell in enumerate(text):
            value, problem = _read_number(cell, mark)
            parsed.append(value)
            if problem:
                problems.append((position, problem))
        numbers = pd.Series(parsed, index=values.index, dtype="Float64")
        return numbers, problems
    problems += [(int(i), "is geen getal") for i in np.flatnonzero(
        text.notna().to_numpy() & numbers.isna().to_numpy())]
    return numbers, problems


def _read_number(cell: str | None, mark: str | None) -> tuple[float | None, str | None]:
    """One cell with the column's decimal mark (None: undecided, so '1.000' is a problem)."""
    if cell is None or cell != cell:
        return None, None
    if mark is None and _AMBIGUOUS.fullmatch(cell):
        return None, ("kan één of duizend betekenen (een punt of komma voor drie cijfers). "
                      "Schrijf het getal zonder scheidingsteken voor duizendtallen, zoals 1000, "
                      "of sla het bestand op als Nederlandse CSV (met puntkomma's)")
    own = _decimal_mark(cell)
    if mark is not None and own is not None and own != mark:
        return None, (f"schrijft decimalen anders dan de rest van de kolom (daar met "
                      f"'{mark}'). Gebruik in de hele kolom hetzelfde decimaalteken")
    decimal = mark or own or "."
    grouping = "." if decimal == "," else ","
    if grouping in cell and _GROUPED[grouping].fullmatch(cell):
        cell = cell.replace(grouping, "")
    try:
        return float(cell.replace(decimal, ".")), None
    except ValueError:
        return None, "is geen getal"


def _excel_serial(value: object) -> pd.Timestamp | None:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"\d{5}([.,]\d+)?", value.strip()):
        number = float(value.strip().replace(",", "."))
    else:
        return None
    if 20000 <= number <= 80000:  # 1954 to 2119
        return (EXCEL_EPOCH + pd.to_timedelta(number, unit="D")).round("s")
    return None


def decide_date_order(cells: pd.Series, *, dutch: bool, order: str | None = None,
                      ) -> tuple[str, list[Problem]]:
    """Whether a column writes its dates day-first or month-first, decided for the whole
    column from its cells with the year last ('05-06-2026').

    A day above 12 in the first place means day-first, in the second month-first; a column
    with both kinds is a problem at the first cell of each kind. A column in which every such
    date fits both ways is read day-first when the file is Dutch (`dutch`); otherwise it is
    a problem that asks for the choice. `order` (DAY_FIRST or MONTH_FIRST) is that choice:
    cells that contradict it become problems where they are read.

    Parameters
    ----------
    cells
        The column's text cells.
    dutch
        Whether the file is Dutch.
    order
        The person's choice, DAY_FIRST or MONTH_FIRST, or None to decide from the cells.

    Returns
    -------
    tuple
        The order to read in, and (position, Dutch text) problems (empty when decided).

    Examples
    --------
    >>> import pandas as pd
    >>> decide_date_order(pd.Series(["05/06/2026", "05/13/2026"]), dutch=False)
    ('mm-dd-jjjj', [])
    >>> decide_date_order(pd.Series(["05-06-2026"]), dutch=True)
    ('dd-mm-jjjj', [])
    >>> decide_date_order(pd.Series(["05/06/2026"]), dutch=False)[1][0][0]
    0
    """
    if order is not None:
        if order not in DATE_ORDERS:
            raise ValueError(order)
        return order, []
    parts = cells.astype("string").str.extract(_YEAR_LAST).astype(float)
    first, second = parts[0].to_numpy(), parts[1].to_numpy()
    day_first = np.flatnonzero(first > 12)
    month_first = np.flatnonzero(second > 12)
    if len(day_first) and len(month_first):
        mixed = ("; deze kolom schrijft datums zowel dag-eerst als maand-eerst. Maak de kolom "
                 "eenvormig en importeer opnieuw")
        return DAY_FIRST, [(int(day_first[0]), "staat dag-eerst (dd-mm-jjjj)" + mixed),
                           (int(month_first[0]), "staat maand-eerst (mm-dd-jjjj)" + mixed)]
    if len(day_first):
        return DAY_FIRST, []
    if len(month_first):
        return MONTH_FIRST, []
    ambiguous = np.flatnonzero(~np.isnan(first))
    if not len(ambiguous) or dutch:
        return DAY_FIRST, []
    example = str(cells.iloc[ambiguous[0]]).strip().split(" ")[0]
    return DAY_FIRST, [(int(ambiguous[0]),
                        f"kan dag-eerst of maand-eerst zijn (zo is {example} "
                        f"{_both_readings(example)}), en geen datum in deze kolom beslist het. "
                        "Kies hoe het bestand datums schrijft: --date-format dd-mm-jjjj of "
                        "--date-format mm-dd-jjjj (bij Importeren: 'Datums in dit bestand')")]


_MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")


def _both_readings(text: str) -> str:
    first, second = (int(part) for part in re.split(r"[-/.]", text)[:2])
    return (f"{first} {_MONTHS[second - 1]} of {second} {_MONTHS[first - 1]}"
            if 1 <= first <= 12 and 1 <= second <= 12 else "onduidelijk")


def _parse_naive(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    """Each cell in the spelling that reads most of the column, else the next best one (all
    of one date order: see `decide_date_order`)."""
    attempts = [pd.to_datetime(text, format=pattern, errors="coerce").astype("datetime64[us]")
                for pattern in formats]
    ranked = sorted(attempts, key=lambda parsed: -int(parsed.notna().sum()))  # stable
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for parsed in ranked:
        result = result.where(result.notna(), parsed)
    return result


def parse_instants(values: pd.Series, tz: str, *, dutch: bool = True,
                   order: str | None = None) -> tuple[pd.Series, list[Problem]]:
    """Moments from cells, as UTC. Times without an offset are local in `tz`.

    Accepts ISO (with or without offset), dd-mm-jjjj uu:mm, US month-first with AM/PM,
    Excel date cells and Excel serial numbers; day-first or month-first is decided for the
    whole column (`decide_date_order`, with `dutch` and `order`). A local time that does not
    exist (the spring-forward gap) or exists twice (the autumn overlap) is a problem, not a
    guess.

    Parameters
    ----------
    values
        The column's cells (text, datetimes or Excel serials).
    tz
        The zone of times written without an offset.
    dutch, order
        See `decide_date_order`.

    Returns
    -------
    tuple
        The moments (datetime64[ms, UTC], NaT where blank or unreadable) and a list of
        (position, Dutch text) problems.

    Examples
    --------
    >>> import pandas as pd
    >>> moments, problems = parse_instants(pd.Series(["11-09-2026 21:30"]), "Europe/Amsterdam")
    >>> str(moments.iloc[0]), problems
    ('2026-09-11 19:30:00+00:00', [])
    >>> parse_instants(pd.Series(["29-03-2026 02:30"]), "Europe/Amsterdam")[1][0][1][:14]
    'bestaat niet i'
    """
    values = values.reset_index(drop=True)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ms, UTC]")
    naive = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    problems: list[Problem] = []
    text_positions = []
    for position, value in enumerate(values):
        if is_blank(value):
            continue
        if isinstance(value, (dt.datetime, pd.Timestamp)):
            stamp = pd.Timestamp(value)
            if stamp.tzinfo is None:
                naive.iloc[position] = stamp
            else:
                result.iloc[position] = stamp.tz_convert("UTC")
            continue
        serial = _excel_serial(value)
        if serial is not None:
            naive.iloc[position] = serial
            continue
        text = str(value).strip()
        if _OFFSET.search(text) and re.match(r"\d{4}-\d{2}-\d{2}", text):
            try:
                result.iloc[position] = pd.Timestamp(text).tz_convert("UTC")
            except ValueError:
                problems.append((position, "is geen bestaand tijdstip"))
            continue
        text_positions.append(position)
    if text_positions:
        texts = values.iloc[text_positions].astype(str).str.strip().str.replace(
            r"\s+", " ", regex=True)
        chosen, order_problems = decide_date_order(texts, dutch=dutch, order=order)
        if order_problems:
            return result, [(text_positions[p], what) for p, what in order_problems]
        parsed = _parse_naive(texts, INSTANT_FORMATS[chosen])
        for position, stamp in zip(text_positions, parsed, strict=True):
            if pd.isna(stamp):
                problems.append((position, f"is geen (bestaand) tijdstip. Gebruik {chosen} "
                                           "uu:mm of jjjj-mm-ddTuu:mm"))
            else:
                naive.iloc[position] = stamp
    localised, dst_problems = _localise(naive, tz)
    result = result.where(result.notna(), localised)
    return result, sorted(problems + dst_problems)


def _localise(naive: pd.Series, tz: str) -> tuple[pd.Series, list[Problem]]:
    local = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    problems = [(int(position), describe_dst_problem(naive.iloc[position], tz))
                for position in np.flatnonzero(naive.notna().to_numpy()
                                               & local.isna().to_numpy())]
    return local.dt.tz_convert("UTC").astype("datetime64[ms, UTC]"), problems


def describe_dst_problem(naive: pd.Timestamp, tz: str, *,
                         gap_advice: str = "Controleer het uur",
                         overlap_advice: str = "Voeg +02:00 (zomertijd) of +01:00 (wintertijd) "
                                               "toe") -> str:
    """Why a wall-clock time cannot be placed in `tz` (the spring gap or the autumn overlap),
    with what to do about it.

    Parameters
    ----------
    naive
        The wall-clock time, without zone.
    tz
        The zone it was meant in.
    gap_advice, overlap_advice
        What to tell the person for each case.

    Returns
    -------
    str
        A Dutch sentence part.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_dst_problem(pd.Timestamp("2026-10-25 02:30"), "Europe/Amsterdam")[:24]
    'komt twee keer voor in E'
    """
    if pd.isna(pd.Timestamp(naive).tz_localize(tz, ambiguous=True, nonexistent="NaT")):
        return f"bestaat niet in {tz}: de klok sprong toen een uur vooruit. {gap_advice}"
    return f"komt twee keer voor in {tz} (de klok ging een uur terug). {overlap_advice}"


def parse_dates(values: pd.Series, *, dutch: bool = True, order: str | None = None,
                ) -> tuple[pd.Series, list[Problem]]:
    """Calendar dates from cells: ISO, dd-mm-jjjj (or mm-dd-jjjj, decided for the whole
    column as in `parse_instants`), Excel date cells and serial numbers.

    Parameters
    ----------
    values
        The column's cells.
    dutch, order
        See `decide_date_order`.

    Returns
    -------
    tuple
        The dates (datetime64[ms], NaT where blank or unreadable) and a list of
        (position, Dutch text) problems.

    Examples
    --------
    >>> import pandas as pd
    >>> dates, problems = parse_dates(pd.Series(["05-06-2026", "2026-06-07", "46000"]))
    >>> [str(d.date()) for d in dates], problems
    (['2026-06-05', '2026-06-07', '2025-12-09'], [])
    """
    values = values.reset_index(drop=True)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ms]")
    problems: list[Problem] = []
    text_positions = []
    for position, value in enumerate(values):
        if is_blank(value):
            continue
        if isinstance(value, (dt.date, pd.Timestamp)):
            stamp = pd.Timestamp(value)
            result.iloc[position] = (stamp.tz_localize(None) if stamp.tzinfo else stamp
                                     ).normalize()
            continue
        serial = _excel_serial(value)
        if serial is not None:
            result.iloc[position] = serial.normalize()
            continue
        text_positions.append(position)
    if text_positions:
        texts = values.iloc[text_positions].astype(str).str.strip().str.split(" ").str[0]
        chosen, order_problems = decide_date_order(texts, dutch=dutch, order=order)
        if order_problems:
            return result, [(text_positions[p], what) for p, what in order_problems]
        parsed = _parse_naive(texts.str.split("T").str[0], DATE_FORMATS[chosen])
        for position, stamp in zip(text_positions, parsed, strict=True):
            if pd.isna(stamp):
                problems.append((position, f"is geen bestaande datum. Gebruik {chosen} of "
                                           "jjjj-mm-dd"))
            else:
                result.iloc[position] = stamp
    return result, problems


def parse_geolocation(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """KoboToolbox `_geolocation` cells, '[52.49, 4.67]' or '52.49 4.67 0 5', into lat and lon.

    Parameters
    ----------
    values
        The cells.

    Returns
    -------
    tuple of pandas.Series
        Latitudes and longitudes (NaN where a cell holds no two numbers).

    Examples
    --------
    >>> import pandas as pd
    >>> lat, lon = parse_geolocation(pd.Series(["[52.49, 4.67]", "52.5 4.6 0 5"]))
    >>> lat.tolist(), lon.tolist()
    ([52.49, 52.5], [4.67, 4.6])
    """
    lat, lon = [], []
    for value in values:
        numbers = re.findall(r"-?\d+(?:\.\d+)?", "" if is_blank(value) else str(value))
        lat.append(float(numbers[0]) if len(numbers) >= 2 else np.nan)
        lon.append(float(numbers[1]) if len(numbers) >= 2 else np.nan)
    return pd.Series(lat), pd.Series(lon)


def looks_like_rd(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether coordinates are RD New metres rather than degrees (most of them).

    Parameters
    ----------
    x, y
        The two coordinate columns as numbers.

    Returns
    -------
    bool
        True when most pairs lie in RD New's range for the Netherlands.

    Examples
    --------
    >>> import numpy as np
    >>> looks_like_rd(np.array([104056.0]), np.array([500007.0]))
    True
    """
    valid = ~(np.isnan(x) | np.isnan(y))
    if not valid.any():
        return False
    inside = (x[valid] > 0) & (x[valid] < 300_000) & (y[valid] > 289_000) & (y[valid] < 629_000)
    return bool(inside.mean() > 0.5)


def make_points(x: np.ndarray, y: np.ndarray, *, rd: bool) -> np.ndarray:
    """Points in WGS84 from lon/lat degrees or RD New metres; missing where either is.

    Parameters
    ----------
    x, y
        Longitude and latitude, or RD x and y.
    rd
        Whether they are RD New metres.

    Returns
    -------
    numpy.ndarray
        shapely Points in EPSG:4326 (None where a coordinate is missing).

    Examples
    --------
    >>> points = make_points([155000.0, float("nan")], [463000.0, 1.0], rd=True)
    >>> round(points[0].x, 3), points[1] is None
    (5.387, True)
    """
    # Missing before projecting: pyproj turns a NaN into infinity, a point nowhere.
    missing = ~(np.isfinite(np.asarray(x, dtype=float)) & np.isfinite(np.asarray(y, dtype=float)))
    if rd:
        x, y = _TO_WGS84.transform(x, y)
    points = shapely.points(x, y)
    points[missing] = None
    return points
