from __future__ import annotations

import pytest

from werkwijzer_geo import WerkwijzerError, labels
from werkwijzer_geo import schema as s

DESIGN_COLUMNS = {
    "rounds": ["id", "started_at", "ended_at", "observers", "note"],
    "observations": ["id", "round_id", "observed_at", "group", "count", "activity", "role",
                     "interaction", "place", "note"],
    "hangouts": ["id", "name", "group", "weekdays", "start_hour", "end_hour", "size", "since",
                 "until", "note"],
    "spots": ["id", "kind", "reported_at", "resolved_at", "severity", "note"],
    "experiments": ["id", "name", "step", "object", "start_date", "end_date", "status",
                    "radius_m", "goal", "evaluation", "owner"],
    "places": ["id", "name", "kind", "note"],
    "boundary": ["name"],
    "events": ["id", "date", "title", "kind", "valence", "place", "note"],
    "stories": ["id", "date", "source", "themes", "valence", "text"],
}


def test_every_layer_of_the_design_with_its_columns():
    assert {name: list(layer.column_names) for name, layer in s.LAYERS.items()} == DESIGN_COLUMNS


def test_every_code_has_a_dutch_label_and_every_group_a_colour():
    assert set(s.GROUP_CODES) == set(labels.GROUP_COLOURS)
    assert set(s.SPOT_KIND_CODES) == set(labels.SPOT_KIND_COLOURS)
    assert set(labels.LAYER_LABELS) == set(s.LAYER_NAMES)


def test_codes_live_in_schema_and_labels_names_exactly_those():
    coded = [(layer.name, column) for layer in s.LAYERS.values() for column in layer.columns
             if column.codes]
    assert len(coded) >= 10
    for layer_name, column in coded:
        names = labels.get_code_labels(layer_name, column.name)
        assert list(names) == list(column.codes), (layer_name, column.name)
        assert all(isinstance(name, str) and name for name in names.values())


def test_unknown_layer_is_named_in_dutch():
    with pytest.raises(WerkwijzerError, match="Onbekende laag 'waarnemingen'"):
        s.get_layer("waarnemingen")
