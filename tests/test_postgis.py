"""The PostgreSQL + PostGIS store as a region uses it: addresses, several neighbourhoods in one
database, copying a workspace both ways row for row, edits made in QGIS, a writer waiting,
and the app's choice of neighbourhood."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from builders import Obs, copy_leaving_source, make_observations
from store_checks import database, fingerprint, run_sql
from streamlit.testing.v1 import AppTest

from werkwijzer_geo import WerkwijzerError, access
from werkwijzer_geo import schema as s
from werkwijzer_geo.cli import main
from werkwijzer_geo.io import postgis, storage

ROOT = Path(__file__).resolve().parent.parent


def _in(url: str, workspace: str) -> str:
    return storage.parse_database_url(url).with_workspace(workspace)


def test_addresses_that_cannot_work_get_a_dutch_message(postgis_cluster):
    with pytest.raises(WerkwijzerError, match="noemt geen werkruimte"):
        storage.get_workspace_info(postgis_cluster.url())
    with pytest.raises(WerkwijzerError, match="Werkruimtenaam 'Oost-Wijk' kan niet"):
        storage.get_workspace_info(postgis_cluster.url(workspace="Oost-Wijk"))
    with pytest.raises(WerkwijzerError, match=r"bestaat niet\. Maak hem met"):
        storage.read_layer(postgis_cluster.url(workspace="nergens"), s.OBSERVATIONS)
    with pytest.raises(WerkwijzerError, match="niet bereikbaar") as unreachable:
        storage.get_workspace_info("postgresql://jan:geheim@/buurten?host=/bestaat-niet"
                                   "&workspace=oost")
    assert "geheim" not in str(unreachable.value)  # a password is never shown


def test_a_schema_that_is_not_a_workspace_is_named_not_changed(postgis_cluster):
    postgis_cluster.psql("CREATE SCHEMA vreemd; CREATE TABLE vreemd.punten (a int)")
    with pytest.raises(WerkwijzerError, match="geen Buurtkaart-werkruimte"):
        storage.read_layer(postgis_cluster.url(workspace="vreemd"), s.OBSERVATIONS)
    with pytest.raises(WerkwijzerError, match="bestaat al"):
        storage.create_workspace(postgis_cluster.url(workspace="vreemd"))
    assert postgis_cluster.psql("SELECT count(*) FROM vreemd.punten").strip() == "0"


def test_a_region_lists_its_workspaces_without_their_backups(database_url, capsys):
    for name, title in (("oosterwijk", "Oosterwijk"), ("wijk_noord", "Wijk Noord")):
        storage.create_workspace(_in(database_url, name), name=title)
    storage.backup_workspace(_in(database_url, "oosterwijk"))
    assert [info.name for info in storage.list_workspaces(database_url)] == [
        "Oosterwijk", "Wijk Noord"]
    assert main(["workspaces", "--db", database_url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "oosterwijk: Oosterwijk (tijdzone Europe/Amsterdam)",
        "wijk_noord: Wijk Noord (tijdzone Europe/Amsterdam)"]
    assert main(["workspaces", "--db", "buurt.gpkg"]) == 2
    assert "geen database-adres" in capsys.readouterr().err


def test_a_copy_there_and_back_is_the_same_row_for_row(demo_path, tmp_path, postgis_cluster,
                                                       capsys):
    # Everything a team has: layers, scenes, tombstones, roles and the audit log.
    source = tmp_path / "buurt.gpkg"
    copy_leaving_source(demo_path, source)
    access.set_role(source, access.LOCAL, "jan@gemeente.nl", "beheer")
    admin = access.find_actor(source, "jan@gemeente.nl", via="cli")
    access.set_role(source, admin, "els@gemeente.nl", "team")
    storage.write_table(source, "purged_texts", pd.DataFrame(
        {"layer": ["stories"], "id": [3], "column": ["text"], "row_date": [None],
         "why": [""]}))  # an empty text and a missing one must stay apart
    capsys.readouterr()
    target = postgis_cluster.url(workspace="kopie_heen")
    assert main(["copy", "--from", str(source), "--to", target, "--as",
                 "jan@gemeente.nl"]) == 0
    said = capsys.readouterr().out
    observations = len(storage.read_layer(source, s.OBSERVATIONS))
    assert said.startswith("buurt.gpkg gekopieerd naar kopie_heen en rij voor rij "
                           f"gecontroleerd: rounds 83, observations {observations}, ")
    assert "; 2 rollen, " in said
    back = tmp_path / "terug.gpkg"
    assert main(["copy", "--from", target, "--to", str(back), "--as",
                 "jan@gemeente.nl"]) == 0
    for name in s.LAYER_NAMES:
        a, b = storage.read_layer(source, name), storage.read_layer(back, name)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb()), name
    assert storage.read_table(back, "purged_texts")["why"].tolist() == [""]
    assert storage.read_table(back, "purged_texts")["row_date"].isna().all()
    assert storage.read_table(back, "scenes").equals(storage.read_table(source, "scenes"))
    assert storage.read_roles(back).drop(columns="granted_at").equals(
        storage.read_roles(source).drop(columns="granted_at"))
    log = storage.read_audit_log(back)
    # Each copy logged in its source, and in its copy, which holds the source's log too.
    assert log["action"].tolist()[-3:] == ["copy", "copy", "copy"]
    assert log["detail"].tolist()[-3:] == ["gekopieerd uit buurt.gpkg",
                                           "kopie naar terug.gpkg",
                                           "gekopieerd uit kopie_heen"]
    assert storage.read_audit_log(source)["detail"].iloc[-1] == "kopie naar kopie_heen"
    # Nobody without beheer copies a whole workspace; and nothing is ever overwritten.
    access.set_role(source, admin, "piet@gemeente.nl", "team")
    assert main(["copy", "--from", str(source), "--to", str(tmp_path / "x.gpkg"), "--as",
                 "piet@gemeente.nl"]) == 2
    assert "mag dit niet" in capsys.readouterr().err
    assert not (tmp_path / "x.gpkg").exists()
    before = fingerprint(target)
    assert main(["copy", "--from", str(source), "--to", target, "--as",
                 "jan@gemeente.nl"]) == 2
    assert "bestaat al" in capsys.readouterr().err and fingerprint(target) == before
    assert main(["copy", "--from", str(tmp_path / "nergens.gpkg"), "--to",
                 postgis_cluster.url(workspace="niets")]) == 2
    assert "nergens.gpkg bestaat niet" in capsys.readouterr().err
    assert not storage.workspace_exists(postgis_cluster.url(workspace="niets"))


def test_a_copy_that_differs_is_reported_with_the_row(demo_path, postgis_cluster,
                                                      monkeypatch):
    real = postgis._DatabaseWriter.insert_rows

    def change_a_note(self, layer_name, stored):
        if layer_name == s.SPOTS:
            stored = stored.copy()
            stored.loc[stored.index[-1], s.NOTE] = "anders"
        return real(self, layer_name, stored)

    monkeypatch.setattr(postgis._DatabaseWriter, "insert_rows", change_a_note)
    last = len(storage.read_layer(demo_path, s.SPOTS))
    with pytest.raises(WerkwijzerError, match=rf"(?s)wijkt af.*laag spots: kolom note, rij {last}: "
                                              r".* werd 'anders'"):
        copy_leaving_source(demo_path, postgis_cluster.url(workspace="kapotte_kopie"))


def test_an_edit_made_in_qgis_changes_the_saved_state(workspace_in_database):
    workspace = workspace_in_database
    storage.append_rows(workspace, s.OBSERVATIONS, make_observations([Obs()], start_id=None))
    before = storage.get_saved_state(workspace)
    # QGIS edits the table itself: an INSERT with a shape, not through Buurtkaart.
    run_sql(workspace, "INSERT INTO observations (id, observed_at, \"group\", count, activity, "
                       "geom) VALUES (99, '2026-09-11 19:45+00', 'youth', 2, 'hanging_out', "
                       "ST_SetSRID(ST_MakePoint(4.677, 52.493), 4326))")
    assert storage.get_saved_state(workspace) != before
    back = storage.read_layer(workspace, s.OBSERVATIONS)
    assert sorted(back[s.ID]) == [1, 99]
    assert back.set_index(s.ID).loc[99, s.LOCAL_HOUR] == 21


@pytest.fixture
def workspace_in_database(postgis_cluster) -> str:
    import uuid

    url = postgis_cluster.url(workspace=f"buurt_{uuid.uuid4().hex[:8]}")
    storage.create_workspace(url)
    return url


def test_a_writer_waiting_too_long_gets_a_dutch_message(workspace_in_database, monkeypatch):
    workspace = workspace_in_database
    monkeypatch.setattr(postgis, "LOCK_TIMEOUT_S", 1)
    schema_name = storage.parse_database_url(workspace).workspace
    with database(workspace) as holder, holder.transaction():
        holder.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                       (f"buurtkaart:{schema_name}",))
        with pytest.raises(WerkwijzerError, match="bezet door een andere opslag"):
            storage.append_rows(workspace, s.OBSERVATIONS,
                                make_observations([Obs()], start_id=None))
    assert storage.read_layer(workspace, s.OBSERVATIONS).empty
    assert storage.append_rows(workspace, s.OBSERVATIONS,
                               make_observations([Obs()], start_id=None)) == [1]


def test_a_reader_keeps_its_version_while_a_whole_layer_is_replaced(workspace_in_database):
    # write_layers deletes and inserts in one transaction; a read that started before sees
    # the old rows whole, never an empty or half layer.
    workspace = workspace_in_database
    storage.append_rows(workspace, s.OBSERVATIONS,
                        make_observations([Obs(note="oud")] * 50, start_id=None))
    store = storage.open_store(workspace)
    seen = []
    started, replaced = threading.Event(), threading.Event()

    def read(reader):
        first = reader.read_layer(s.OBSERVATIONS)
        started.set()
        replaced.wait(timeout=30)
        return first, reader.read_layer(s.OBSERVATIONS)

    thread = threading.Thread(target=lambda: seen.append(store.read(read)))
    thread.start()
    started.wait(timeout=30)
    storage.write_layers(workspace, {s.OBSERVATIONS: make_observations([Obs(note="nieuw")] * 7)})
    replaced.set()
    thread.join(timeout=30)
    first, second = seen[0]
    assert first[s.NOTE].tolist() == second[s.NOTE].tolist() == ["oud"] * 50
    assert storage.read_layer(workspace, s.OBSERVATIONS)[s.NOTE].tolist() == ["nieuw"] * 7


def test_the_app_offers_the_regions_neighbourhoods_and_opens_the_chosen_one(
        database_url, demo_path, monkeypatch, tmp_path):
    copy_leaving_source(demo_path, _in(database_url, "oosterwijk"))
    storage.create_workspace(_in(database_url, "wijk_noord"), name="Wijk Noord")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", database_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    choice = at.sidebar.selectbox(key="widget_workspace")
    assert choice.options == ["Oosterwijk, Beverwijk (demo)", "Wijk Noord"]
    demo_count = f"**{len(storage.read_layer(demo_path, s.OBSERVATIONS))} waarnemingen"
    assert demo_count in " ".join(m.value for m in at.markdown)
    choice.select(_in(database_url, "wijk_noord")).run()
    assert not at.exception
    assert at.query_params["buurt"] == "wijk_noord"
    assert at.sidebar.selectbox(key="widget_workspace").value == _in(database_url, "wijk_noord")
    assert demo_count not in " ".join(m.value for m in at.markdown)
    for page in ("pages/invoer.py", "pages/patronen.py", "pages/tijdlijn.py",
                 "pages/presentatie.py", "pages/export.py", "pages/beheer.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.sidebar.selectbox(key="widget_workspace").value == _in(database_url,
                                                                         "wijk_noord"), page


def test_a_person_is_offered_the_neighbourhoods_where_they_have_a_role(database_url):
    for name in ("oosterwijk", "wijk_noord", "centrum"):
        storage.create_workspace(_in(database_url, name), name=name.replace("_", " ").title())
    access.set_role(_in(database_url, "oosterwijk"), access.LOCAL, "Jan@Gemeente.nl", "beheer")
    access.set_role(_in(database_url, "centrum"), access.LOCAL, "els@gemeente.nl", "beheer")
    admin = access.find_actor(_in(database_url, "centrum"), "els@gemeente.nl", via="cli")
    access.set_role(_in(database_url, "centrum"), admin, "jan@gemeente.nl", "presentatie")
    storage.backup_workspace(_in(database_url, "centrum"))
    assert [info.name for info in storage.list_workspaces(database_url)] == [
        "Centrum", "Oosterwijk", "Wijk Noord"]
    assert [info.name for info in storage.list_workspaces(
        database_url, user="jan@gemeente.nl")] == ["Centrum", "Oosterwijk"]
    assert storage.list_workspaces(database_url, user="piet@gemeente.nl") == []
    opened = storage.list_workspaces(database_url, user="els@gemeente.nl")[0]
    assert storage.get_workspace_info(opened.location) == opened


def test_the_app_on_a_database_without_neighbourhoods_says_what_to_do(database_url,
                                                                       monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", database_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    shown = [e.value.replace("\\", "") for e in at.error]
    assert shown == ["In deze database staat nog geen buurt. Maak er een met 'python -m "
                     "werkwijzer_geo init --db ADRES?workspace=naam' of kopieer er een naartoe "
                     "met 'copy' (README, 'Een regio')."]
    assert not at.get("iframe")
