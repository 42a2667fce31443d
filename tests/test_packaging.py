"""The project as a new user installs it: the README's two commands, `python -m hubdata` from
any folder (the project is an installed package, not a folder on the path), and CI running
the README's test command word for word."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```bash\n(python3 -m venv .+?)\n```", text)


def test_the_cli_works_from_any_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "hubdata", "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "table" in done.stdout and "import" in done.stdout


def test_the_readme_installs_the_project_and_ci_runs_its_test_command():
    start, test = readme_commands()
    assert "pip install -q -r requirements.txt -e ." in start and "streamlit run app.py" in start
    assert "pip install -q -r requirements-dev.txt -e ." in test and "-m pytest" in test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci  # verbatim, as one line


def test_the_package_ships_its_data_files():
    import pytest

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["hubdata"]
    for name in ("themes.csv", "registry/hubs.csv"):
        assert any(Path(name).match(pattern) for pattern in shipped), name
    assert config["project"]["dynamic"] == ["dependencies"]
