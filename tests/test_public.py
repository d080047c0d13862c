from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest
from builders import Obs, make_observations

from werkwijzer_geo import schema as s
from werkwijzer_geo.analysis import public as pub
from werkwijzer_geo.io import storage
from werkwijzer_geo.render import maps
from werkwijzer_geo.timefilter import TimeFilter


def _obs(rows):
    return storage.localise_layer(s.OBSERVATIONS, make_observations(rows), "Europe/Amsterdam")


A = (4.6770, 52.4930)
B = (4.6800, 52.4930)  # about 200 m east: another cell


def test_small_group_counts_are_hidden_and_never_part_of_a_total():
    cells = pub.make_public_cells(_obs([
        Obs(group="youth", count=6, lon=A[0], lat=A[1]),
        Obs(group="professionals", count=1, lon=A[0], lat=A[1]),  # 1: hidden
        Obs(group="elderly", count=4, lon=B[0], lat=B[1]),  # 4: hidden, so is the cell
    ]))
    assert len(cells) == 1
    cell = cells.iloc[0]
    assert cell["persons_youth"] == 6 and cell["persons_professionals"] == 0
    # The total is the sum of what is shown: 7 - 6 would have given the hidden 1 away.
    assert cell["persons"] == 6
    assert "records" not in cells.columns and "dates" not in cells.columns
    assert cells["persons"].sum() == sum(cells[c].sum() for c in cells.columns
                                          if c.startswith("persons_"))


def test_counts_of_five_and_more_add_up_across_sightings():
    cells = pub.make_public_cells(_obs([Obs(count=3), Obs(count=2)]))
    assert cells["persons_youth"].tolist() == [5]


def test_cells_are_never_finer_than_fifty_metres():
    with pytest.raises(ValueError, match="at least 50 m"):
        pub.make_public_cells(_obs([Obs()]), cell_m=25)


def test_public_layers_hold_no_free_text_and_no_observers(demo_path):
    layers = storage.read_layers(demo_path)
    public = pub.make_public_layers(layers, TimeFilter())
    texts = set()
    for name in s.LAYER_NAMES:
        for column in s.FREE_TEXT_COLUMNS & set(layers[name].columns):
            texts |= {t for t in layers[name][column].dropna() if isinstance(t, str) and t}
    texts |= set(layers[s.HANGOUTS][s.NAME])  # a hangout's name is typed by the team
    texts -= set(layers[s.PLACES][s.NAME])  # place names are public (one hangout is named so)
    assert texts
    for key, value in public.items():
        dumped = pd.DataFrame(value).astype(str).to_csv()
        for text in texts:
            assert text not in dumped, (key, text)
    assert s.NOTE not in public[s.SPOTS].columns
    assert set(public[s.EXPERIMENTS].columns) == {s.ID, s.NAME, s.STEP, s.OBJECT, s.START_DATE,
                                                  s.END_DATE, s.STATUS, s.RADIUS_M,
                                                  "geometry"}
    assert "reported_on" in public[s.SPOTS] and s.REPORTED_AT not in public[s.SPOTS]
    assert (public["cells"][[c for c in public["cells"].columns if c.startswith("persons_")]]
            .isin([0]) | (public["cells"][[c for c in public["cells"].columns
                                           if c.startswith("persons_")]] >= 5)).all().all()


def test_hangouts_become_cells_without_names_and_small_ones_disappear(demo_path):
    hangouts = storage.read_layer(demo_path, s.HANGOUTS)
    public = pub.make_public_hangouts(hangouts)
    assert s.NAME not in public.columns and s.NOTE not in public.columns
    assert (public[s.SIZE] >= 5).all()
    assert len(public) < len(hangouts)  # the tunnel (3) and the snack bar (4) are too small


def test_story_themes_without_text():
    stories = pd.DataFrame({s.THEMES: ["overlast, groen", "groen", None], s.TEXT: ["a", "b",
                                                                                "c"]})
    assert pub.count_story_themes(stories).to_dict() == {"groen": 2, "overlast": 1}


def test_public_map_tooltips_show_no_small_counts(demo_path):
    layers = storage.read_layers(demo_path)
    public = pub.make_public_layers(layers, TimeFilter())
    groups = maps.build_public_groups(public, [s.OBSERVATIONS, s.HANGOUTS, s.SPOTS,
                                               s.EXPERIMENTS])
    html = maps.render_map_html(maps.build_base_map(layers[s.BOUNDARY], public[s.PLACES]),
                                groups)

    numbers = [int(n) for n in re.findall(r"(\d+) personen", html)]
    assert numbers and min(numbers) >= 5
    assert "waarnemingen op" not in html  # no sightings-per-day line in public cells
    for note in layers[s.OBSERVATIONS][s.NOTE].dropna().unique():
        assert note not in html


def test_moments_under_five_stay_out_even_when_they_add_up():
    # 3 youths on Friday 21:00 and 3 on Saturday 21:00: 6 together, but each moment is small.
    cells = pub.make_public_cells(_obs([Obs(when="2026-09-11 21:30", count=3),
                                        Obs(when="2026-09-12 21:30", count=3),
                                        Obs(when="2026-09-12 22:10", count=7)]))
    assert cells["persons_youth"].tolist() == [7]


