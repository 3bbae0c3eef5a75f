"""Explanations of a pair's score, in Japanese and English."""

from __future__ import annotations

import json
import math

import pytest

from matching import vocabulary as vocab
from matching.features import Scorer, explain
from matching.model import Participant, Round


@pytest.fixture(scope="module")
def scorer():
    left = [
        Participant(
            id="sme-1",
            role="sme",
            organization="町工場A",
            description_ja="精密加工と金属加工の試作を得意とする町工場です",
            description_en="Precision machining workshop",
            seeks=("product-design", "branding"),
            offers=("precision-machining",),
            industry="E25",
            region="tokyo-ota",
            languages=("ja",),
            maturity_stage=2,
            budget_min=1_000_000,
            budget_max=2_000_000,
            wishes=("des-1",),
            employees=30,
        ),
        Participant(id="sme-2", role="sme", organization="B", languages=("en",), vetoes=("des-2",), conflicts=("des-1",)),
        Participant(id="buyer-1", role="buyer", organization="C"),
    ]
    right = [
        Participant(
            id="des-1",
            role="designer",
            organization="デザイン事務所",
            description_ja="金属加工品のプロダクトデザインと精密加工の試作支援",
            description_en="Product design for precision machining makers",
            offers=("product-design",),
            seeks=("precision-machining",),
            industry="E2592",
            region="tokyo-koto",
            languages=("ja", "en"),
            serves_stages=(2, 3),
            price_min=1_500_000,
            wishes=("sme-1",),
            employees=40,
        ),
        Participant(id="des-2", role="designer", organization="E", languages=("th",)),
    ]
    rnd = Round(name="r", left_roles=("sme",), right_roles=("designer",), weights={"size": 0.05})
    return Scorer.from_round(rnd).fit(left, right)


def test_english_reasons_name_tags_keywords_languages_and_fit(scorer):
    e = explain(scorer, "sme-1", "des-1", lang="en")
    text = "\n".join(e.reasons)
    assert "des-1 offers product design, which sme-1 is looking for" in text
    assert "sme-1 offers precision machining, which des-1 is looking for" in text
    assert "Their descriptions share the keywords" in text and "precision" in text and "精密加工" in text
    assert "Common language: Japanese" in text
    assert "des-1 serves sme-1's maturity stage (stage 2: tools adopted)" in text
    assert "sme-1's budget (¥1,000,000–¥2,000,000) fits des-1's price range (¥1,500,000)" in text
    assert "Same industry group (E25)" in text
    assert "Ota and Koto: about" in text
    assert "Both asked to meet each other" in text
    assert "Same company size class (small)" in text
    assert not e.impossible and e.impossible_reasons == ()


def test_japanese_reasons_use_vocabulary_labels(scorer):
    e = explain(scorer, 0, 0, lang="ja")
    text = "\n".join(e.reasons)
    label = vocab.TAGS["product-design"].ja
    assert f"des-1はsme-1が求める「{label}」を提供しています" in text
    assert "共通言語：日本語" in text
    assert "説明文に共通するキーワード" in text and "精密加工" in text
    assert "双方が面談を希望しています" in text
    assert e.labels[0] == "説明文の類似"


def test_reasons_follow_the_contributions(scorer):
    e = explain(scorer, 0, 0, lang="en")
    assert e.score == math.fsum(c.contribution for c in e.contributions)
    assert e.score == pytest.approx(scorer.score_matrix()[0, 0])
    assert len(e.reasons) == sum(1 for c in e.contributions if c.contribution > 0 and not c.neutral)


def test_display_names_replace_ids(scorer):
    e = explain(scorer, 0, 0, lang="en", names={"sme-1": "Workshop A", "des-1": "Studio D"})
    assert "Studio D offers product design, which Workshop A is looking for" in e.reasons


