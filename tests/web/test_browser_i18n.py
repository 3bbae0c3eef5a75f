"""Japanese and English: one dict per language, every string a page asks for exists, the switch works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from api.web.i18n import LANGUAGES, STRINGS, negotiate, strings

WEB = Path(__file__).resolve().parents[2] / "api" / "web"

# Keys the JavaScript builds from data (`t(`job_${state}`)` and the like): each family must be complete.
DYNAMIC = {
    "job_": ("queued", "running", "succeeded", "failed", "cancelled"),
    "objective_": ("max-total", "fair", "stable", "greedy", "random"),
    "choice_": ("none", "wish", "veto"),
    "kind_": ("pin", "forbid"),
    "change_": ("cancelled", "added", "moved"),
    "timetable_": ("plan", "replan"),
    "group_": ("role", "maturity_stage", "industry", "region", "size_class"),
    "field_": ("id", "role", "organization", "employees", "languages", "wishes", "vetoes"),
}


def test_both_languages_define_the_same_non_empty_strings():
    assert set(LANGUAGES) == set(STRINGS) == {"ja", "en"}
    assert set(STRINGS["ja"]) == set(STRINGS["en"])
    for lang in LANGUAGES:
        assert all(value.strip() for value in STRINGS[lang].values()), lang


def test_placeholders_agree_between_languages():
    for key in STRINGS["en"]:
        en = set(re.findall(r"\{(\w+)\}", STRINGS["en"][key]))
        ja = set(re.findall(r"\{(\w+)\}", STRINGS["ja"][key]))
        assert en == ja, f"{key}: {en} vs {ja}"


def test_every_string_the_pages_use_exists():
    used = set()
    for template in (WEB / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\.([a-z_0-9]+)", template.read_text(encoding="utf-8")))
    for script in (WEB / "static" / "js").glob("*.js"):
        used |= set(re.findall(r"\bt\(\"([a-z_0-9-]+)\"", script.read_text(encoding="utf-8")))
    used |= {prefix + suffix for prefix, suffixes in DYNAMIC.items() for suffix in suffixes}
    assert used - set(STRINGS["en"]) == set()
    assert len(used) > 100


def test_unknown_language_is_refused():
    with pytest.raises(KeyError, match="unknown page language 'fr'"):
        strings("fr")


@pytest.mark.parametrize(("query", "cookie", "header", "expected"), [
    (None, None, None, "ja"),
    (None, None, "en-US,en;q=0.9", "en"),
    (None, None, "fr-FR, en;q=0.5, ja;q=0.7", "ja"),
    (None, None, "fr-FR, de;q=0.5", "ja"),
    (None, None, "en;q=0, ja;q=0.1", "ja"),
    (None, "en", "ja", "en"),
    ("ja", "en", "en", "ja"),
    ("xx", None, "en", "en"),
])
def test_negotiate(query, cookie, header, expected):
    assert negotiate(query, cookie, header) == expected


def test_language_switch_and_memory(page, shot):
    page.goto("/signin")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in")
    shot(page, "01-english")
    page.get_by_role("link", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("h1")).to_have_text("サインイン")
    expect(page.get_by_role("link", name="日本語")).to_have_attribute("aria-current", "true")
    shot(page, "02-japanese")
    page.goto("/signin?next=/events/x")
    expect(page.locator("h1")).to_have_text("サインイン")  # remembered in a cookie
    href = page.get_by_role("link", name="English").get_attribute("href")
    assert href.startswith("/signin?") and "next=%2Fevents%2Fx" in href and "lang=en" in href


def test_a_wrong_token_is_refused_in_the_page_language(page, shot):
    page.goto("/signin?lang=ja")
    page.get_by_label("API トークン").fill("mt_wrong")
    page.get_by_role("button", name="サインイン").click()
    expect(page.locator("#signin-status")).to_contain_text("トークンが正しくないか")
    expect(page).to_have_url(re.compile(r"/signin\?lang=ja$"))
    shot(page, "01-refused")


def test_every_participant_file_column_has_a_name_in_both_languages():
    from datasets.synthetic import generate
    from matching.io import participants_to_bytes

    data = generate("reskilling", seed=1, n_left=2, n_right=1)
    header = participants_to_bytes(data.participants, format="csv").decode("utf-8").splitlines()[0].split(",")
    for lang in LANGUAGES:
        missing = [column for column in header if f"field_{column}" not in STRINGS[lang]]
        assert not missing, f"{lang}: no page name for the columns {missing}"
