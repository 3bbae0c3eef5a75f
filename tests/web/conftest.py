"""Fixtures of the browser tests: the real service on a free port, Debian's Chromium through Playwright.

The service is :func:`api.app.create_app` with a temporary SQLite database,
served by uvicorn in a background thread; Chromium is ``/usr/bin/chromium``
(installed by ``.ci/system-deps``) launched headless with the flags it needs
as root without a network.  Every test saves a screenshot of each page it
visits under ``out/screenshots/<test>-<step>.png``.

Without Chromium the browser tests are skipped, the reason in pytest's
summary — except under CI (``CI=true``), where they fail instead
(:func:`missing_browser`): a CI run cannot pass with them skipped.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "out" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def in_ci(environ: Mapping[str, str]) -> bool:
    """Whether this is a CI run: ``CI`` set to true, 1 or yes (as CI services set it)."""
    return environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_browser(chromium: Path, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """What to do when the browser is missing: ``None`` when it is there, else ``("skip" | "fail", reason)``."""
    if chromium.exists():
        return None
    reason = f"{chromium} is missing: run .ci/system-deps as root (installs Debian's chromium package)"
    if in_ci(environ):
        return "fail", f"{reason}; CI=true, so the browser tests may not be skipped"
    return "skip", reason


@dataclass(frozen=True)
class LiveServer:
    """The running service: its base URL and an organizer's API token."""

    url: str
    token: str

    def client(self) -> httpx.Client:
        """An HTTP client for the JSON API, signed in as the organizer."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=60)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app (migrations, job workers) on 127.0.0.1 with a fresh SQLite file and one organizer.

    The demo seed is left out (it imports 108 participants: seconds per
    worker); the organizer is made the way ``matching organizer create`` does.
    """
    import uvicorn

    from api import service
    from api.app import create_app
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("web-service")
    # Every browser test comes from 127.0.0.1 and some open wrong links or tokens on purpose: without a higher
    # limit of failed attempts (api.ratelimit) the later tests of a worker would all be answered 429.
    settings = Settings(database_url=f"sqlite:///{folder / 'matching.db'}", seed_demo=False,
                        job_stage_delay=0.05, job_poll_seconds=0.05, auth_failure_limit=100_000)
    app = create_app(settings)
    with app.state.sessions() as session:
        organizer, token = service.create_organizer(session, "Web test organizer")
        session.commit()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="uvicorn-web-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start within 30 s")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", token)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no Playwright browser download)."""
    missing = missing_browser(CHROMIUM, os.environ)
    if missing is not None:
        action, reason = missing
        if action == "fail":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    # Under a loaded CI machine (the whole suite on two workers) pages can take longer than Playwright's 5 s default.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _new_page(browser: Any, base_url: str, options: dict[str, Any], locale: str) -> tuple[Any, Any]:
    context = browser.new_context(base_url=base_url, locale=locale, accept_downloads=True, **options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    # Anything the Content-Security-Policy blocked (an inline script or style, a foreign source) is a failure too.
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.csp_violations = blocked  # type: ignore[attr-defined]
    return context, page


def _open_page(browser: Any, base_url: str, device: dict[str, Any], locale: str) -> Iterator[Any]:
    """Yield a page; afterwards close its context and fail on any JavaScript error it saw."""
    context, page = _new_page(browser, base_url, device, locale)
    try:
        yield page
    finally:
        context.close()
    assert not page.js_errors, f"JavaScript errors on the pages: {page.js_errors}"
    assert not page.csp_violations, f"blocked by the Content-Security-Policy: {page.csp_violations}"


@pytest.fixture()
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A desktop page (1280 × 900, English Accept-Language) on the live service."""
    yield from _open_page(browser, live_server.url, DESKTOP, "en-US")


@pytest.fixture()
def phone_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A phone page (375 px wide, touch, Japanese Accept-Language) on the live service."""
    yield from _open_page(browser, live_server.url, PHONE, "ja-JP")


@pytest.fixture()
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """``shot(page, "step")`` saves a full-page screenshot as out/screenshots/<test>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(page: Any, step: str) -> Path:
        path = SCREENSHOTS / f"{test}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def _sign_in(page: Any, token: str) -> None:
    page.goto("/signin")
    page.get_by_label(re.compile("API token|API トークン")).fill(token)
    page.locator("#signin-button").click()
    page.wait_for_url(re.compile(r"/(\?.*)?$"))


@pytest.fixture()
def sign_in() -> Callable[[Any, str], None]:
    """``sign_in(page, token)`` signs in through the sign-in page (the token stays in sessionStorage)."""
    return _sign_in


def _wait_job(client: httpx.Client, job: dict[str, Any], timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job['id']}").raise_for_status().json()
        if job["state"] in ("succeeded", "failed", "cancelled"):
            assert job["state"] == "succeeded", job
            return job
        assert time.monotonic() < deadline, f"job {job['id']} still {job['state']} after {timeout} s"
        time.sleep(0.2)


@pytest.fixture(scope="session")
def wait_job() -> Callable[..., dict[str, Any]]:
    """``wait_job(client, job)`` polls a job through the API until it succeeds (fails the test otherwise)."""
    return _wait_job


def _new_event(client: httpx.Client, name: str, participants: Any) -> tuple[dict[str, Any], str]:
    from matching.io import participants_to_bytes

    event = client.post("/api/v1/events", json={"name": name}).raise_for_status().json()
    base = f"/api/v1/events/{event['id']}"
    client.post(f"{base}/participants/import", content=participants_to_bytes(participants, format="csv"),
                headers={"Content-Type": "text/csv"}).raise_for_status()
    return event, base


@pytest.fixture(scope="session")
def new_event() -> Callable[..., tuple[dict[str, Any], str]]:
    """``new_event(client, name, participants)``: an event with these participants imported as CSV; ``(event, its API base)``."""
    return _new_event


@pytest.fixture(scope="session")
def browser_rule() -> Callable[[Path, Mapping[str, str]], tuple[str, str] | None]:
    """:func:`missing_browser`, for the test of the CI rule."""
    return missing_browser
