"""Every pinned dependency is checked against the advisory list kept in the repository
(security/advisories.toml): no pin inside a known affected range, and no pin that nobody
looked up."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, Version]:
    pins = {}
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            found = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
            if found:
                pins[canonicalize_name(found[1])] = Version(found[2])
    return pins


def _advisories() -> dict:
    return tomllib.loads((ROOT / "security" / "advisories.toml").read_text())["packages"]


def test_every_pin_is_pinned_exactly_and_looked_up():
    pins = _pins()
    assert len(pins) >= 25  # the runtime and test dependencies, each with ==
    listed = {canonicalize_name(name) for name in _advisories()}
    missing = sorted(set(pins) - listed)
    assert not missing, f"look these up in the advisory database first: {missing}"


def _affected(pins: dict[str, Version], advisories: dict) -> list[str]:
    listed = {canonicalize_name(name): entries for name, entries in advisories.items()}
    return [f"{name}=={version}: {advisory['id']} (fixed in {advisory['fixed']})"
            for name, version in pins.items() for advisory in listed.get(name, [])
            if Version(advisory["introduced"]) <= version < Version(advisory["fixed"])]


def test_no_pin_falls_in_a_known_affected_range():
    affected = _affected(_pins(), _advisories())
    assert not affected, affected


def test_the_check_would_catch_an_affected_pin():
    # pyarrow 14.0.0 reads untrusted Parquet unsafely (PYSEC-2023-238): caught; 14.0.1 not.
    caught = _affected({"pyarrow": Version("14.0.0")}, _advisories())
    assert caught == ["pyarrow==14.0.0: PYSEC-2023-238 (fixed in 14.0.1)"]
    assert _affected({"pyarrow": Version("14.0.1")}, _advisories()) == []
