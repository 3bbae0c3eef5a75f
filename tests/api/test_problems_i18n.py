"""Problem documents in Japanese: one for each error family, chosen like the pages' language; fields and ids unchanged."""

from __future__ import annotations

import re

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
JA = {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"}


def _ja(api, response, slug: str, status: int) -> dict:  # noqa: ANN001
    """The body of a Japanese problem of type ``slug``: title and detail in Japanese, Content-Language ja."""
    assert response.status_code == status, response.text
    assert api.slug(response) == slug
    assert response.headers["content-language"] == "ja"
    body = response.json()
    assert _JAPANESE.search(body["title"]) and _JAPANESE.search(body["detail"]), body
    return body


def test_language_is_chosen_like_the_pages(api, two):  # noqa: ANN001
    a, _ = two
    english = api.get("/api/v1/events/ev_missing", a)
    assert english.headers["content-language"] == "en" and english.json()["detail"] == "event 'ev_missing' not found"
    by_header = api.get("/api/v1/events/ev_missing", a, headers=JA).json()
    by_query = api.get("/api/v1/events/ev_missing?lang=ja", a, headers={"Accept-Language": "en"}).json()
    by_cookie = api.get("/api/v1/events/ev_missing", a, headers={"Cookie": "lang=ja"}).json()
    assert by_header == by_query == by_cookie
    assert by_header["detail"] == "イベント「ev_missing」が見つかりません" and by_header["title"] == "見つかりません"
    assert {k: v for k, v in by_header.items() if k not in ("title", "detail")} == \
        {k: v for k, v in english.json().items() if k not in ("title", "detail")}
    assert api.get("/api/v1/events/ev_missing?lang=en", a, headers=JA).json()["detail"] == "event 'ev_missing' not found"


def test_not_found_unauthorized_and_forbidden(api, two):  # noqa: ANN001
    a, _ = two
    _ja(api, api.get("/api/v1/nothing", a, headers=JA), "not-found", 404)
    assert "トークン" in _ja(api, api.get("/api/v1/me", headers=JA), "unauthorized", 401)["detail"]
    assert "無効" in _ja(api, api.get("/api/v1/me", "mt_wrong", headers=JA), "unauthorized", 401)["detail"]
    reader = api.organizer("Reader", scopes=("read",))
    body = _ja(api, api.post("/api/v1/events", reader, json={"name": "x"}, headers=JA), "forbidden", 403)
    assert "write" in body["detail"] and "権限" in body["detail"]


def test_request_validation_fields_stay_and_messages_are_japanese(api, two):  # noqa: ANN001
    a, _ = two
    body = _ja(api, api.post("/api/v1/events", a, json={"name": "", "colour": "red"}, headers=JA), "invalid-input", 422)
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"name", "colour"}
    assert fields["name"]["message"] == "1 文字以上にしてください" and fields["name"]["message_id"] == "pydantic.string_too_short"
    assert fields["colour"]["message"] == "この項目は使えません（未知の項目）"
    assert body["detail"].startswith("リクエストの値が正しくありません: ")


def test_import_rejected_rows_in_japanese(api, two):  # noqa: ANN001
    a, _ = two
    event = api.create_event(a)
    data = "id,role,organization,employees\nS1,sme,A,many\nS1,sme,,3\n".encode()
    body = _ja(api, api.post(f"/api/v1/events/{event['id']}/participants/import", a, content=data,
                             headers={"Content-Type": "text/csv", **JA}), "import-rejected", 422)
    assert "何も取り込まれていません" in body["detail"]
    by_field = {(e["row"], e["field"]): e for e in body["errors"]}
    assert by_field[(2, "employees")]["message"] == "整数ではありません（12 のような数字で書いてください）"
    assert by_field[(2, "employees")]["value"] == "many" and by_field[(2, "employees")]["participant"] == "S1"
    assert by_field[(3, "id")]["message"] == "ID が重複しています（最初は 2 行目）"
    assert _JAPANESE.search(by_field[(3, "organization")]["message"])