@pytest.mark.parametrize(
    "pair, en, ja",
    [
        (("sme-2", "des-2"), ["sme-2 declined to meet des-2", "No common language and no interpreter (sme-2: English; des-2: Thai)"],
         ["sme-2がdes-2との面談を辞退しています", "共通の言語がなく、通訳もいません（sme-2：英語／des-2：タイ語）"]),
        (("sme-2", "des-1"), ["Conflict of interest declared by sme-2 (a competitor or an existing tie)"],
         ["sme-2が利害関係（競合・既存の取引関係など）を申告しています"]),
        (("buyer-1", "des-1"), ["This round does not pair a buyer with a designer"], ["この回はバイヤーとデザイナーの組み合わせを対象としていません"]),
    ],
)
def test_impossible_pairs_say_why_and_who(scorer, pair, en, ja):
    e_en = explain(scorer, *pair, lang="en")
    e_ja = explain(scorer, *pair, lang="ja")
    assert e_en.impossible and e_ja.impossible
    assert list(e_en.impossible_reasons) == en
    assert list(e_ja.impossible_reasons) == ja
    assert "✗" in e_en.text()


def test_self_pair_reason():
    people = [Participant(id="s1", role="startup", organization="S"), Participant(id="s2", role="startup", organization="T")]
    scorer = Scorer().fit(people, people)
    assert explain(scorer, "s1", "s1", lang="en").impossible_reasons == ("Both sides are the same participant",)
    assert explain(scorer, "s1", "s1", lang="ja").impossible_reasons == ("同じ参加者どうしの組み合わせです",)
    assert not explain(scorer, "s1", "s2").impossible


def test_as_dict_is_json_serialisable(scorer):
    for lang in ("ja", "en"):
        d = explain(scorer, "sme-2", "des-2", lang=lang).as_dict()
        back = json.loads(json.dumps(d, ensure_ascii=False))
        assert back["impossible"] is True and back["violations"][0]["rule"] == "veto"
        assert [c["component"] for c in back["contributions"]][-1] == "wish"
        assert back["score"] == pytest.approx(sum(c["contribution"] for c in back["contributions"]))


def test_bad_arguments(scorer):
    with pytest.raises(ValueError, match=r"lang must be one of \['ja', 'en'\], got 'fr'"):
        explain(scorer, 0, 0, lang="fr")
    with pytest.raises(KeyError, match="no right participant with id 'nobody'"):
        explain(scorer, 0, "nobody")


@pytest.mark.parametrize(
    ("budget", "price", "stage", "served", "budget_text", "stage_text"),
    [
        (3_000_000, (1_000_000, 2_000_000), 2, (2,), "covers p's price range (¥1,000,000–¥2,000,000)", "p serves s's maturity stage"),
        (1_500_000, (1_000_000, 2_000_000), 1, (2, 3), "fits p's price range", "is next to the stages p serves"),
        (800_000, (1_000_000, None), 4, (2,), "is slightly below p's price range (¥1,000,000)", None),
        (200_000, (1_000_000, None), 4, (1,), None, None),
    ],
)
def test_budget_and_stage_reasons_follow_the_continuous_fit(budget, price, stage, served, budget_text, stage_text):
    sme = Participant(id="s", role="sme", organization="A", budget_max=budget, maturity_stage=stage)
    partner = Participant(id="p", role="designer", organization="B", price_min=price[0], price_max=price[1], serves_stages=served)
    fitted = Scorer().fit([sme], [partner])
    text = "\n".join(explain(fitted, "s", "p", lang="en").reasons)
    pair = fitted.contributions(0, 0)
    assert pair["budget"].value > 0 and pair["stage"].value > 0  # continuous: never exactly 0
    if budget_text is None:
        assert "budget" not in text and pair["budget"].value < 0.02
    else:
        assert budget_text in text
    if stage_text is None:
        assert "stage" not in text and pair["stage"].value < 0.02
    else:
        assert stage_text in text
    ja = "\n".join(explain(fitted, "s", "p", lang="ja").reasons)
    assert ("予算" in ja) == (budget_text is not None)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_faint_text_similarity_is_not_given_as_a_reason(scorer, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    from matching.features import _explain

    monkeypatch.setattr(_explain, "matching_keywords", lambda *args, **kwargs: [])  # no shared keyword to name
    assert _explain._text_reason(scorer, 0, 0, _explain.MIN_TEXT_SIMILARITY / 2, lang) is None
    strong = _explain._text_reason(scorer, 0, 0, 0.42, lang)
    assert strong is not None and "0.42" in strong
