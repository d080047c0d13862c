from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from werkwijzer_geo import WerkwijzerError
from werkwijzer_geo import schema as s
from werkwijzer_geo.timefilter import (
    HourRange,
    TimeFilter,
    add_local_time,
    parse_date,
    parse_hours,
    parse_weekdays,
)


def test_hour_range_wrapping_midnight_contains_late_evening_and_night():
    hours = parse_hours("21-2")
    assert hours.get_hours() == [21, 22, 23, 0, 1]
    inside = hours.contains(np.arange(24))
    assert np.flatnonzero(inside).tolist() == [0, 1, 21, 22, 23]


def test_hour_range_plain_and_whole_day():
    assert np.flatnonzero(HourRange(9, 12).contains(np.arange(24))).tolist() == [9, 10, 11]
    assert HourRange(0, 24).contains(np.arange(24)).all()
    assert HourRange(6, 6).is_whole_day
    assert parse_hours("21:00-02:00") == HourRange(21, 2)


@pytest.mark.parametrize("text", ["21", "a-b", "25-3", "21-2-4"])
def test_bad_hours_give_dutch_message(text):
    with pytest.raises(WerkwijzerError, match=r"[Uu]ren"):
        parse_hours(text)


def test_weekdays_accept_english_and_dutch_and_reject_unknown():
    assert parse_weekdays("fri,sat") == {4, 5}
    assert parse_weekdays("vr; za") == {4, 5}
    with pytest.raises(WerkwijzerError, match="'fry'"):
        parse_weekdays("fry,sat")


def test_local_time_follows_daylight_saving():
    # 25 October 2026, 00:30 and 01:30 UTC are 02:30 summer time and 02:30 winter time.
    frame = pd.DataFrame({s.OBSERVED_AT: pd.to_datetime(
        ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-24T19:30:00Z"])})
    local = add_local_time(frame, s.OBSERVED_AT, "Europe/Amsterdam")
    assert local[s.LOCAL_HOUR].tolist() == [2, 2, 21]
    assert local[s.LOCAL_WEEKDAY].tolist() == [6, 6, 5]
    assert local[s.LOCAL_DATE].dt.day.tolist() == [25, 25, 24]


def test_time_filter_combines_hours_weekdays_and_dates():
    time_filter = TimeFilter(hours=HourRange(21, 2), weekdays=frozenset({4, 5}),
                             date_from=dt.date(2026, 9, 1), date_to=dt.date(2026, 9, 30))
    hours = np.array([22, 1, 22, 22, 12])
    weekdays = np.array([4, 5, 2, 4, 4])
    dates = pd.to_datetime(["2026-09-11", "2026-09-12", "2026-09-09", "2026-10-02", "2026-09-11"])
    assert time_filter.matches(hours, weekdays, dates).tolist() == [True, True, False, False,
                                                                    False]
    assert "21:00-02:00" in time_filter.to_text() and "vr, za" in time_filter.to_text()


def test_parse_date_accepts_iso_and_dutch_and_rejects_impossible():
    assert parse_date("2026-09-11", what="--from") == dt.date(2026, 9, 11)
    assert parse_date("11-09-2026", what="--from") == dt.date(2026, 9, 11)
    with pytest.raises(WerkwijzerError, match="--from '31-02-2026' is geen bestaande datum"):
        parse_date("31-02-2026", what="--from")
