"""The message catalogue: every message in both languages, the same parameters, and the engine's errors in Japanese."""

from __future__ import annotations

import re

import pytest

from matching.errors import FieldError, ImportRejected, Infeasible, InvalidInput
from matching.messages import LANGUAGES, MESSAGES, placeholders, render, word

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _normalized(template: str) -> set[str]:
    return {name[:-2] if name.endswith("_t") else name for name in placeholders(template)}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_parameters(code):
    entry = MESSAGES[code]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    assert _normalized(entry["ja"]) == _normalized(entry["en"]), code
    assert _JAPANESE.search(entry["ja"]), f"{code}: the Japanese text has no Japanese in it"


def test_every_problem_type_has_a_title_and_a_generic_detail():
    from api.problems import PROBLEM_TYPES

    for slug, (title, _) in PROBLEM_TYPES.items():
        assert MESSAGES[f"title.{slug}"]["en"] == title
        assert f"detail.{slug}" in MESSAGES


def test_render_fills_parameters_and_translates_words():
    assert render("infeasible.required_over_capacity", "ja", {"side": "left", "participant": "sme-1", "required": 2, "capacity": 1}) == \
        "左側の参加者 sme-1 には必須の相手が 2 件ありますが、上限は 1 件です"
    assert render("not_found", "en", {"kind": "event", "id": "ev_1"}) == "event 'ev_1' not found"
    assert render("infeasible.must_pair_impossible", "ja", {"left": "a", "right": "b", "reasons": {"en": "veto", "ja": "拒否"}}) \
        .endswith("必須ペア（a, b）は組めません: 拒否。必須ペアかルールを外してください"[-20:])
    assert word("right", "ja") == "右側" and word("nonsense", "ja") == "nonsense"


@pytest.mark.parametrize(("code", "lang", "params", "match"), [
    ("nope", "ja", {}, "unknown message id 'nope'"),
    ("not_found", "fr", {}, "unknown message language 'fr'"),
    ("not_found", "ja", {"kind": "event"}, "'id'"),
])
def test_render_refuses_what_it_does_not_know(code, lang, params, match):
    with pytest.raises(KeyError, match=match):
        render(code, lang, params)


def test_field_errors_keep_their_english_and_have_japanese():
    error = FieldError.coded("id", "S1", "field.duplicate_id", {"first_row": 2}, row=3, participant="S1")
    assert error.message == "duplicate id (first used on line 2)"
    assert error.message_in("ja") == "ID が重複しています（最初は 2 行目）"
    assert error.as_dict("ja")["field"] == "id" and error.as_dict("ja")["message"] == error.message_in("ja")
    assert "message_id" not in error.as_dict() and error.as_dict(with_id=True)["message_id"] == "field.duplicate_id"
    plain = FieldError("x", 1, "an English-only reason")
    assert plain.message_in("ja") == "an English-only reason"
    assert error == FieldError("id", "S1", "duplicate id (first used on line 2)", row=3, participant="S1")


def test_import_errors_from_a_real_file_are_worded_in_japanese():
    from matching.io import read_participants_bytes

    data = "id,role,organization,employees\nS1,sme,A,many\nS1,sme,,3\n".encode()
    with pytest.raises(ImportRejected, match="import refused") as caught:
        read_participants_bytes(data, format="csv", source="list.csv")
    exc = caught.value
    assert exc.summary_in("ja").startswith("list.csv: 取り込みを中止しました")
    japanese = {e.field: e.message_in("ja") for e in exc.errors}
    assert japanese["employees"] == "整数ではありません（12 のような数字で書いてください）"
    assert japanese["id"].startswith("ID が重複しています")
    assert any(_JAPANESE.search(m) for f, m in japanese.items() if f == "organization")


def test_invalid_input_summary_in_japanese():
    exc = InvalidInput([FieldError("a", 1, "bad"), FieldError("b", 2, "bad")])
    assert exc.summary_in("en") == "2 invalid value(s)" and exc.summary_in("ja") == "2 件の値が正しくありません"


def test_infeasible_round_says_why_in_japanese_with_participant_ids():
    from matching.model import CapacityRange, Event, Participant, Programme, Round
    from matching.pipeline import match_round

    people = [Participant(id="sme-1", role="sme", organization="A", seeks=("saas",)),
              Participant(id="stu-1", role="startup", organization="T1", offers=("saas",)),
              Participant(id="stu-2", role="startup", organization="T2", offers=("saas",))]
    rnd = Round(name="r", left_roles=("sme",), right_roles=("startup",), left_capacity=CapacityRange(min=0, max=1),
                right_capacity=CapacityRange(min=0, max=2), must=(("sme-1", "stu-1"), ("sme-1", "stu-2")))
    with pytest.raises(Infeasible, match="left participant sme-1 has 2 required partners but capacity 1") as caught:
        match_round(Event.build(Programme(id="p", name="P", rounds=(rnd,)), people), 0)
    assert caught.value.message_in("ja") == "左側の参加者 sme-1 には必須の相手が 2 件ありますが、上限は 1 件です"


def test_an_uncatalogued_infeasible_reason_keeps_the_english_in_a_japanese_sentence():
    exc = Infeasible("something specific")
    assert exc.message_in("en") == "something specific"
    assert exc.message_in("ja").startswith("ルールをすべて満たす組み合わせはありません") and "something specific" in exc.message_in("ja")


def test_profile_validation_messages_in_japanese():
    from matching.io import read_participants_bytes

    data = ("id,role,organization,contact_name,contact_email,offers,languages,budget_min,budget_max,wishes,vetoes\n"
            "S1,sme,A,Yamada,not-mail,saas;nonsense-tag,ja,500,100,S2,S2\n"
            "S2,sme,B,,,,xx,,,,\n").encode()
    with pytest.raises(ImportRejected) as caught:
        read_participants_bytes(data, format="csv")
    errors = {(e.row, e.field.split(".")[-1]): e for e in caught.value.errors}
    assert errors[(2, "email")].message_in("ja").startswith("メールアドレスではありません")
    assert errors[(2, "offers")].message_in("ja") == "不明なタグ「nonsense-tag」です。タグは共通の語彙から選んでください"
    assert errors[(3, "languages")].message_in("ja").startswith("不明な言語「xx」です")
    assert errors[(2, "email")].message == "is not an e-mail address (expected name@domain.tld)"
    assert all(_JAPANESE.search(e.message_in("ja")) for e in caught.value.errors), [e.message for e in caught.value.errors]
