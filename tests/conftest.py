"""Shared fixtures: an empty workspace per test, one demo workspace per session.

A module marked `both_stores` runs each test that uses `store_kind` (through `workspace` or
`make_location`) twice: on a GeoPackage and on PostgreSQL + PostGIS, in a throw-away cluster
started once per session (tests/pg_cluster.py). `gpkg_only` keeps a test to the first.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from builders import copy_leaving_source

from werkwijzer_geo.demo import create_demo_workspace
from werkwijzer_geo.io.storage import create_workspace
from werkwijzer_geo.logbook import ENV_LOG

ROOT = Path(__file__).resolve().parent.parent
STORE_KINDS = ("gpkg", "postgis")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if ("store_kind" in metafunc.fixturenames and definition.get_closest_marker("both_stores")
            and not definition.get_closest_marker("gpkg_only")):
        metafunc.parametrize("store_kind", STORE_KINDS, indirect=True)


@pytest.fixture(scope="session")
def postgis_cluster():
    """A PostgreSQL + PostGIS server of our own for this session, dropped after it (in a
    folder of /tmp: pytest's own folders are closed to the server's user)."""
    from pg_cluster import start_cluster

    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(postgis_cluster) -> str:
    """A region's database of its own (PostGIS in it, no workspaces yet)."""
    name = f"regio_{uuid.uuid4().hex[:8]}"
    postgis_cluster.psql(f"CREATE DATABASE {name}", database="postgres")
    postgis_cluster.psql("CREATE EXTENSION postgis", database=name)
    return postgis_cluster.url(database=name)


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """"gpkg" or "postgis" (see the module's note)."""
    return getattr(request, "param", "gpkg")


@pytest.fixture
def make_location(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Gives a new workspace location of this test's kind: a .gpkg path, or a
    postgresql:// address of a schema nobody used."""
    def make(name: str = "buurt") -> str | Path:
        if store_kind == "gpkg":
            return tmp_path / f"{name}.gpkg"
        cluster = request.getfixturevalue("postgis_cluster")
        return cluster.url(workspace=f"{name}_{uuid.uuid4().hex[:10]}")

    return make


@pytest.fixture
def copy_to_store(make_location):
    """Gives a copy of a GeoPackage workspace in this test's kind of store."""
    def copy(source: Path, name: str = "buurt") -> str | Path:
        target = make_location(name)
        if isinstance(target, Path):
            shutil.copyfile(source, target)
        else:
            copy_leaving_source(source, target)
        return target

    return copy


@pytest.fixture(scope="session", autouse=True)
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests (and the servers they start) log here, not in the user's home. Every page they
    run checks it left the shared, cached layers as they were (see ui.fingerprint_layers)."""
    path = tmp_path_factory.mktemp("log") / "buurtkaart.log"
    os.environ[ENV_LOG] = str(path)
    os.environ["BUURTKAART_CHECK_SHARED"] = "1"
    return path


@pytest.fixture
def workspace(make_location) -> str | Path:
    """A new, empty workspace (a GeoPackage, or in PostGIS, see `store_kind`)."""
    path = make_location()
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
