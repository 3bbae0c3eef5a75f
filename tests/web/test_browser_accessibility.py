"""Accessibility: every control has a label, Tab reaches the main actions, the palette's contrast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from datasets.synthetic import generate

CSS = Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "css" / "app.css"

# (foreground, background) custom properties of app.css that appear together as text: WCAG AA asks 4.5:1.
TEXT_PAIRS = [
    ("fg", "bg"), ("fg", "surface"), ("muted", "bg"), ("muted", "surface"),
    ("accent", "bg"), ("accent", "surface"), ("accent-hover", "bg"), ("accent-hover", "surface"),
    ("accent-fg", "accent"), ("accent-fg", "accent-hover"),
    ("danger", "bg"), ("danger", "danger-bg"), ("fg", "danger-bg"),
    ("ok", "bg"), ("ok", "ok-bg"), ("warn-fg", "warn-bg"), ("fg", "warn-bg"),
]
# Borders, focus rings and chart bars against what they sit on: 3:1 (WCAG 1.4.11, non-text contrast).
GRAPHIC_PAIRS = [
    ("border", "bg"), ("border", "surface"), ("focus", "bg"), ("focus", "surface"),
    ("chart", "bg"), ("chart-alt", "bg"),
]


def palette() -> dict[str, str]:
    """The colour custom properties of app.css's :root block, name (without --) → #rrggbb."""
    root = re.search(r":root\s*\{(.*?)\}", CSS.read_text(encoding="utf-8"), re.S).group(1)
    return {name: value.lower() for name, value in re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", root)}


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[k:k + 2], 16) for k in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic lightest AA grey


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_colours_have_at_least_4_5_to_1_contrast(fg, bg):
    colours = palette()
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= 4.5, f"--{fg} {colours[fg]} on --{bg} {colours[bg]}: {ratio:.2f}:1 < 4.5:1"


@pytest.mark.parametrize(("fg", "bg"), GRAPHIC_PAIRS)
def test_borders_focus_and_charts_have_at_least_3_to_1_contrast(fg, bg):
    colours = palette()
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= 3.0, f"--{fg} {colours[fg]} on --{bg} {colours[bg]}: {ratio:.2f}:1 < 3:1"


def test_every_palette_colour_is_checked_and_every_used_colour_defined():
    colours = palette()
    checked = {name for pair in TEXT_PAIRS + GRAPHIC_PAIRS for name in pair}
    assert set(colours) - checked == set(), "a colour of the palette is in no checked pair"
    css = CSS.read_text(encoding="utf-8")
    used = set(re.findall(r"var\(--([a-z-]+)\)", css))
    defined = set(re.findall(r"--([a-z-]+):", css))
    assert used <= defined, f"undefined custom properties: {used - defined}"
    rules = re.sub(r":root\s*\{.*?\}", "", css, count=1, flags=re.S)
    assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", rules), "colours outside the palette (use var(--...))"


# ---- in the browser -------------------------------------------------------------------------

LABEL_CHECK = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((e) => e.type !== 'hidden')
  .filter((e) => !([...(e.labels || [])].some((l) => l.textContent.trim())
                   || (e.getAttribute('aria-label') || '').trim() || e.getAttribute('aria-labelledby')))
  .map((e) => e.outerHTML.slice(0, 160))"""

NAME_CHECK = """() => [...document.querySelectorAll('button, a[href], [role=img]')]
  .filter((e) => !((e.textContent || '').trim() || (e.getAttribute('aria-label') || '').trim()
                   || e.getAttribute('aria-labelledby')))
  .map((e) => e.outerHTML.slice(0, 160))"""


def tab_stops(page, targets: list[str], limit: int) -> list[str]:
    """Press Tab from the top of the page until every id in ``targets`` has had focus (at most ``limit`` presses).

    Returns the id (or class, or tag) of each element that took focus, in order.
    """
    page.evaluate("""() => {
        document.activeElement && document.activeElement.blur();
        window.scrollTo(0, 0);
        window.__stops = [];
        if (!window.__listening) {
            document.addEventListener('focusin', (e) => window.__stops.push(e.target.id || e.target.className || e.target.tagName));
            window.__listening = true;
        }
    }""")
    stops: list[str] = []
    pressed = 0
    while pressed < limit and not set(targets) <= set(stops):
        for _ in range(min(8, limit - pressed)):
            page.keyboard.press("Tab")
            pressed += 1
        stops = page.evaluate("() => window.__stops")
    return stops


def check_page(page, shot, step: str, main_actions: list[str], presses: int = 60) -> None:
    expect(page.locator("h1")).not_to_have_text(re.compile("Loading|読み込み中"))
    page.wait_for_load_state("networkidle")
    assert page.evaluate(LABEL_CHECK) == [], f"{step}: form controls without a label"
    assert page.evaluate(NAME_CHECK) == [], f"{step}: buttons/links/images without an accessible name"
    stops = tab_stops(page, ["skip-link", *main_actions], presses)
    assert stops[0] == "skip-link", f"{step}: the first Tab stop should be the skip link, got {stops[0]}"
    missing = [a for a in main_actions if a not in stops]
    assert not missing, f"{step}: Tab does not reach {missing} within {presses} presses (stops: {stops})"
    shot(page, step)


@pytest.fixture(scope="module")
def small_event(live_server, wait_job, new_event):
    """An event of 16 SMEs × 3 startups, matched and planned; a startup's personal link."""
    data = generate("reskilling", seed=5, n_left=16, n_right=3)
    with live_server.client() as client:
        event, base = new_event(client, "Accessibility check", data.participants)
        match = wait_job(client, client.post(f"{base}/jobs", json={"kind": "match", "round": 0}).raise_for_status().json())
        wait_job(client, client.post(f"{base}/jobs", json={"kind": "plan", "round": 0, "result_id": match["result_id"]})
                 .raise_for_status().json())
        link = client.post(f"{base}/participants/{data.right[0].id}/link").raise_for_status().json()
    return {"id": event["id"], "link": link["url"]}