def _numbers(cells) -> Counter:
    """Public cell numbers as persons per (cell, group), zeros left out."""
    found: Counter = Counter()
    for _, row in cells.iterrows():
        for group in s.GROUP_CODES:
            if row[f"persons_{group}"]:
                found[(row["cell_x"], row["cell_y"], group)] += int(row[f"persons_{group}"])
    return found


def test_no_difference_of_two_public_numbers_reveals_a_count_under_five(demo_path):
    from werkwijzer_geo.analysis.selection import select_layers
    from werkwijzer_geo.render import scenes as sc
    from werkwijzer_geo.timefilter import HourRange

    layers = storage.read_layers(demo_path)
    hourly = {(day, hour): _numbers(pub.make_public_layers(layers, TimeFilter(
        hours=HourRange(hour, (hour + 1) % 24), weekdays=frozenset({day})))["cells"])
        for day in range(7) for hour in range(24)}  # "Een dag afspelen", every day and hour
    compared = 0
    for scene in sc.read_scenes(demo_path):
        time_filter = scene.to_time_filter()
        assert time_filter.date_from is None and time_filter.date_to is None
        shown = _numbers(pub.make_public_layers(layers, time_filter)["cells"])
        slots = [(day, hour) for day in sorted(time_filter.weekdays)
                 for hour in time_filter.hours.get_hours()]
        # The scene is exactly its hours added up: nothing hidden inside it...
        assert shown == sum((hourly[slot] for slot in slots), Counter())
        # ...so a scene minus any one of its hours is 0 or at least 5.
        for slot in slots:
            for key, number in shown.items():
                assert number - hourly[slot][key] in (0, *range(5, number + 1)), (scene.title,
                                                                                  slot, key)
            compared += 1
        # The week chart of the scene shows the same hours, each 5 or more.
        week = pub.get_public_week(select_layers(layers, time_filter)[s.OBSERVATIONS],
                                   group="youth")
        for day, hour in slots:
            youth = sum(n for (_, _, group), n in hourly[(day, hour)].items() if group == "youth")
            value = week.loc[day, hour]
            assert (pd.isna(value) and youth == 0) or (value == youth and value >= 5)
    assert compared > 100
    # The whole period is every hour of every day added up, too.
    everything = _numbers(pub.make_public_layers(layers, TimeFilter())["cells"])
    assert everything == sum(hourly.values(), Counter())


def test_public_effort_is_only_day_and_evening_totals(demo_path):
    rounds = storage.read_layer(demo_path, s.ROUNDS)
    sentence = pub.describe_public_effort(rounds)
    assert sentence.startswith(f"Het buurtteam liep {len(rounds)} rondes: ")
    assert not re.search(r"\d{2}:\d{2}|maandag|dinsdag|vrijdag|zaterdag", sentence)


def test_the_public_timeline_holds_weeks_titles_and_themes_only():
    from werkwijzer_geo.analysis.public import make_public_timeline
    from werkwijzer_geo.demo import read_demo_layers

    layers = read_demo_layers()
    timeline = make_public_timeline(layers["events"], layers["stories"])
    assert (timeline["week"].dt.day_of_week == 0).all()  # a Monday: never the day itself
    assert set(layers["events"]["title"]) <= set(timeline["title"])
    words = " ".join(timeline.astype(str).to_numpy().ravel())
    for text in layers["stories"]["text"]:
        assert text not in words
    assert not set(layers["stories"]["source"]) & set(words.split())
    assert list(timeline.columns) == ["week", "what", "title", "kind"]


def test_a_word_typed_once_as_a_theme_never_reaches_residents_but_a_team_word_does():
    from werkwijzer_geo.analysis.public import count_story_themes, make_public_timeline

    days = pd.to_datetime([f"2026-10-0{d}" for d in range(1, 8)])
    stories = pd.DataFrame({
        s.DATE: days, s.SOURCE: "resident", s.TEXT: "geheim",
        s.THEMES: ["overlast, Familie Jansen op nr 12", "parkeren", "parkeren, overlast",
                   "Parkeren", "parkeren", "parkeren ", "veiligheid"]})
    counted = count_story_themes(stories).to_dict()
    assert counted == {"parkeren": 5, "overlast": 2, "veiligheid": 1}
    timeline = make_public_timeline(pd.DataFrame(columns=[s.DATE, s.TITLE, s.KIND]), stories)
    shown = " ".join(timeline["title"])
    assert "jansen" not in shown.casefold() and "parkeren" in shown
    # With only four stories saying "parkeren" it is the team's word, not yet a theme.
    fewer = stories.iloc[:5]
    assert "parkeren" not in count_story_themes(fewer)
    assert "parkeren" not in " ".join(make_public_timeline(
        pd.DataFrame(columns=[s.DATE, s.TITLE, s.KIND]), fewer)["title"])
