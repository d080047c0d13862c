"""The shared time filter: hours of the day (may wrap midnight), weekdays and a date range."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import labels, schema
from ._errors import WerkwijzerError

ALL_WEEKDAYS = frozenset(range(7))


@dataclass(frozen=True)
class HourRange:
    """Hours from `start` up to, not including, `end`; 21-2 means 21:00 to 02:00.

    `start` is 0-23, `end` 0-24; start == end (or 0-24) is the whole day.
    """

    start: int = 0
    end: int = 24

    def __post_init__(self) -> None:
        if not (0 <= self.start <= 23 and 0 <= self.end <= 24):
            raise WerkwijzerError(
                f"Uren {self.start}-{self.end} bestaan niet. Gebruik hele uren van 0 tot 24, "
                "bijvoorbeeld 21-2 voor 21:00 tot 02:00."
            )

    @property
    def is_whole_day(self) -> bool:
        """Whether every hour is in the range."""
        return self.start % 24 == self.end % 24

    def get_hours(self) -> list[int]:
        """The hours (0-23) in the range, in order from its start."""
        return hours_between(self.start, self.end)

    def contains(self, hours: np.ndarray | pd.Series) -> np.ndarray:
        """Whether each hour of the day (0-23) is in the range."""
        hours = np.asarray(hours)
        if self.is_whole_day:
            return np.ones(hours.shape, dtype=bool)
        if self.start < self.end:
            return (hours >= self.start) & (hours < self.end)
        return (hours >= self.start) | (hours < self.end % 24)

    def to_text(self) -> str:
        """Dutch text such as '21:00-02:00'; 'hele dag' for the whole day."""
        return "hele dag" if self.is_whole_day else labels.format_hours(self.start, self.end)


def hours_between(start: int, end: int) -> list[int]:
    """The clock hours from `start` up to (not including) `end`, past midnight when `end` is
    smaller; the whole day when they are the same hour.

    Parameters
    ----------
    start, end
        Clock hours (end may be 24 or more, as in the sidebar's 06:00-06:00 day).

    Returns
    -------
    list of int
        The hours 0-23 in order from `start`.

    Examples
    --------
    >>> hours_between(21, 2)
    [21, 22, 23, 0, 1]
    >>> len(hours_between(6, 30))
    24
    """
    return [(start + step) % 24 for step in range((end - start) % 24 or 24)]


def parse_hours(text: str) -> HourRange:
    """Parse '21-2' or '21:00-02:00' into an HourRange.

    Parameters
    ----------
    text
        From-to in whole hours.

    Returns
    -------
    HourRange
        The range; 21-2 runs past midnight.

    Raises
    ------
    WerkwijzerError
        In Dutch, when the text is not two whole hours.

    Examples
    --------
    >>> parse_hours("21:00-02:00").get_hours()
    [21, 22, 23, 0, 1]
    """
    parts = text.replace(" ", "").split("-")
    try:
        start, end = (int(part.split(":")[0]) for part in parts)
    except ValueError:
        raise WerkwijzerError(
            f"Uren '{text}' zijn niet te lezen. Schrijf van-tot in hele uren, bijvoorbeeld 21-2."
        ) from None
    return HourRange(start, end)


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse 'fri,sat' (English or Dutch short names) into weekday numbers, 0 = Monday.

    Parameters
    ----------
    text
        Names separated by commas (or semicolons), any case.

    Returns
    -------
    frozenset of int
        The weekdays.

    Raises
    ------
    WerkwijzerError
        Naming every word that is no weekday.

    Examples
    --------
    >>> sorted(parse_weekdays("vr, ZA"))
    [4, 5]
    """
    names = {code: day for day, code in enumerate(labels.WEEKDAY_CODES)}
    names.update({short: day for day, short in enumerate(labels.WEEKDAY_SHORT)})
    days = set()
    unknown = []
    for part in text.lower().replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if part in names:
            days.add(names[part])
        else:
            unknown.append(part)
    if unknown or not days:
        shown = ", ".join(f"'{name}'" for name in unknown) or "niets"
        raise WerkwijzerError(
            f"Weekdagen {shown} onbekend in '{text}'. Gebruik mon, tue, wed, thu, fri, sat, sun "
            "(of ma, di, wo, do, vr, za, zo), gescheiden door komma's."
        )
    return frozenset(days)


def to_weekday_codes(days: frozenset[int] | set[int]) -> str:
    """Weekday numbers as the stored text, 'fri,sat'.

    Parameters
    ----------
    days
        Weekday numbers, 0 = Monday, in any order.

    Returns
    -------
    str
        Codes in week order, separated by commas.

    Examples
    --------
    >>> to_weekday_codes({5, 4})
    'fri,sat'
    """
    return ",".join(labels.WEEKDAY_CODES[day] for day in sorted(days))


@dataclass(frozen=True)
class TimeFilter:
    """Which moments to show: hours of the day, weekdays, and dates (inclusive)."""

    hours: HourRange = HourRange()
    weekdays: frozenset[int] = ALL_WEEKDAYS
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_text(cls, *, hours: str | None = None, weekdays: str | None = None,
                  date_from: str | None = None, date_to: str | None = None,
                  names: tuple[str, str] = ("Van", "Tot")) -> TimeFilter:
        """A filter from the words a person types: hours '21-2', weekdays 'fri,sat' (or
        'vr,za'), dates jjjj-mm-dd or dd-mm-jjjj; empty or None is everything. `names` are
        how the two dates are called in an error ('--from', '--to' on the command line).

        Examples
        --------
        >>> TimeFilter.from_text(hours="21-2", weekdays="vr,za").to_text()
        '21:00-02:00, vr, za'
        """
        return cls(
            hours=parse_hours(hours) if hours else HourRange(),
            weekdays=parse_weekdays(weekdays) if weekdays else ALL_WEEKDAYS,
            date_from=parse_date(date_from, what=names[0]) if date_from else None,
            date_to=parse_date(date_to, what=names[1]) if date_to else None,
        )

    def is_everything(self) -> bool:
        """Whether the filter lets every moment through."""
        return (
            self.hours.is_whole_day
            and self.weekdays == ALL_WEEKDAYS
            and self.date_from is None
            and self.date_to is None
        )

    def matches(self, local_hour, local_weekday, local_date) -> np.ndarray:
        """Whether each local moment (hour, weekday, date) passes the filter."""
        keep = self.hours.contains(local_hour)
        keep &= np.isin(np.asarray(local_weekday), sorted(self.weekdays))
        keep &= self.dates_match(local_date)
        return keep

    def dates_match(self, local_date) -> np.ndarray:
        """Whether each date (datetime64) lies in the date range."""
        dates = pd.to_datetime(pd.Series(local_date)).to_numpy()
        keep = np.ones(dates.shape, dtype=bool)
        if self.date_from is not None:
            keep &= dates >= np.datetime64(self.date_from)
        if self.date_to is not None:
            keep &= dates <= np.datetime64(self.date_to)
        return keep

    def to_text(self) -> str:
        """The filter in a short Dutch sentence, for captions."""
        if self.weekdays == ALL_WEEKDAYS:
            days = "alle dagen"
        elif not self.weekdays:
            days = "geen dag gekozen"
        else:
            days = labels.format_weekdays(tuple(self.weekdays))
        period = ""
        if self.date_from or self.date_to:
            period = (
                f", {labels.format_date(self.date_from) or '…'} t/m "
                f"{labels.format_date(self.date_to) or '…'}"
            )
        return f"{self.hours.to_text()}, {days}{period}"


def add_local_time(frame: pd.DataFrame, column: str, tz: str) -> pd.DataFrame:
    """Return a copy with the instant `column` in zone `tz` and its local hour, weekday, date.

    Parameters
    ----------
    frame
        A table with an instant column (any zone, or UTC).
    column
        That column's name.
    tz
        The zone to count hours and weekdays in.

    Returns
    -------
    pandas.DataFrame
        A copy, `column` in `tz`, with `local_hour`, `local_weekday` (0 = Monday) and
        `local_date`.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"at": [pd.Timestamp("2026-09-11 19:30", tz="UTC")]})
    >>> add_local_time(frame, "at", "Europe/Amsterdam")["local_hour"].tolist()
    [21]
    """
    result = frame.copy(deep=False)  # copy-on-write: the caller's frame never changes
    local = pd.to_datetime(result[column], utc=True).dt.tz_convert(tz)
    result[column] = local
    result[schema.LOCAL_HOUR] = local.dt.hour.astype("Int64")
    result[schema.LOCAL_WEEKDAY] = local.dt.day_of_week.astype("Int64")
    result[schema.LOCAL_DATE] = local.dt.tz_localize(None).dt.normalize()
    return result


def parse_date(text: str, *, what: str) -> dt.date:
    """Parse YYYY-MM-DD or dd-mm-jjjj into a date, with a Dutch error naming `what`.

    Parameters
    ----------
    text
        The date as typed.
    what
        How the field is called in the error ('--from', 'Van').

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    WerkwijzerError
        When the text is no existing date in either spelling.

    Examples
    --------
    >>> parse_date("05-06-2026", what="Van")
    datetime.date(2026, 6, 5)
    """
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise WerkwijzerError(
        f"{what} '{text}' is geen bestaande datum. Gebruik jjjj-mm-dd of dd-mm-jjjj."
    )