def test_infeasible_job_error_in_japanese_when_read_in_japanese(api, two):  # noqa: ANN001
    a, _ = two
    data = api.synthetic("reskilling", 1, 12, 3)
    event = api.event_with_participants(a, data)
    rules = api.ok(api.get(f"/api/v1/events/{event['id']}/rules", a))
    rules["rounds"][0]["must"] = [[data.left_ids[0], data.right_ids[0]], [data.left_ids[0], data.right_ids[1]]]
    api.ok(api.put(f"/api/v1/events/{event['id']}/rules", a, json=rules))
    job = api.run_job(a, event["id"], {"kind": "match", "round": 0})
    assert job["state"] == "failed" and data.left_ids[0] in job["error"]["detail"], job
    japanese = api.ok(api.get(f"/api/v1/jobs/{job['id']}", a, headers=JA))["error"]
    assert japanese["title"] == "ルールをすべて満たすことはできません"
    assert japanese["detail"] == f"左側の参加者 {data.left_ids[0]} には必須の相手が 2 件ありますが、上限は 1 件です"
    assert japanese["culprits"] == job["error"]["culprits"] and japanese["type"] == job["error"]["type"]
    listed = api.ok(api.get(f"/api/v1/events/{event['id']}/jobs?lang=ja", a))["items"]
    assert listed[0]["error"]["detail"] == japanese["detail"]


def test_conflict_limits_idempotency_methods_media_and_attempts(make_api):  # noqa: ANN001
    api = make_api(max_body_bytes=100_000, auth_failure_limit=2)
    a = api.organizer("A")
    event = api.create_event(a)
    eid = event["id"]
    _ja(api, api.post("/api/v1/events", a, content=b"{" + b" " * 200_000 + b"}",
                      headers={"Content-Type": "application/json", **JA}), "limit-exceeded", 413)
    _ja(api, api.delete("/api/v1/me", a, headers=JA), "method-not-allowed", 405)
    _ja(api, api.post(f"/api/v1/events/{eid}/participants/import", a, content=b"x",
                      headers={"Content-Type": "image/png", **JA}), "unsupported-media-type", 415)
    data = api.synthetic("reskilling", 1, 6, 3)
    ready = api.create_event(a, data)
    api.ok(api.import_file(a, ready["id"], data.csv, key="k1"))
    body = _ja(api, api.post(f"/api/v1/events/{ready['id']}/participants/import", a, content=data.json,
                             headers={"Content-Type": "application/json", "Idempotency-Key": "k1", **JA}),
               "idempotency-mismatch", 422)
    assert "k1" in body["detail"]
    match = api.match(a, ready["id"])
    body = _ja(api, api.get(f"/api/v1/results/{match['result_id']}/timetable", a, headers=JA), "conflict", 409)
    assert match["result_id"] in body["detail"]
    for k in range(2):
        api.get("/api/v1/me", f"mt_guess{k}")
    body = _ja(api, api.get("/api/v1/me", a, headers=JA), "too-many-failures", 429)
    assert body["limit"] == {"name": "auth_failure_limit", "value": 2}


def test_service_field_errors_in_japanese(api, two):  # noqa: ANN001
    a, _ = two
    body = _ja(api, api.get("/api/v1/events?limit=0", a, headers=JA), "invalid-input", 422)
    assert body["detail"] == "1 件の値が正しくありません"
    assert body["errors"][0]["field"] == "limit" and body["errors"][0]["message"] == "1 以上にしてください"
    english = api.get("/api/v1/events?offset=-1", a).json()
    assert english["detail"] == "offset must be >= 0, got -1" and english["errors"][0]["message"] == "must be >= 0"
    body = _ja(api, api.post("/api/v1/tokens", a, json={"scopes": ["root"]}, headers=JA), "invalid-input", 422)
    assert body["errors"][0]["field"].startswith("scopes") and _JAPANESE.search(body["errors"][0]["message"])
