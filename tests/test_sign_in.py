"""Sign-in and roles on every page (AppTest with a signed-in user): each role sees the pages
its role opens, a refusal shows nothing else, and nothing is served to a network without
sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import ADMIN, PRESENTER, TEAM, make_team_workspace
from streamlit.testing.v1 import AppTest

import ui
from werkwijzer_geo.io import storage

ROOT = Path(__file__).resolve().parent.parent
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "buurtkaart", "client_secret": "geheim",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
PAGES = {"app.py": "Kaart", "pages/invoer.py": "Invoer", "pages/patronen.py": "Patronen",
         "pages/tijdlijn.py": "Tijdlijn", "pages/presentatie.py": "Presentatie",
         "pages/export.py": "Export", "pages/beheer.py": "Beheer"}
OPENS = {
    ADMIN: set(PAGES.values()),
    TEAM: {"Kaart", "Invoer", "Patronen", "Tijdlijn", "Presentatie", "Export"},
    PRESENTER: {"Presentatie", "Export"},
}


@pytest.fixture(scope="module")
def team_workspace(demo_path, tmp_path_factory):
    return make_team_workspace(demo_path, tmp_path_factory.mktemp("team") / "buurt.gpkg")


def _app(monkeypatch, tmp_path, db: Path, user: dict | None) -> AppTest:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(db))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.secrets["auth"] = AUTH
    if user is not None:
        at.user = user
    return at


def _plain(text: str) -> str:
    return text.replace("\\", "").replace(ui.WORD_JOINER, "")


def _texts(at: AppTest) -> str:
    return _plain(" ".join(str(getattr(e, "value", "")) for kind in (
        "markdown", "error", "caption", "header", "title", "info") for e in at.get(kind)))


@pytest.mark.parametrize("user", [ADMIN, TEAM, PRESENTER])
def test_each_role_opens_its_pages_and_is_refused_the_others(monkeypatch, tmp_path,
                                                            team_workspace, user):
    at = _app(monkeypatch, tmp_path, team_workspace, {"is_logged_in": True, "email": user})
    at.run()
    for page, title in PAGES.items():
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        menu = {link.proto.label for link in at.sidebar.get("page_link")}
        assert menu == OPENS[user], (page, menu)
        if title in OPENS[user]:
            assert f"Aangemeld als {user}" in _texts(at), page
            assert not [e for e in at.error if "open je" in e.value], page
        elif page == "app.py":  # the first page: a role without it goes to its own first
            assert "Kaart" not in [h.value for h in at.header]
            assert not at.get("iframe"), page
        else:
            refused = [e.value for e in at.error if "open je" in e.value]
            assert refused and refused[0].startswith("Met de rol "), page
            assert not at.get("plotly_chart") and not at.get("iframe"), page
            assert not at.header, page  # nothing of the page itself


def test_the_presenter_exports_for_residents_only(monkeypatch, tmp_path, team_workspace):
    at = _app(monkeypatch, tmp_path, team_workspace, {"is_logged_in": True, "email": PRESENTER})
    at.run()
    at.switch_page("pages/export.py").run()
    toggle = at.toggle(key="export_public")
    assert toggle.value is True and toggle.disabled


def test_a_team_member_viewing_notes_is_logged_once_per_page(monkeypatch, tmp_path,
                                                             team_workspace):
    before = len(storage.read_audit_log(team_workspace))
    at = _app(monkeypatch, tmp_path, team_workspace, {"is_logged_in": True, "email": TEAM})
    at.run()
    at.run()  # a rerun of the same page logs nothing more
    at.switch_page("pages/tijdlijn.py").run()
    log = storage.read_audit_log(team_workspace).iloc[before:]
    assert log[["user", "action", "detail"]].values.tolist() == [
        [TEAM, "view_notes", "Kaart"], [TEAM, "view_notes", "Tijdlijn"]]


def test_signed_out_sees_only_the_sign_in_button(monkeypatch, tmp_path, team_workspace):
    at = _app(monkeypatch, tmp_path, team_workspace, {"is_logged_in": False})
    at.run()
    assert [b.label for b in at.button] == ["Aanmelden"]
    assert not at.sidebar.get("page_link") and not at.header


def test_someone_without_a_role_is_told_so_and_sees_nothing(monkeypatch, tmp_path,
                                                            team_workspace):
    at = _app(monkeypatch, tmp_path, team_workspace,
              {"is_logged_in": True, "email": "buurman@gmail.com"})
    at.run()
    assert "buurman@gmail.com heeft geen rol in deze buurt" in _texts(at)
    assert not at.sidebar.get("page_link") and not at.header
    assert [b.label for b in at.button] == ["Afmelden"]


def test_a_team_workspace_without_sign_in_shows_nothing(monkeypatch, tmp_path, team_workspace):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(team_workspace))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert any("aanmelden is niet ingesteld" in e.value for e in at.error)
    assert not at.header and not at.sidebar.get("page_link")


def test_a_personal_workspace_says_it_is_for_this_computer_only(monkeypatch, tmp_path,
                                                               demo_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(demo_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    for page in PAGES:
        at.switch_page(page).run()
        assert any("alleen op deze computer" in c.value for c in at.sidebar.caption), page


def test_nothing_is_served_to_a_network_without_sign_in(monkeypatch, tmp_path, demo_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("WERKWIJZER_DB", str(demo_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    monkeypatch.setattr(ui.st, "get_option", lambda name: "0.0.0.0" if name ==
                        "server.address" else None)
    at.run()
    assert any("open voor het netwerk zonder aanmelden" in e.value for e in at.error)
    assert not at.header and not at.sidebar.get("page_link")


def test_in_a_region_a_signed_in_person_is_offered_only_their_neighbourhoods(
        monkeypatch, tmp_path, demo_path, database_url):
    # Three neighbourhoods in one PostGIS database; TEAM has a role in two of them.

    from werkwijzer_geo import access

    region = database_url
    address = storage.parse_database_url(region)
    make_team_workspace(demo_path, address.with_workspace("oosterwijk"))
    for name, title in (("centrum", "Centrum"), ("wijk_noord", "Wijk Noord")):
        storage.create_workspace(address.with_workspace(name), name=title)
        access.set_role(address.with_workspace(name), access.LOCAL, ADMIN, "beheer")
    admin = access.find_actor(address.with_workspace("wijk_noord"), ADMIN, via="cli")
    access.set_role(address.with_workspace("wijk_noord"), admin, TEAM, "presentatie")
    at = _app(monkeypatch, tmp_path, region, {"is_logged_in": True, "email": TEAM})
    at.run()
    assert not at.exception
    choice = at.sidebar.selectbox(key="widget_workspace")
    assert choice.options == ["Oosterwijk, Beverwijk (demo)", "Wijk Noord"]  # not Centrum
    assert "rol team" in _texts(at)  # Oosterwijk first: TEAM's role there
    choice.select(address.with_workspace("wijk_noord")).run()
    assert not at.exception
    assert "rol presentatie" in _texts(at)  # the role is the one in that neighbourhood
    assert {link.proto.label for link in at.sidebar.get("page_link")} == OPENS[PRESENTER]
    # Someone with no role anywhere is told so, and offered nothing.
    at = _app(monkeypatch, tmp_path, region, {"is_logged_in": True,
                                              "email": "piet@gemeente.nl"})
    at.run()
    assert not at.exception
    assert not at.sidebar.get("selectbox") and not at.get("iframe")
    assert "piet@gemeente.nl heeft in geen buurt van deze database een rol" in _texts(at)
