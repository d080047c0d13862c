"""The README's worked examples run as written, on a fresh clone with .venv made."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def _worked_examples() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = {}
    for title, body in re.findall(r"### Worked example: ([^\n]+)\n\n```bash\n(.*?)```", text,
                                  flags=re.S):
        found[title.split()[0].lower()] = body
    return found


def test_the_readme_has_its_worked_examples_and_commands_that_need_no_activation():
    examples = _worked_examples()
    assert set(examples) >= {"boston", "seattle"}
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            assert not line.startswith("python "), line  # fails unless .venv is active
    assert "/workspaces/" in (ROOT / ".gitignore").read_text()


@pytest.mark.skipif(not SHARED.exists(), reason="shared/data not beside the project")
@pytest.mark.parametrize("name", ["boston", "seattle"])
def test_a_worked_example_runs_as_written(name, tmp_path):
    # A copy of the project's files the example needs, so its workspaces/ folder is a
    # temporary one; the commands themselves are the README's, unchanged.
    project = tmp_path / "main"
    project.mkdir()
    for part in ("werkwijzer_geo", "docs"):
        shutil.copytree(ROOT / part, project / part)
    (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    (project / ".venv").symlink_to(ROOT / ".venv")
    script = _worked_examples()[name]
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Opgeslagen:" in done.stdout
    assert (project / "workspaces" / f"{name}.gpkg").exists()
