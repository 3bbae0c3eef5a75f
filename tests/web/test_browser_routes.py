"""The page routes over HTTP (no browser): shells in both languages, static files, kept out of the API schema."""

from __future__ import annotations

import re

import httpx
import pytest

PAGES = ["/", "/signin", "/events/ev_x", "/events/ev_x/matching", "/events/ev_x/fair", "/p/pt_x"]


@pytest.fixture(scope="module")
def http(live_server):
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_an_html_shell_in_the_asked_language(http, path):
    english = http.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.status_code == 200
    assert english.headers["content-type"].startswith("text/html")
    assert english.headers["cache-control"] == "no-store"
    assert '<html lang="en">' in english.text
    japanese = http.get(path, headers={"Accept-Language": "ja-JP"})
    assert '<html lang="ja">' in japanese.text
    assert re.search(r'<script type="module" src="/static/js/\w+\.js"></script>', english.text)


def test_lang_parameter_wins_and_is_remembered(http, live_server):
    response = http.get("/signin?lang=en", headers={"Accept-Language": "ja"})
    assert '<html lang="en">' in response.text
    assert "lang=en" in response.headers["set-cookie"]
    later = httpx.get(f"{live_server.url}/signin", headers={"Accept-Language": "ja", "Cookie": "lang=en"})
    assert '<html lang="en">' in later.text


def test_path_values_are_escaped(http):
    response = http.get("/events/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in response.text


def test_pages_are_not_in_the_api_schema(http):
    paths = http.get("/openapi.json").json()["paths"]
    assert paths and all(p.startswith("/api/") or p in ("/healthz", "/readyz") for p in paths)


@pytest.mark.parametrize(("path", "kind"), [
    ("/static/css/app.css", "text/css"),
    ("/static/js/common.js", "javascript"),
    ("/static/js/participant.js", "javascript"),
])
def test_static_files_are_served(http, path, kind):
    response = http.get(path)
    assert response.status_code == 200 and kind in response.headers["content-type"]


def test_a_missing_static_file_is_404(http):
    assert http.get("/static/js/nothing.js").status_code == 404
