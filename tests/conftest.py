"""Shared fixtures: an empty workspace per test, one demo workspace per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from werkwijzer_geo.demo import create_demo_workspace
from werkwijzer_geo.io.storage import create_workspace
from werkwijzer_geo.logbook import ENV_LOG

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests (and the servers they start) log here, not in the user's home. Every page they
    run checks it left the shared, cached layers as they were (see ui.fingerprint_layers)."""
    path = tmp_path_factory.mktemp("log") / "buurtkaart.log"
    os.environ[ENV_LOG] = str(path)
    os.environ["BUURTKAART_CHECK_SHARED"] = "1"
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A new, empty workspace."""
    path = tmp_path / "buurt.gpkg"
    create_workspace(path)
    return path


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, made once per test session; tests must not change it."""
    path = tmp_path_factory.mktemp("demo") / "demo.gpkg"
    create_demo_workspace(path)
    return path


@pytest.fixture(scope="session")
def hostile(demo_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo with an attacker's text in every text field: (workspace, payloads, sentinel).

    Tests must not change it; `sentinel` must never exist (only a template run on the
    server would make it)."""
    from hostile import make_hostile_workspace

    folder = tmp_path_factory.mktemp("hostile")
    sentinel = folder / "made-by-a-template"
    workspace = folder / "buurt.gpkg"
    payloads = make_hostile_workspace(demo_path, workspace, sentinel)
    return workspace, payloads, sentinel
