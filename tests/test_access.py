"""Roles, the person acting and the audit log: each role against each action, in the
package and on the command line; refused means changed nothing."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from builders import ADMIN, PRESENTER, TEAM, make_team_workspace
from shapely.geometry import Point

from werkwijzer_geo import WerkwijzerError, access
from werkwijzer_geo import schema as s
from werkwijzer_geo.access import LOCAL, Action, Actor
from werkwijzer_geo.cli import main
from werkwijzer_geo.io import editing, storage
from werkwijzer_geo.io.importer import plan_import, run_import
from werkwijzer_geo.render import export as ex
from werkwijzer_geo.render import scenes as sc
from werkwijzer_geo.timefilter import TimeFilter

PEOPLE = {ADMIN: "beheer", TEAM: "team", PRESENTER: "presentatie"}


pytestmark = pytest.mark.both_stores


@pytest.fixture
def team_workspace(demo_path, make_location):
    """The demo with three people: one per role (in this test's kind of store)."""
    return make_team_workspace(demo_path, make_location())


def _spot() -> pd.DataFrame:
    return editing.make_row(s.SPOTS, Point(4.677, 52.493), {
        "kind": "litter", "severity": 2,
        "reported_at": pd.Timestamp("2026-11-20 10:00", tz="Europe/Amsterdam")})


def _actions(path, tmp_path) -> dict:
    """Each action as the package offers it, for one actor."""
    csv = tmp_path / "melding.csv"
    csv.write_text("soort;ernst;gemeld;lat;lon\nzwerfvuil;2;20-11-2026 10:00;52,493;4,677\n",
                   encoding="utf-8")
    first_spot = int(storage.read_layer(path, s.SPOTS)[s.ID].iloc[0])
    return {
        Action.EDIT: lambda actor: editing.add_rows(path, s.SPOTS, _spot(), actor=actor),
        "delete": lambda actor: editing.delete_rows(path, s.SPOTS, [first_spot], actor=actor),
        Action.IMPORT: lambda actor: run_import(path, plan_import(path, csv, s.SPOTS),
                                                actor=actor),
        Action.EXPORT: lambda actor: ex.export_snapshot(
            path, ex.Snapshot((s.SPOTS,), TimeFilter()), "csv", tmp_path / "a.csv",
            actor=actor),
        Action.EXPORT_PUBLIC: lambda actor: ex.export_snapshot(
            path, ex.Snapshot((s.SPOTS,), TimeFilter(), public=True), "csv",
            tmp_path / "b.csv", actor=actor),
        Action.PRESENT: lambda actor: sc.write_scenes(path, sc.DEMO_SCENES[:2], actor=actor),
        Action.RESTORE: lambda actor: storage.restore_backup(
            path, storage.backup_workspace(path), actor=actor),
        Action.ROLES: lambda actor: access.set_role(path, actor, "nieuw@gemeente.nl", "team"),
    }


ALLOWED = {
    "beheer": {Action.EDIT, "delete", Action.IMPORT, Action.EXPORT, Action.EXPORT_PUBLIC,
               Action.PRESENT, Action.RESTORE, Action.ROLES},
    "team": {Action.EDIT, "delete", Action.EXPORT, Action.EXPORT_PUBLIC, Action.PRESENT},
    "presentatie": {Action.EXPORT_PUBLIC, Action.PRESENT},
}


@pytest.mark.parametrize("user", list(PEOPLE))
def test_each_role_may_do_what_it_may_and_a_refusal_changes_nothing(team_workspace, tmp_path,
                                                                    user):
    actor = access.find_actor(team_workspace, user, via="app")
    assert actor.role == PEOPLE[user]
    for name, run in _actions(team_workspace, tmp_path).items():
        before = storage.get_saved_state(team_workspace)
        log_before = len(storage.read_audit_log(team_workspace))
        if name in ALLOWED[actor.role]:
            run(actor)
            log = storage.read_audit_log(team_workspace)
            assert len(log) > log_before, name  # every allowed action leaves a line
            assert log["user"].iloc[-1] == user
        else:
            with pytest.raises(WerkwijzerError, match=f"{user} \\(rol {actor.role}\\) mag dit "
                                                      "niet"):
                run(actor)
            assert storage.get_saved_state(team_workspace) == before, name
            assert len(storage.read_audit_log(team_workspace)) == log_before, name


def test_the_local_owner_may_everything_on_a_personal_workspace_and_nothing_on_a_team_one(
        team_workspace, demo_path, tmp_path):
    personal = tmp_path / "eigen.gpkg"
    shutil.copyfile(demo_path, personal)
    editing.add_rows(personal, s.SPOTS, _spot())  # no actor: the owner, on their computer
    with pytest.raises(WerkwijzerError, match="iedereen meldt zich eerst aan"):
        editing.add_rows(team_workspace, s.SPOTS, _spot())
    with pytest.raises(WerkwijzerError, match="zeg wie je bent"):
        access.find_actor(team_workspace, None, via="app")
    with pytest.raises(WerkwijzerError, match="heeft geen rol in deze buurt"):
        access.find_actor(team_workspace, "onbekend@elders.nl", via="app")


def test_the_audit_log_names_who_what_which_rows_and_never_the_text(team_workspace):
    team = access.find_actor(team_workspace, TEAM, via="app")
    secret = "Bewoner op nummer 12 belt steeds"
    row = _spot()
    row[s.NOTE] = secret
    change = editing.add_rows(team_workspace, s.SPOTS, row, actor=team)
    editing.update_rows(team_workspace, s.SPOTS, pd.DataFrame(
        {s.ID: change.added_ids, s.SEVERITY: [3]}), actor=team)
    editing.undo_change(team_workspace, change, actor=team)
    log = storage.read_audit_log(team_workspace)
    mine = log[log["user"] == TEAM]
    assert mine["action"].tolist() == ["edit", "edit", "edit"]
    assert mine["detail"].tolist() == ["toegevoegd", "gewijzigd", "ongedaan gemaakt"]
    assert set(mine["ids"]) == {str(change.added_ids[0])}
    assert mine["layer"].eq(s.SPOTS).all() and mine["role"].eq("team").all()
    assert not log.astype(str).apply(lambda c: c.str.contains("nummer 12")).any().any()
    # The roles given earlier are in it too, by whom and to whom.
    roles = log[log["action"] == "roles"]
    assert roles["detail"].tolist() == [f"{ADMIN}: beheer", f"{TEAM}: team",
                                        f"{PRESENTER}: presentatie"]
    assert roles["user"].tolist() == [LOCAL.user, ADMIN, ADMIN]


def test_a_restore_keeps_the_audit_log_and_the_roles_of_today(team_workspace):
    admin = access.find_actor(team_workspace, ADMIN, via="app")
    backup = storage.backup_workspace(team_workspace)  # before the presenter lost the role
    access.set_role(team_workspace, admin, PRESENTER, None)
    editing.add_rows(team_workspace, s.SPOTS, _spot(), actor=admin)
    lines = len(storage.read_audit_log(team_workspace))
    storage.restore_backup(team_workspace, backup, actor=admin)
    log = storage.read_audit_log(team_workspace)
    assert len(log) == lines + 1 and log["action"].iloc[-1] == "restore"
    assert PRESENTER not in storage.read_roles(team_workspace)["user"].tolist()


def test_the_last_beheer_cannot_lock_everyone_out(team_workspace):
    admin = access.find_actor(team_workspace, ADMIN, via="app")
    with pytest.raises(WerkwijzerError, match="niemand meer de rol beheer"):
        access.set_role(team_workspace, admin, ADMIN, "team")
    with pytest.raises(WerkwijzerError, match="Rol 'baas' bestaat niet"):
        access.set_role(team_workspace, admin, TEAM, "baas")
    with pytest.raises(WerkwijzerError, match="geen e-mailadres"):
        access.set_role(team_workspace, admin, "jan", "team")


def test_the_command_line_says_who_acts_and_refuses_what_the_role_may_not(
        team_workspace, tmp_path, capsys):
    out = tmp_path / "team.csv"
    base = ["export", "--db", str(team_workspace), "--layers", "spots", "--format", "csv",
            "--out", str(out)]
    assert main(base) == 2  # nobody said who they are
    assert "zeg wie je bent" in capsys.readouterr().err
    assert main([*base, "--as", PRESENTER]) == 2
    assert "mag dit niet: een export voor het team maken" in capsys.readouterr().err
    assert not out.exists()
    assert main([*base, "--as", PRESENTER, "--public"]) == 0 and out.exists()
    log = storage.read_audit_log(team_workspace)
    assert log["user"].iloc[-1] == PRESENTER and log["via"].iloc[-1].startswith("cli (")
    assert main(["roles", "--db", str(team_workspace), "--as", TEAM,
                 "--grant", "x@gemeente.nl=team"]) == 2
    assert main(["roles", "--db", str(team_workspace), "--as", ADMIN,
                 "--grant", "x@gemeente.nl=team"]) == 0
    assert "- x@gemeente.nl: team" in capsys.readouterr().out
    assert main(["patterns", "--db", str(team_workspace), "--as", PRESENTER]) == 2
    assert "mag dit niet: de gegevens en notities" in capsys.readouterr().err


def test_the_first_role_is_beheer_given_by_the_owner(demo_path, tmp_path, capsys):
    path = tmp_path / "buurt.gpkg"
    shutil.copyfile(demo_path, path)
    assert main(["roles", "--db", str(path), "--grant", f"{TEAM}=team"]) == 2
    assert "De eerste rol in een buurt is beheer" in capsys.readouterr().err
    assert main(["roles", "--db", str(path), "--grant", f"{ADMIN}=beheer"]) == 0
    assert main(["roles", "--db", str(path), "--grant", f"{TEAM}=team"]) == 2  # now: --as
    assert main(["roles", "--db", str(path), "--as", ADMIN, "--grant", f"{TEAM}=team"]) == 0
    assert access.describe_roles(storage.read_roles(path)) == [f"{ADMIN}: beheer",
                                                               f"{TEAM}: team"]
    assert Actor(TEAM, "team").may(Action.EDIT)


@pytest.mark.parametrize(("user", "allowed"), [(ADMIN, True), (TEAM, False),
                                               (PRESENTER, False)])
def test_import_and_purge_on_the_command_line_are_for_beheer(team_workspace, tmp_path, capsys,
                                                            user, allowed):
    csv = tmp_path / "melding.csv"
    csv.write_text("soort;ernst;gemeld;lat;lon\nzwerfvuil;2;20-11-2026 10:00;52,493;4,677\n",
                   encoding="utf-8")
    state = storage.get_saved_state(team_workspace)
    status = main(["import", str(csv), "--layer", "spots", "--db", str(team_workspace),
                   "--as", user])
    assert status == (0 if allowed else 2)
    if not allowed:
        assert "mag dit niet: een bestand importeren" in capsys.readouterr().err
        assert storage.get_saved_state(team_workspace) == state
    status = main(["purge", "--db", str(team_workspace), "--as", user, "--now", "2028-01-01"])
    assert status == (0 if allowed else 2)
    if not allowed:
        assert "mag dit niet: oude notities en verhalen opschonen" in capsys.readouterr().err
        assert storage.get_saved_state(team_workspace) == state
    else:
        actions = storage.read_audit_log(team_workspace)["action"].tolist()
        assert "import" in actions and actions[-1] == "purge"


def test_every_action_has_its_dutch_words_for_the_page_and_the_log():
    # Beheer filters the log by these; an action without them took the page down.
    from werkwijzer_geo.roles import ACTION_LABELS, LOGGED_ACTION_LABELS

    assert set(ACTION_LABELS) == set(Action) == set(LOGGED_ACTION_LABELS)
