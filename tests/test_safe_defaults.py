"""The server's defaults: only this computer, no tracebacks, a Dutch sentence when a page
fails, 50 MB uploads."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui

ROOT = Path(__file__).resolve().parent.parent


def test_config_listens_on_this_computer_and_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] == 50
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"


@pytest.mark.parametrize(("address", "sign_in", "open_"), [
    ("127.0.0.1", False, False), ("localhost", False, False), ("::1", False, False),
    ("0.0.0.0", False, True), (None, False, True), ("", False, True), ("0.0.0.0", True, False),
])
def test_open_to_a_network_only_counts_without_sign_in(address, sign_in, open_):
    assert ui.is_open_without_sign_in(address, sign_in) is open_


@pytest.mark.parametrize("page", ["app.py", "pages/patronen.py",
                                  "pages/presentatie.py"])
def test_a_failing_page_says_so_in_dutch_without_details(monkeypatch, tmp_path, demo_path,
                                                          page):
    from werkwijzer_geo.render import maps

    def broken(*args, **kwargs):
        raise RuntimeError("/root/geheim/pad.py regel 12")

    monkeypatch.setattr(maps, "build_base_map", broken)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(demo_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(page).run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert len(messages) == 1 and messages[0].startswith("Er ging iets mis bij het tonen")
    everything = " ".join(str(getattr(e, "value", "")) for e in at.main)
    assert "geheim" not in everything and "RuntimeError" not in everything


def test_the_upload_says_its_limit_in_dutch(monkeypatch, tmp_path, demo_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(demo_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/invoer.py").run()
    uploader = at.get("file_uploader")[0]
    assert "hoogstens 50 MB" in uploader.proto.label
    assert uploader.proto.max_upload_size_mb == 50


def test_workspaces_backups_and_exports_are_for_their_owner_only(tmp_path):
    import stat

    from werkwijzer_geo.demo import create_demo_workspace
    from werkwijzer_geo.io import storage
    from werkwijzer_geo.render import export as ex
    from werkwijzer_geo.timefilter import TimeFilter

    path = tmp_path / "buurt.gpkg"
    earlier = os.umask(0o022)  # a permissive umask, as a shell often has
    try:
        create_demo_workspace(path)
        backup = Path(storage.backup_workspace(path).location)
        made = ex.export_snapshot(path, ex.Snapshot(("spots",), TimeFilter()), "csv",
                                  tmp_path / "meldingen.csv")
    finally:
        os.umask(earlier)

    def mode(p) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    # Whatever the umask of whoever started it: nobody but the owner reads these.
    assert mode(path) == 0o600 and mode(backup) == 0o600 and mode(made) == 0o600
    assert mode(backup.parent) == 0o700


def test_an_export_leaves_no_file_behind_on_the_server(monkeypatch, tmp_path, demo_path):
    import shutil
    import tempfile

    workspace = tmp_path / "buurt.gpkg"
    shutil.copyfile(demo_path, workspace)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(workspace))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.switch_page("pages/export.py").run()
    at.button(key="export_make").click().run()
    assert not at.exception
    downloads = at.get("download_button")
    assert downloads and "downloaden" in downloads[0].proto.label
    # Built in a private folder that is gone once its bytes are read: nothing stays behind.
    assert not list(scratch.iterdir())
