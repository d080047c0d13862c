"""Rows a workspace already holds that no page can use: dates outside 1990 to ten years ahead,
or a required date that could not be read (typed in QGIS, or imported before the check).

They are set aside from every map, filter, chart and export, named in a warning, and stay
in the workspace until someone fixes or deletes them (Invoer, Bewerken)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from werkwijzer_geo import labels
from werkwijzer_geo import schema as s
from werkwijzer_geo.validate import find_outside_date_range

from .storage import read_layers


@dataclass(frozen=True)
class DateProblem:
    """One date in one saved row that pages cannot use."""

    layer: str
    row_id: int | None
    column: str
    value: pd.Timestamp | None

    def describe(self) -> str:
        """A Dutch line naming the layer, the row's number and the column."""
        layer = labels.LAYER_LABELS.get(self.layer, self.layer)
        label = s.get_layer(self.layer).column(self.column).label
        where = f"nummer {self.row_id}" if self.row_id is not None else "een rij"
        first, last = s.get_date_range()
        if self.value is None:
            what = "is leeg of onleesbaar"
        else:
            what = (f"is {labels.format_date(self.value)}, niet tussen "
                    f"{labels.format_date(first)} en {labels.format_date(last)}")
        return f"{layer.capitalize()}, {where}, kolom '{self.column}' ({label}): {what}."


def _find_bad_cells(name: str, frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Per date or moment column of a layer: which rows are out of range (or missing where
    the column is required)."""
    found = {}
    for column in s.get_layer(name).columns:
        if column.kind not in (s.Kind.DATE, s.Kind.INSTANT) or column.name not in frame:
            continue
        values = frame[column.name]  # moments in the workspace's zone: their local date
        bad = find_outside_date_range(values)
        if column.required:
            bad = bad | values.isna().to_numpy(dtype=bool)
        if bad.any():
            found[column.name] = bad
    return found


def find_date_problems(layers: Mapping[str, gpd.GeoDataFrame]) -> list[DateProblem]:
    """Every date or moment outside the allowed range, and every required one that is
    missing, in layers as `storage.read_layers` gives them.

    Parameters
    ----------
    layers
        The workspace's layers.

    Returns
    -------
    list of DateProblem
        Layer, row id, column and value of each; `describe()` gives the Dutch line.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> layers["spots"].loc[layers["spots"].index[0], "reported_at"] = pd.Timestamp(
    ...     "9999-12-31 12:00", tz="Europe/Amsterdam")
    >>> [(p.layer, p.column) for p in find_date_problems(layers)]
    [('spots', 'reported_at')]
    """
    found = []
    for name, frame in layers.items():
        if name not in s.LAYERS or frame.empty:
            continue
        ids = frame[s.ID].to_numpy() if s.ID in frame.columns else [None] * len(frame)
        for column, bad in _find_bad_cells(name, frame).items():
            for position in np.flatnonzero(bad):
                value = frame[column].iloc[position]
                found.append(DateProblem(name, None if pd.isna(ids[position]) else
                                         int(ids[position]), column,
                                         None if pd.isna(value) else pd.Timestamp(value)))
    return found


def set_aside_date_problems(layers: Mapping[str, gpd.GeoDataFrame],
                            ) -> tuple[dict[str, gpd.GeoDataFrame], list[DateProblem]]:
    """The layers without the rows of `find_date_problems`, and those problems.

    Parameters
    ----------
    layers
        The workspace's layers.

    Returns
    -------
    tuple
        The layers (copies where rows were left out) and the problems.

    Examples
    --------
    >>> from werkwijzer_geo.demo import read_demo_layers
    >>> layers = read_demo_layers(seed=3)
    >>> layers["spots"].loc[layers["spots"].index[0], "reported_at"] = pd.Timestamp(
    ...     "9999-12-31 12:00", tz="Europe/Amsterdam")
    >>> usable, problems = set_aside_date_problems(layers)
    >>> len(layers["spots"]) - len(usable["spots"]), len(problems)
    (1, 1)
    """
    problems = find_date_problems(layers)
    clean = dict(layers)
    for name in {problem.layer for problem in problems}:
        cells = _find_bad_cells(name, layers[name])
        clean[name] = layers[name][~np.logical_or.reduce(list(cells.values()))]
    return clean, problems


def read_usable_layers(path) -> tuple[dict[str, gpd.GeoDataFrame], list[DateProblem]]:
    """Every layer of a workspace with unusable rows set aside, and what was set aside.

    Parameters
    ----------
    path
        The workspace.

    Returns
    -------
    tuple
        As `set_aside_date_problems`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from werkwijzer_geo.io.storage import create_workspace
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "buurt.gpkg"
    >>> _ = create_workspace(path)
    >>> read_usable_layers(path)[1]
    []
    """
    return set_aside_date_problems(read_layers(path))