def test_labels_names_and_keyboard_reach_on_every_page(page, live_server, small_event, shot, sign_in):
    page.goto("/signin")
    check_page(page, shot, "01-signin", ["token", "signin-button"], presses=10)
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(26, 26, 26)"
    # The checks can fail: an unlabelled field and a nameless button are caught.
    page.evaluate("""() => { const f = document.createElement('input'); f.id = 'probe';
                             const b = document.createElement('button'); b.id = 'probe-b';
                             document.querySelector('main').append(f, b); }""")
    assert len(page.evaluate(LABEL_CHECK)) == 1 and len(page.evaluate(NAME_CHECK)) == 1
    page.evaluate("() => { document.getElementById('probe').remove(); document.getElementById('probe-b').remove(); }")

    sign_in(page, live_server.token)
    check_page(page, shot, "02-events", ["event-name", "create-button"])

    page.goto(f"/events/{small_event['id']}")
    expect(page.locator("#participants-table tbody tr")).to_have_count(19)
    check_page(page, shot, "03-setup", ["upload-file", "upload-mode", "upload-button", "role-filter"], presses=80)
    # the rules form comes after 50 rows of links; check its controls are in the tab order too
    stops = tab_stops(page, ["weight-text", "save-rules"], 130)
    assert "save-rules" in stops and "weight-text" in stops

    page.goto(f"/events/{small_event['id']}/matching")
    expect(page.locator("#pairs-table tbody tr.pair")).to_have_count(16)
    check_page(page, shot, "04-matching", ["objective", "run-button", "lock-left", "rerun-button", "result-select", "sort-score"])
    # Sorting and explanations work from the keyboard.
    page.locator("#sort-score").focus()
    page.keyboard.press("Enter")
    expect(page.locator('th[data-key="score"]')).to_have_attribute("aria-sort", "descending")
    why = page.locator("button.why").first
    why.focus()
    page.keyboard.press("Space")
    expect(why).to_have_attribute("aria-expanded", "true")
    assert page.locator("#charts [role=img]").count() == 3

    # The same page in Japanese: headings, reasons and chart captions.
    page.goto(f"/events/{small_event['id']}/matching?lang=ja")
    expect(page.get_by_role("heading", name="マッチング結果")).to_be_visible()
    expect(page.locator("#pairs-table tbody tr.pair")).to_have_count(16)
    page.locator("button.why").first.click()
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", page.locator("tr.explain ul.reasons").first.inner_text())
    expect(page.locator("#chart-scores figcaption")).to_have_text("スコアの分布")
    shot(page, "04b-matching-ja")
    page.goto(f"/events/{small_event['id']}/matching?lang=en")

    page.goto(f"/events/{small_event['id']}/fair")
    expect(page.locator("#grid-table")).to_be_visible()
    check_page(page, shot, "05-fair", ["plan-source", "plan-button", "timetable-select", "download-timetable",
                                        "agenda-participant", "download-ics", "noshow", "replan-button"], presses=40)

    page.goto(small_event["link"])
    expect(page.locator("#recs li.rec").first).to_be_visible()
    check_page(page, shot, "06-participant", ["save-wishes", "agenda-ics"], presses=80)
