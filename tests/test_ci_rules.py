"""Under CI=true a missing Chromium or PostgreSQL fails the run; outside CI it is skipped with the reason.

``.ci/system-deps`` and ``.ci/run`` are run for real with fake ``apt-get`` and
``id`` commands first on the PATH (an ``apt-get`` that fails, an ``id`` that
says "not root"), so nothing is installed and nothing leaves the machine.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _fake_bin(tmp_path: Path, *, root: bool) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir(parents=True)
    (folder / "apt-get").write_text("#!/bin/sh\necho 'fake apt-get: no network here' >&2\nexit 100\n")
    (folder / "id").write_text(f"#!/bin/sh\necho {0 if root else 1000}\n")
    for tool in folder.iterdir():
        tool.chmod(0o755)
    return folder


def _run(script: str, args: list[str], tmp_path: Path, *, ci: bool, root: bool, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "MATCHING_TEST_POSTGRES_URL", "MATCHING_CI_POSTGRES")}
    environ["PATH"] = f"{_fake_bin(tmp_path, root=root)}{os.pathsep}{environ.get('PATH', '')}"
    if ci:
        environ["CI"] = "true"
    environ.update(env)
    return subprocess.run(["bash", str(ROOT / ".ci" / script), *args], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("root", [True, False], ids=["root-apt-fails", "not-root"])
def test_system_deps_fails_under_ci_without_chromium(tmp_path, root):
    missing = str(tmp_path / "no-chromium")
    under_ci = _run("system-deps", [], tmp_path / "ci", ci=True, root=root, MATCHING_CI_CHROMIUM=missing)
    assert under_ci.returncode != 0
    assert missing in under_ci.stderr and ("CI=true" in under_ci.stderr or "apt-get could not install" in under_ci.stderr)


def test_system_deps_outside_ci_warns_and_goes_on(tmp_path):
    missing = str(tmp_path / "no-chromium")
    outside = _run("system-deps", [], tmp_path, ci=False, root=False, MATCHING_CI_CHROMIUM=missing)
    assert outside.returncode == 0 and "warning:" in outside.stderr and "will be skipped" in outside.stderr


@pytest.mark.parametrize("ci", [True, False])
def test_system_deps_with_chromium_present_is_a_no_op(tmp_path, ci):
    present = tmp_path / "chromium"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    done = _run("system-deps", [], tmp_path / "x", ci=ci, root=False, MATCHING_CI_CHROMIUM=str(present))
    assert done.returncode == 0 and done.stderr == ""


@pytest.mark.parametrize("root", [True, False], ids=["root-apt-fails", "not-root"])
def test_ci_run_fails_under_ci_without_postgresql_and_runs_nothing(tmp_path, root):
    marker = tmp_path / "tests-ran"
    (tmp_path / "pg").mkdir()
    done = _run("run", ["touch", str(marker)], tmp_path / "ci", ci=True, root=root, MATCHING_CI_PG_LIB=str(tmp_path / "pg"))
    assert done.returncode == 1, done.stderr
    assert "ERROR: CI=true and PostgreSQL cannot be had" in done.stderr
    assert not marker.exists()


def test_ci_run_outside_ci_warns_and_runs_on_sqlite(tmp_path):
    marker = tmp_path / "tests-ran"
    (tmp_path / "pg").mkdir()
    done = _run("run", ["touch", str(marker)], tmp_path / "x", ci=False, root=False, MATCHING_CI_PG_LIB=str(tmp_path / "pg"))
    assert done.returncode == 0 and marker.exists()
    assert "WARNING" in done.stderr and "SQLite only" in done.stderr


def test_ci_run_refuses_the_postgres_opt_out_under_ci(tmp_path):
    marker = tmp_path / "tests-ran"
    done = _run("run", ["touch", str(marker)], tmp_path / "ci", ci=True, root=True, MATCHING_CI_POSTGRES="0")
    assert done.returncode == 1 and "MATCHING_CI_POSTGRES=0" in done.stderr and not marker.exists()
    outside = _run("run", ["touch", str(marker)], tmp_path / "x", ci=False, root=True, MATCHING_CI_POSTGRES="0")
    assert outside.returncode == 0 and marker.exists()
