"""The participant's page on a phone: recommendations with reasons, wishes and vetoes, agenda, feedback."""

from __future__ import annotations

from collections import Counter

import pytest
from playwright.sync_api import expect

from datasets.synthetic import generate


@pytest.fixture(scope="module")
def planned_event(live_server, wait_job, new_event):
    """An event with 12 SMEs × 3 startups, matched and planned through the API; a startup's personal link."""
    data = generate("reskilling", seed=11, n_left=12, n_right=3)
    with live_server.client() as client:
        event, base = new_event(client, "Participant page test", data.participants)
        match = wait_job(client, client.post(f"{base}/jobs", json={"kind": "match", "round": 0}).raise_for_status().json())
        pairs = client.get(f"/api/v1/results/{match['result_id']}/pairs", params={"limit": 500}).raise_for_status().json()["items"]
        plan = wait_job(client, client.post(f"{base}/jobs", json={"kind": "plan", "round": 0, "result_id": match["result_id"]})
                     .raise_for_status().json())
        timetable = client.get(f"/api/v1/results/{plan['result_id']}/timetable").raise_for_status().json()
        startup, _ = Counter(p["right_id"] for p in pairs).most_common(1)[0]
        link = client.post(f"{base}/participants/{startup}/link").raise_for_status().json()
    partners = [p["left_id"] for p in pairs if p["right_id"] == startup]
    meetings = [m for m in timetable["meetings"] if m["right"] == startup]
    return {"event_id": event["id"], "startup": startup, "partners": partners, "meetings": meetings, "url": link["url"]}


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px phone screen"


def test_participant_page_on_a_phone(phone_page, live_server, planned_event, shot):
    page = phone_page
    assert len(planned_event["partners"]) >= 2
    page.goto(planned_event["url"])
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # Recommendations with reasons: the startup's partners in the latest match.
    cards = page.locator("#recs li.rec")
    expect(cards).to_have_count(len(planned_event["partners"]))
    assert {cards.nth(k).get_attribute("data-partner") for k in range(cards.count())} == set(planned_event["partners"])
    for k in range(cards.count()):
        assert cards.nth(k).locator("ul.reasons li").count() >= 1
    _no_horizontal_scroll(page)
    shot(page, "01-recommendations")

    # A wish and a veto, saved.
    wished, vetoed = cards.nth(0).get_attribute("data-partner"), cards.nth(1).get_attribute("data-partner")
    cards.nth(0).get_by_label("会いたい", exact=True).check()
    cards.nth(1).get_by_label("会いたくない", exact=True).check()
    page.get_by_role("button", name="希望を保存").click()
    expect(page.locator("#wishes-status")).to_contain_text("保存しました")
    with live_server.client() as client:
        me = client.get(f"/api/v1/events/{planned_event['event_id']}/participants/{planned_event['startup']}").raise_for_status().json()
    assert wished in me["wishes"] and vetoed in me["vetoes"]
    assert vetoed not in me["wishes"] and wished not in me["vetoes"]
    shot(page, "02-wishes-saved")

    # The agenda, and its .ics file.
    agenda = page.locator("#agenda-list > li")
    expect(agenda).to_have_count(len(planned_event["meetings"]))
    with page.expect_download() as download:
        page.locator("#agenda-ics").click()
    ics = open(download.value.path(), encoding="utf-8").read()
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == len(planned_event["meetings"])
    page.locator("#agenda-h").scroll_into_view_if_needed()
    shot(page, "03-agenda")

    # Feedback after the first meeting.
    form = page.locator("form.feedback-form").first
    partner = form.get_attribute("data-partner")
    form.get_by_label("はい", exact=True).check()
    form.get_by_label("取引・協業に合意した").check()
    form.get_by_role("button", name="回答を送る").click()
    expect(form.locator(".status")).to_contain_text("ありがとうございました")
    with live_server.client() as client:
        feedback = client.get(f"/api/v1/events/{planned_event['event_id']}/feedback").raise_for_status().json()["items"]
    mine = [f for f in feedback if f["left"] == partner and f["right"] == planned_event["startup"]]
    assert mine and mine[0]["right_yes"] is True and mine[0]["deal"] is True
    _no_horizontal_scroll(page)
    form.scroll_into_view_if_needed()
    shot(page, "04-feedback-sent")


def test_participant_page_with_a_bad_link(phone_page, live_server, shot):
    page = phone_page
    page.goto("/p/pt_not-a-real-link")
    expect(page.locator("#page-status")).to_contain_text("このリンクは無効です")
    expect(page.locator("#recs-h")).to_be_hidden()
    shot(page, "01-bad-link")
