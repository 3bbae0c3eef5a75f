"""The organizer's flow in a real browser: from sign-in and upload to the agenda download and a re-plan."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from datasets.synthetic import generate
from matching.io import participants_to_bytes

N_LEFT, N_RIGHT = 24, 4


@pytest.fixture(scope="module")
def participant_csv() -> bytes:
    """A good participant file: the reskilling preset at 24 SMEs × 4 startups."""
    data = generate("reskilling", seed=7, n_left=N_LEFT, n_right=N_RIGHT)
    return participants_to_bytes(data.participants, format="csv")


def _with_bad_row(good: bytes, line: int, field: str, value: str) -> bytes:
    """The same file with one value of one line (1-based, header = line 1) replaced."""
    rows = list(csv.DictReader(io.StringIO(good.decode("utf-8"))))
    rows[line - 2][field] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(page, name: str, data: bytes) -> None:
    page.locator("#upload-file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    page.locator("#upload-button").click()


def _column(page, index: int) -> list[str]:
    return page.locator(f"#pairs-table tbody tr.pair td:nth-child({index})").all_inner_texts()


def _pairs(page) -> set[tuple[str, str]]:
    rows = page.locator("#pairs-table tbody tr.pair")
    return {(rows.nth(k).get_attribute("data-left"), rows.nth(k).get_attribute("data-right")) for k in range(rows.count())}


def _run_and_wait(page, button: str, status: str, bar: str) -> None:
    page.locator(button).click()
    expect(page.locator(status)).to_contain_text("Done", timeout=90_000)
    assert page.locator(bar).evaluate("el => el.value") == 100


def test_organizer_flow_from_upload_to_agenda_and_replan(page, live_server, shot, sign_in, participant_csv):
    # Sign in with the organizer's token, create an event.
    sign_in(page, live_server.token)
    shot(page, "01-events")
    page.get_by_label("Event name").fill("Autumn reskilling fair")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/events/[^/]+$"))
    expect(page.locator("#event-title")).to_have_text("Autumn reskilling fair")
    event_id = page.url.rsplit("/", 1)[1]

    # A file with one bad row: nothing is imported, the error sits next to that row.
    bad = _with_bad_row(participant_csv, line=4, field="employees", value="many")
    _upload(page, "participants-bad.csv", bad)
    error_row = page.locator('#row-errors-table tr.row-error[data-line="4"]')
    expect(error_row).to_be_visible()
    expect(error_row.locator("td.row-errors")).to_contain_text("employees")
    bad_id = list(csv.DictReader(io.StringIO(bad.decode())))[2]["id"]
    expect(error_row).to_contain_text(bad_id)
    assert page.locator("#row-errors-table tr.row-error").count() == 1
    expect(page.locator("#upload-status")).to_contain_text("Nothing was imported")
    shot(page, "02-upload-rejected")

    # The good file: imported, listed.
    _upload(page, "participants.csv", participant_csv)
    expect(page.locator("#upload-status")).to_contain_text(f"Imported {N_LEFT + N_RIGHT} participants")
    expect(page.locator("#row-errors-table")).to_have_count(0)
    expect(page.locator("#participants-table tbody tr")).to_have_count(N_LEFT + N_RIGHT)

    # A participant's personal link.
    page.locator("#participants-table tbody tr").first.locator("button.issue-link").click()
    expect(page.locator("#participants-table a.personal-link")).to_have_attribute("href", re.compile(r"/p/pt_[\w-]+$"))

    # Rules and weights: weigh description similarity higher, save, read back.
    page.get_by_label("similar descriptions").fill("0.4")
    page.locator("#save-rules").click()
    expect(page.locator("#rules-status")).to_contain_text("Rules saved")
    with live_server.client() as client:
        rules = client.get(f"/api/v1/events/{event_id}/rules").raise_for_status().json()
    assert rules["rounds"][0]["weights"] == {"text": 0.4}
    shot(page, "03-participants-and-rules")

    # Run matching with a live progress bar.
    page.get_by_role("link", name="Matching").click()
    page.wait_for_url(re.compile(r"/matching$"))
    page.locator("#run-button").click()
    expect(page.locator("#job-progress")).to_be_visible()
    shot(page, "04-matching-progress")
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=90_000)
    assert page.locator("#job-progress").evaluate("el => el.value") == 100
    expect(page.locator("#pairs-table tbody tr.pair")).to_have_count(N_LEFT)
    shot(page, "05-results")

    # Sort by score, both ways, with aria-sort telling which.
    score_header = page.locator('#pairs-table th[data-key="score"]')
    page.locator("#sort-score").click()
    expect(score_header).to_have_attribute("aria-sort", "descending")
    scores = [float(s.replace(",", "")) for s in _column(page, 3)]
    assert scores == sorted(scores, reverse=True)
    page.locator("#sort-score").click()
    expect(score_header).to_have_attribute("aria-sort", "ascending")
    scores = [float(s.replace(",", "")) for s in _column(page, 3)]
    assert scores == sorted(scores)
    page.locator("#sort-left_id").click()
    expect(page.locator('#pairs-table th[data-key="left_id"]')).to_have_attribute("aria-sort", "ascending")
    expect(score_header).to_have_attribute("aria-sort", "none")
    lefts = [s.splitlines()[0] for s in _column(page, 1)]
    assert lefts == sorted(lefts)

    # A pair's explanation: reasons and the score breakdown.
    first = page.locator("#pairs-table tbody tr.pair").first
    why = first.locator("button.why")
    why.click()
    expect(why).to_have_attribute("aria-expanded", "true")
    explanation = page.locator(f"#{why.get_attribute('aria-controls')}")
    expect(explanation).to_be_visible()
    assert explanation.locator("ul.reasons li").count() >= 1
    expect(explanation.locator("table")).to_contain_text("similar descriptions")
    shot(page, "06-explanation")

    # Forbid the first pair, pin its SME to another startup, re-run.
    before = _pairs(page)
    forbid_left, forbid_right = first.get_attribute("data-left"), first.get_attribute("data-right")
    first.locator("button.forbid").click()
    expect(page.locator("#lock-list li[data-kind=forbid]")).to_have_count(1)
    other_right = sorted({r for _, r in before} - {forbid_right})[0]
    page.get_by_label("Left participant ID").fill(forbid_left)
    page.get_by_label("Right participant ID").fill(other_right)
    page.get_by_label("Kind").select_option("pin")
    page.locator("#lock-add").click()
    expect(page.locator("#lock-list li[data-kind=pin]")).to_have_count(1)
    page.locator("#rerun-button").click()
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=90_000)
    expect(page.locator(f'#pairs-table tr.pair[data-left="{forbid_left}"][data-right="{other_right}"]')).to_have_count(1)
    after = _pairs(page)
    assert (forbid_left, forbid_right) not in after
    assert (forbid_left, other_right) in after
    assert page.locator("#result-select option").count() == 2
    shot(page, "07-rerun-with-locks")

    # Quality: figures and three small charts.
    expect(page.locator("#quality-figures li").first).to_be_visible()
    assert page.locator("#quality-figures li").count() >= 6
    expect(page.locator("#quality-figures")).to_contain_text("Left coverage")
    for chart in ("chart-scores", "chart-coverage", "chart-meetings"):
        assert page.locator(f"#{chart} svg rect.bar").count() >= 1, chart
    # every pair is in one bar of the score histogram; every participant in one bar of partners per participant
    assert sum(int(n) for n in re.findall(r": (\d+)(?:;|$)", page.locator("#chart-scores desc").text_content())) == N_LEFT
    meetings = re.findall(r"(Left|Right): (\d+): (\d+)", page.locator("#chart-meetings desc").text_content())
    assert sum(int(n) for side, _, n in meetings if side == "Left") == N_LEFT
    assert sum(int(n) for side, _, n in meetings if side == "Right") == N_RIGHT
    page.get_by_label("Group by").select_option("role")
    expect(page.locator("#chart-coverage desc")).to_contain_text("sme")
    page.locator("#quality-h").scroll_into_view_if_needed()
    shot(page, "08-quality")

    # The fair: plan a timetable from the latest result, see the grid.
    page.get_by_role("link", name="Fair timetable").click()
    page.wait_for_url(re.compile(r"/fair$"))
    page.locator("#plan-button").click()
    expect(page.locator("#plan-status")).to_contain_text("Done", timeout=90_000)
    assert page.locator("#plan-progress").evaluate("el => el.value") == 100
    cells = page.locator("#grid-table td[data-left]")
    expect(cells.first).to_be_visible()
    meetings = {(cells.nth(k).get_attribute("data-left"), cells.nth(k).get_attribute("data-right")) for k in range(cells.count())}
    assert meetings and meetings <= after
    shot(page, "09-timetable")

    # A participant's agenda, and its .ics download.
    startup = other_right
    page.get_by_label("Participant", exact=True).select_option(startup)
    page.locator("#show-agenda").click()
    agenda_rows = page.locator("#agenda-table tbody tr")
    mine = sum(1 for _, r in meetings if r == startup)
    expect(agenda_rows).to_have_count(mine)
    with page.expect_download() as download:
        page.locator("#download-ics").click()
    ics = open(download.value.path(), encoding="utf-8").read()
    assert ics.startswith("BEGIN:VCALENDAR")
    assert ics.rstrip().endswith("END:VCALENDAR")
    assert ics.count("BEGIN:VEVENT") == mine
    partners = {l for l, r in meetings if r == startup}
    for left in partners:
        assert left in ics.replace("\r\n ", ""), left
    shot(page, "10-agenda")

    with page.expect_download() as download:
        page.locator("#download-timetable").click()
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert {(r["left"], r["right"]) for r in rows} == meetings

    # A no-show: re-plan and see what changed.
    no_show = forbid_left
    page.get_by_label(re.compile("Participants who did not come")).select_option([no_show])
    page.locator("#replan-button").click()
    expect(page.locator("#replan-status")).to_contain_text("Done", timeout=90_000)
    changes = page.locator("#changes-table tbody tr")
    expect(changes.first).to_be_visible()
    cancelled = changes.filter(has_text=no_show).filter(has_text="cancelled")
    assert cancelled.count() >= 1
    expect(page.locator(f'#grid-table td[data-left="{no_show}"]')).to_have_count(0)
    assert page.locator("#timetable-select option").count() == 2
    shot(page, "11-replanned")


def test_excel_upload_shows_row_errors_then_imports(page, live_server, shot, sign_in):
    from openpyxl import load_workbook

    data = generate("reskilling", seed=8, n_left=6, n_right=2)
    good = participants_to_bytes(data.participants, format="xlsx")
    book = load_workbook(io.BytesIO(good))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=3, column=header.index("languages") + 1, value="klingon")
    buffer = io.BytesIO()
    book.save(buffer)
    bad_id = sheet.cell(row=3, column=header.index("id") + 1).value
    with live_server.client() as client:
        event = client.post("/api/v1/events", json={"name": "Excel upload"}).raise_for_status().json()

    sign_in(page, live_server.token)
    page.goto(f"/events/{event['id']}")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.locator("#upload-file").set_input_files({"name": "participants.xlsx", "mimeType": xlsx, "buffer": buffer.getvalue()})
    page.locator("#upload-button").click()
    error_row = page.locator('#row-errors-table tr.row-error[data-line="3"]')
    expect(error_row).to_contain_text(bad_id)
    expect(error_row.locator("td.row-errors")).to_contain_text("languages")
    expect(error_row.locator("td.row-errors")).to_contain_text("klingon")
    shot(page, "01-excel-rejected")

    page.locator("#upload-file").set_input_files({"name": "participants.xlsx", "mimeType": xlsx, "buffer": good})
    page.locator("#upload-button").click()
    expect(page.locator("#upload-status")).to_contain_text("Imported 8 participants")
    expect(page.locator("#participants-table tbody tr")).to_have_count(8)
    page.get_by_label("Filter by role").select_option("startup")
    expect(page.locator("#participants-table tbody tr")).to_have_count(2)
    shot(page, "02-excel-imported")


def test_a_match_that_cannot_be_made_says_why(page, live_server, shot, sign_in, new_event):
    data = generate("reskilling", seed=9, n_left=6, n_right=1)
    with live_server.client() as client:
        event, base = new_event(client, "Too few seats", data.participants)
        rules = client.get(f"{base}/rules").raise_for_status().json()
        # every SME must meet someone, but the only startup is forbidden to all of them
        rules["rounds"][0]["left_capacity"] = {"min": 1, "max": 1}
        rules["rounds"][0]["never"] = [[p.id, data.right[0].id] for p in data.left]
        client.put(f"{base}/rules", json=rules).raise_for_status()

    sign_in(page, live_server.token)
    page.goto(f"/events/{event['id']}/matching")
    expect(page.locator("#results-status")).to_contain_text("No result yet")
    page.locator("#run-button").click()
    expect(page.locator("#job-status")).to_contain_text("Failed")
    error = page.locator("#run-error [role=alert]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile("capacity|partner|infeasible", re.I))
    expect(page.locator("#run-button")).to_be_enabled()
    shot(page, "01-infeasible")
