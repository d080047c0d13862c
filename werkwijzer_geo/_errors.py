"""The one error type the package raises for problems a user can fix."""

from __future__ import annotations


class WerkwijzerError(Exception):
    """A problem with input or a workspace, explained in Dutch.

    Parameters
    ----------
    problems
        One Dutch line per problem; validators gather all of them before raising.
    """

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))
