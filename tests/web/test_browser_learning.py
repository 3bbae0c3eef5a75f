"""The next round with learning from the matching page: each pair's learned part next to its profile part (issue 16)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from datasets.synthetic import generate


def test_next_round_with_learning_shows_the_learned_part_in_both_languages(page, live_server, shot, sign_in, wait_job,
                                                                              new_event):
    data = generate("reskilling", seed=5, n_left=16, n_right=3)
    with live_server.client() as client:
        event, base = new_event(client, "Two rounds", data.participants)
        rules = client.get(f"{base}/rules").raise_for_status().json()
        rules["rounds"] = [rules["rounds"][0], {**rules["rounds"][0], "name": "Round 2"}]
        client.put(f"{base}/rules", json=rules).raise_for_status()
        first = wait_job(client, client.post(f"{base}/jobs", json={"kind": "match", "round": 0}).raise_for_status().json())
        met = client.get(f"/api/v1/results/{first['result_id']}/pairs?limit=100").raise_for_status().json()["items"]
        for k, pair in enumerate(met):
            client.post(f"{base}/feedback", json={"round": 0, "left": pair["left_id"], "right": pair["right_id"],
                                                  "left_yes": k % 2 == 0, "right_yes": k % 3 != 0}).raise_for_status()

    sign_in(page, live_server.token)
    page.goto(f"/events/{event['id']}/matching?lang=en")
    page.get_by_label("Round (from 0)").fill("1")
    page.get_by_label("Plan on what earlier rounds' answers taught").check()
    page.locator("#run-button").click()
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=90_000)
    rows = page.locator("#pairs-table tbody tr.pair")
    expect(rows).to_have_count(len(met))
    made = {(rows.nth(k).get_attribute("data-left"), rows.nth(k).get_attribute("data-right")) for k in range(rows.count())}
    assert not made & {(p["left_id"], p["right_id"]) for p in met}  # no pair meets twice
    expect(page.locator("#summary")).to_contain_text("Expected mutual yeses")
    why = rows.first.locator("button.why")
    why.click()
    explanation = page.locator(f"#{why.get_attribute('aria-controls')}")
    learned = explanation.locator("section.learned")
    expect(learned).to_be_visible()
    expect(learned).to_contain_text("Chance from the profiles alone")
    expect(learned.locator("ul.learned-reasons li").first).to_contain_text(re.compile(r"Chance that both say yes: \d+% from the profiles alone"))
    expect(explanation.locator("ul.reasons").first).not_to_be_empty()  # the profile part stays
    shot(page, "01-learned-en")

    page.goto(f"/events/{event['id']}/matching?lang=ja")
    why = page.locator("#pairs-table tbody tr.pair").first.locator("button.why")
    why.click()
    learned = page.locator(f"#{why.get_attribute('aria-controls')} section.learned")
    expect(learned).to_contain_text("これまでの回答から学習した部分")
    expect(learned.locator("ul.learned-reasons li").first).to_contain_text("プロフィールのみで")
    shot(page, "02-learned-ja")


def test_a_late_answer_of_the_first_load_does_not_draw_over_a_new_result(page, live_server, sign_in, wait_job, new_event):
    data = generate("reskilling", seed=6, n_left=10, n_right=3)
    with live_server.client() as client:
        event, base = new_event(client, "Slow list", data.participants)
        old = wait_job(client, client.post(f"{base}/jobs", json={"kind": "match", "round": 0}).raise_for_status().json())
    # the page's first request for the list of results answers 4 s late (a slow network or server)
    page.add_init_script("""
        const fetched = window.fetch.bind(window);
        let first = true;
        window.fetch = (url, options) => {
          if (first && String(url).includes("/results?")) {
            first = false;
            const answer = fetched(url, options);  // asked now, before the run: the list without its result
            return new Promise((resolve) => setTimeout(() => resolve(answer), 4000));
          }
          return fetched(url, options);
        };
    """)
    sign_in(page, live_server.token)
    page.goto(f"/events/{event['id']}/matching?lang=en")
    page.locator("#run-button").click()
    expect(page.locator("#job-status")).to_contain_text("Done", timeout=90_000)
    page.wait_for_timeout(5000)  # the late first answer has come by now
    select = page.locator("#result-select")
    new = select.input_value()
    assert new != old["result_id"]
    with live_server.client() as client:
        wanted = client.get(f"/api/v1/results/{new}/pairs?limit=100").raise_for_status().json()["items"]
    rows = page.locator("#pairs-table tbody tr.pair")
    expect(rows).to_have_count(len(wanted))
    shown = {(rows.nth(k).get_attribute("data-left"), rows.nth(k).get_attribute("data-right")) for k in range(rows.count())}
    assert shown == {(p["left_id"], p["right_id"]) for p in wanted}
