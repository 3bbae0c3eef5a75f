"""The browser tests' rule for a missing Chromium: skipped with the reason outside CI, failed under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(("environ", "action"), [
    ({}, "skip"), ({"CI": "false"}, "skip"), ({"CI": ""}, "skip"),
    ({"CI": "true"}, "fail"), ({"CI": "TRUE"}, "fail"), ({"CI": "1"}, "fail"), ({"CI": "yes"}, "fail"),
])
def test_a_missing_browser_is_skipped_outside_ci_and_fails_under_ci(browser_rule, tmp_path, environ, action):
    missing = tmp_path / "chromium"
    got, reason = browser_rule(missing, environ)
    assert got == action
    assert str(missing) in reason and ".ci/system-deps" in reason
    assert ("CI=true" in reason) == (action == "fail")


@pytest.mark.parametrize("environ", [{}, {"CI": "true"}])
def test_a_present_browser_is_used(browser_rule, tmp_path: Path, environ):
    present = tmp_path / "chromium"
    present.write_text("")
    assert browser_rule(present, environ) is None
