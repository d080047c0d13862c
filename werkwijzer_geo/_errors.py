"""The one error type the package raises for problems a user can fix, and the one collector
that gathers those problems.

A problem is data: where it is (the row as the file or workspace numbers it, the column), a
code a program can act on, and the Dutch line a person reads. The command line prints the
lines; the pages show a table of row, column and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Codes for `Problem.code`; the Dutch text says the same for people.
MISSING_COLUMN = "missing_column"
UNKNOWN_COLUMN = "unknown_column"
EMPTY = "empty"
NOT_A_NUMBER = "not_a_number"
NOT_WHOLE = "not_whole"
TOO_SMALL = "too_small"
TOO_LARGE = "too_large"
UNKNOWN_VALUE = "unknown_value"
BAD_DATE = "bad_date"
DATE_ORDER = "date_order"
OUT_OF_RANGE = "out_of_range"
BAD_GEOMETRY = "bad_geometry"
DUPLICATE_ID = "duplicate_id"
TAKEN_ID = "taken_id"
ORDER = "order"  # an end before its start
INVALID = "invalid"  # anything else


@dataclass(frozen=True)
class Problem:
    """One thing a user can fix.

    Parameters
    ----------
    text
        The whole Dutch line, naming the row and column when there are some.
    row
        The row as the person finds it: the file's row number, or the workspace's id.
    column
        The layer's column name (the file's own name is in `text`).
    code
        What kind of problem, one of the codes in this module.
    """

    text: str
    row: int | str | None = None
    column: str | None = None
    code: str = INVALID

    def __str__(self) -> str:
        return self.text


class WerkwijzerError(Exception):
    """A problem with input or a workspace, explained in Dutch.

    Parameters
    ----------
    problems
        `Problem`s, or Dutch lines; validators gather all of them before raising.
    """

    def __init__(self, problems: str | Problem | Iterable[str | Problem]) -> None:
        items = [problems] if isinstance(problems, (str, Problem)) else list(problems)
        self.details = [item if isinstance(item, Problem) else Problem(str(item))
                        for item in items]
        super().__init__("\n".join(self.problems))

    @property
    def problems(self) -> list[str]:
        """The Dutch lines, one per problem."""
        return [problem.text for problem in self.details]


def _show(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        return False
    return isinstance(value, str) and not value.strip()


class ProblemCollector:
    """Gathers problems for one table, each cell at most once, and raises them together.

    Parameters
    ----------
    row_numbers
        Per position, the row to name ("Rij 2" for a file's first data row, or an id).
    row_word
        "Rij" for a file, "Nummer" for rows named by their id.
    max_messages
        At most this many lines (then a count of the rest); None for all.
    column_names
        Layer column -> the file's own column, so a line names the column the person sees.
    quotes
        Layer column -> the file's cells (by position), so a line quotes what the person
        typed ('1e20'), not the value it was read as.
    """

    def __init__(self, row_numbers: Sequence | np.ndarray | None = None, *,
                 row_word: str = "Rij", max_messages: int | None = None,
                 column_names: dict[str, str] | None = None,
                 quotes: dict[str, pd.Series] | None = None) -> None:
        self.quotes = {name: cells.reset_index(drop=True) for name, cells in
                       (quotes or {}).items()}
        self.row_numbers = np.asarray(row_numbers if row_numbers is not None else [],
                                      dtype=object)
        self.row_word = row_word
        self.max_messages = max_messages
        self.column_names = dict(column_names or {})
        self.found: list[Problem] = []
        self.total = 0
        self.cells: set[tuple[object, str]] = set()
        self.missing_columns: set[str] = set()

    def __bool__(self) -> bool:
        return self.total > 0

    def name_column(self, column: str, label: str | None = None) -> str:
        """'aantal' (count) for a file's column, 'count' (aantal) for the layer's own."""
        source = self.column_names.get(column)
        if source and source != column:
            return f"'{source}' ({column})"
        return f"'{column}' ({label})" if label else f"'{column}'"

    def add(self, problem: Problem | str) -> None:
        """One problem (a line without a place is fine too)."""
        problem = problem if isinstance(problem, Problem) else Problem(problem)
        if problem.row is not None and problem.column is not None:
            key = (problem.row, problem.column)
            if key in self.cells:
                return  # a later check never repeats an earlier one
            self.cells.add(key)
        if problem.code == MISSING_COLUMN and problem.column is not None:
            if problem.column in self.missing_columns:
                return
            self.missing_columns.add(problem.column)
        self.total += 1
        if self.max_messages is None or len(self.found) < self.max_messages:
            self.found.append(problem)

    def add_rows(self, rows: np.ndarray | Iterable[int], column: object, what: str,
                 fix: str = "", values: pd.Series | Sequence | None = None, *,
                 code: str = INVALID) -> None:
        """One line per row: `rows` is a boolean mask or positions; `column` a name or a
        schema column (its label is shown); `values` the cells, to quote them."""
        name = getattr(column, "name", column)
        label = getattr(column, "label", None)
        positions = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else rows
        for position in positions:
            position = int(position)
            row = self.row_numbers[position] if len(self.row_numbers) else position + 2
            row = int(row) if isinstance(row, (int, np.integer)) else row
            shown = ""
            if name in self.quotes and values is not None:
                values = self.quotes[name]
            if values is not None:
                value = values.iloc[position] if isinstance(values, pd.Series) else values[
                    position]
                shown = "" if _is_blank(value) else f"'{_show(value)}' "
            self.add(Problem(
                f"{self.row_word} {row}, kolom {self.name_column(name, label)}: {shown}{what}."
                + (f" {fix}" if fix else ""), row, name, code))

    def add_same_value(self, positions: Sequence[int], column: str, value: object, what: str,
                       *, code: str = INVALID) -> None:
        """One line for the same value wrong in many rows: the first rows and how many."""
        rows = [int(self.row_numbers[p]) for p in positions]
        shown = ", ".join(map(str, rows[:5])) + (f" … ({len(rows)} rijen)" if len(rows) > 5
                                                   else "")
        word = self.row_word if len(rows) == 1 else "Rijen"
        self.add(Problem(f"{word} {shown}, kolom {self.name_column(column)}: "
                         f"'{_show(value)}' {what}.", rows[0], column, code))
        self.cells.update((row, column) for row in rows)

    def skip_rows(self, positions: Iterable[int], column: str) -> None:
        """Cells already accounted for (a column-wide problem): no line of their own."""
        self.cells.update((int(self.row_numbers[p]), column) for p in positions)

    def extend(self, error: WerkwijzerError) -> None:
        """Another check's problems, without the cells and columns already named."""
        for problem in error.details:
            self.add(problem)

    def to_error(self) -> WerkwijzerError:
        """Everything found, with a count of the lines left out."""
        found = list(self.found)
        if self.total > len(found):
            found.append(Problem(f"… en nog {self.total - len(found)} problemen. Los eerst "
                                 "deze op."))
        return WerkwijzerError(found)

    def raise_if_any(self) -> None:
        """Raise everything found together, if anything was."""
        if self.total:
            raise self.to_error()
