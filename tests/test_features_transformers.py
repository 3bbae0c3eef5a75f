"""The per-participant transformers of matching.features: sklearn contract and values."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matching import vocabulary as vocab
from matching.features import (
    BudgetVectorizer,
    IndustryEncoder,
    LanguageEncoder,
    RegionEncoder,
    SizeEncoder,
    StageEncoder,
    TagVectorizer,
    TextVectorizer,
    bridged,
    feature_view,
    matching_keywords,
)
from matching.features._numeric import budget_fit, stage_distance, stage_fit
from matching.model import Contact, Participant, feature_fields

TAGS = sorted(vocab.TAGS)
REGIONS = sorted(vocab.REGIONS)


def people(n: int, seed: int = 0) -> list[Participant]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        budget = int(rng.integers(1, 100)) * 100_000
        out.append(
            Participant(
                id=f"p{i}",
                role="sme" if i % 2 else "startup",
                organization=f"Org {i}",
                contacts=(Contact(name=f"Person {i}", email=f"p{i}@example.com"),),
                description_ja=["金属加工と精密加工の試作", "食品加工の工場", "ソフトウェア開発とクラウド", ""][i % 4],
                description_en=["", "we design packages", "cloud accounting software", "precision machining"][i % 4],
                offers=tuple(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False)),
                seeks=tuple(rng.choice(TAGS, size=int(rng.integers(0, 3)), replace=False)),
                industry=[None, "E25", "E2592", "G39", "I50"][i % 5],
                region=[None, *REGIONS][int(rng.integers(0, len(REGIONS) + 1))],
                languages=[("ja",), ("en",), ("ja", "en"), ("th",)][i % 4],
                employees=None if i % 3 == 0 else int(rng.integers(1, 2000)),
                maturity_stage=None if i % 2 else int(rng.integers(1, 5)),
                serves_stages=() if i % 2 == 0 else tuple(sorted(rng.choice([1, 2, 3, 4], size=2, replace=False).tolist())),
                budget_min=None if i % 3 else budget,
                budget_max=None if i % 3 else budget * 2,
                price_min=None if i % 3 != 1 else budget,
            )
        )
    return out


TRANSFORMERS = [
    TextVectorizer(),
    TextVectorizer(n_components=3),
    TagVectorizer("offers"),
    TagVectorizer("seeks", related=0.2, norm="l1"),
    IndustryEncoder(),
    RegionEncoder(),
    LanguageEncoder(interpreter_languages=("th",)),
    StageEncoder(),
    SizeEncoder(),
    BudgetVectorizer("budget"),
    BudgetVectorizer("price"),
]


def _dense(x):
    return x.toarray() if sp.issparse(x) else np.asarray(x)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_sklearn_contract(transformer):
    X = people(24)
    params = transformer.get_params()
    copy = clone(transformer)
    assert copy.get_params() == params
    with pytest.raises(NotFittedError):
        copy.transform(X)
    with pytest.raises(NotFittedError):
        copy.get_feature_names_out()
    before = set(vars(copy))
    assert copy.fit(X) is copy
    learned = set(vars(copy)) - before
    assert learned and all(name.endswith("_") and not name.startswith("_") for name in learned)
    out = _dense(copy.transform(X))
    assert out.shape == (len(X), len(copy.get_feature_names_out()))
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(_dense(clone(transformer).fit_transform(X)), out)
    again = pickle.loads(pickle.dumps(copy))
    np.testing.assert_array_equal(_dense(again.transform(X)), out)
    copy.set_params(**params)
    assert copy.get_params() == params


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: type(t).__name__)
def test_identity_and_personal_fields_never_change_a_vector(transformer):
    X = people(16, seed=3)
    changed = [
        p.model_copy(update={"id": f"other-{p.id}", "organization": "Renamed K.K.", "contacts": (Contact(name="X", email="x@y.jp"),)})
        for p in X
    ]
    a = _dense(clone(transformer).fit(X).transform(X))
    b = _dense(clone(transformer).fit(changed).transform(changed))
    assert a.tobytes() == b.tobytes()


def test_feature_view_keeps_only_feature_fields():
    p = people(1)[0]
    (record,) = feature_view([p])
    assert set(record) == set(feature_fields())
    (from_dict,) = feature_view([{"organization": "secret", "offers": ["saas"], "contacts": "x"}])
    assert set(from_dict) == set(feature_fields()) and from_dict["offers"] == ("saas",)
    with pytest.raises(TypeError, match="participant #1 must be"):
        feature_view([42])
    with pytest.raises(TypeError, match="sequence of participants"):
        feature_view("abc")


def test_text_japanese_only_and_english_only():
    X = [
        {"description_ja": "精密加工の試作を得意とする町工場"},
        {"description_ja": "精密加工品の試作を依頼したい"},
        {"description_en": "Precision machining and prototyping"},
        {"description_en": "We need prototyping of machined parts"},
        {},
    ]
    v = TextVectorizer().fit(X)
    out = v.transform(X)
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, [1, 1, 1, 1, 0])
    sim = (out @ out.T).toarray()
    assert sim[0, 1] > sim[0, 2] and sim[2, 3] > sim[0, 3]
    assert sim[0, 1] > 0.2 and sim[2, 3] > 0.1


def test_text_without_any_text_and_bad_analyzer():
    v = TextVectorizer().fit([{}, {}])
    assert v.transform([{}]).shape == (1, 0)
    assert TextVectorizer(n_components=4).fit([{}]).transform([{}]).shape == (1, 0)
    with pytest.raises(ValueError, match="analyzer must be 'char_wb' or 'char', got 'word'"):
        TextVectorizer(analyzer="word").fit([{}])


def test_text_svd_is_unit_norm_and_close_to_exact():
    X = people(40)
    exact = TextVectorizer().fit_transform(X)
    approx = TextVectorizer(n_components=30).fit_transform(X)
    present = np.diff(exact.indptr) > 0
    np.testing.assert_allclose(np.linalg.norm(approx[present], axis=1), 1.0)
    assert np.abs((exact @ exact.T).toarray()[np.ix_(present, present)] - (approx @ approx.T)[np.ix_(present, present)]).max() < 0.05


def test_tags_rarity_and_related_credit():
    X = [{"offers": ("saas",)}, {"offers": ("saas",)}, {"offers": ("saas", "water-treatment")}, {"seeks": ("package-design",)}]
    v = TagVectorizer("offers", order_decay=1.0).fit(X)
    idf = dict(zip(v.vocabulary_, v.idf_))
    assert idf["water-treatment"] > idf["saas"]
    row = v.transform([X[2]])[0]
    assert row[v.vocabulary_["water-treatment"]] > row[v.vocabulary_["saas"]]
    related = TagVectorizer("offers", idf=False, norm=None, related=0.25).fit(X).transform([{"offers": ("graphic-design",)}])[0]
    assert related[v.vocabulary_["graphic-design"]] == 1.0
    assert related[v.vocabulary_["package-design"]] == 0.25
    assert related[v.vocabulary_["saas"]] == 0.0


def test_tags_order_decay_weights_later_tags_less():
    X = [{"offers": ("saas", "ai", "iot")}, {"offers": ("iot", "ai", "saas")}]
    v = TagVectorizer("offers", idf=False, norm=None, order_decay=0.5).fit(X)
    rows = v.transform(X)
    cols = [v.vocabulary_[t] for t in ("saas", "ai", "iot")]
    np.testing.assert_allclose(rows[0, cols], [1.0, 0.5, 0.25])
    np.testing.assert_allclose(rows[1, cols], [0.25, 0.5, 1.0])
    flat = TagVectorizer("offers", idf=False, norm=None, order_decay=1.0).fit(X).transform(X)
    np.testing.assert_allclose(flat[0], flat[1])


@pytest.mark.parametrize(
    "params, message",
    [({"field": "wants"}, "field must be 'offers' or 'seeks'"), ({"norm": "l3"}, "norm must be"), ({"related": 1.0}, "related must be in"),
     ({"order_decay": 0.0}, "order_decay must be in"), ({"order_decay": 1.5}, "order_decay must be in")],
)
def test_tags_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        TagVectorizer(**params).fit([{}])


def test_tags_unseen_tag_raises():
    v = TagVectorizer("offers").fit([{}])
    with pytest.raises(ValueError, match="tag 'brand-new' was not seen"):
        v.transform([{"offers": ("brand-new",)}])


def test_industry_levels():
    enc = IndustryEncoder()
    assert enc.pair_value("E2592", "E2592") == 1.0
    assert enc.pair_value("E25", "E2592") == 0.6
    assert enc.pair_value("E25", "E09") == 0.3
    assert enc.pair_value("E25", "G39") == 0.0
    assert math.isnan(enc.pair_value(None, "E25"))
    with pytest.raises(ValueError, match="same_division <= same_group <= same_code"):
        IndustryEncoder(same_group=0.1).fit([{}])


def test_region_proximity_order():
    enc = RegionEncoder()
    same = enc.pair_value(("tokyo-ota", "JP"), ("tokyo-ota", "JP"))
    wards = enc.pair_value(("tokyo-ota", "JP"), ("tokyo-koto", "JP"))
    osaka = enc.pair_value(("tokyo-ota", "JP"), ("osaka", "JP"))
    bangkok = enc.pair_value(("tokyo-ota", "JP"), ("th-bangkok", "TH"))
    new_york = enc.pair_value(("tokyo-ota", "JP"), ("us-new-york", "US"))
    assert same == pytest.approx(1.0) and same > wards > osaka > bangkok > new_york >= 0
    assert enc.pair_value((None, "JP"), ("osaka", "JP")) == pytest.approx(0.55)
    assert enc.pair_value((None, "JP"), (None, "TH")) == 0.0
    assert math.isnan(enc.pair_value((None, None), ("osaka", "JP")))
    with pytest.raises(ValueError, match="region weights must be >= 0 and sum to 1"):
        RegionEncoder(same_country=0.9).fit([{}])
    with pytest.raises(ValueError, match="distance scales must be > 0"):
        RegionEncoder(local_scale_km=0).fit([{}])


def test_language_common_bridged_and_impossible():
    enc = LanguageEncoder(interpreter_languages=("th",))
    assert enc.pair_value(("en", "ja"), ("en",)) == 1.0
    assert enc.pair_value(("ja",), ("th",)) == 0.5 and not enc.impossible(("ja",), ("th",))
    assert enc.pair_value(("en",), ("th",)) == 0.0 and enc.impossible(("en",), ("th",))
    assert math.isnan(enc.pair_value((), ("th",))) and not enc.impossible((), ("th",))
    assert bridged(["th"], ["ja", "en"], ["th", "vi"]) == "th"
    assert bridged(["vi"], ["en"], ["vi"]) is None  # the other side must speak Japanese
    with pytest.raises(ValueError, match="interpreted must be in"):
        LanguageEncoder(interpreted=2).fit([{}])


def test_stage_and_size():
    enc = StageEncoder()
    assert enc.pair_value((2, ()), (None, (1, 2))) == 1.0
    assert enc.pair_value((3, ()), (None, (1, 2))) == pytest.approx(0.6)
    # a Gaussian in the gap to the window's edge: exp(-gap**2 / 0.5) with gap = 1.5 two stages away
    assert enc.pair_value((4, ()), (None, (1, 2))) == pytest.approx(0.6**9) and 0 < 0.6**9 < 0.011
    assert stage_fit(4, (1,), 0.6) < stage_fit(4, (2,), 0.6) < stage_fit(4, (3,), 0.6) < stage_fit(4, (3, 4), 0.6)
    assert stage_distance(1, (3, 4)) == 2 and stage_distance(3, (3, 4)) == 0
    assert enc.pair_value((None, (3,)), (3, ())) == 1.0
    assert math.isnan(enc.pair_value((2, ()), (1, ())))
    size = SizeEncoder()
    assert size.pair_value("small", "small") == 1.0 and size.pair_value("small", "medium") == 0.5
    assert size.pair_value("micro", "large") == 0.0 and math.isnan(size.pair_value(None, "large"))
    for cls in (StageEncoder, SizeEncoder):
        with pytest.raises(ValueError, match="adjacent must be in"):
            cls(adjacent=-1).fit([{}])


def test_state_encoder_unseen_state_raises():
    enc = IndustryEncoder().fit([{"industry": "E25"}])
    with pytest.raises(ValueError, match="industry state 'G39' was not seen"):
        enc.transform([{"industry": "G39"}])


def test_budget_fit():
    X = [
        {"budget_min": 1_000_000, "budget_max": 2_000_000},
        {"price_min": 1_000_000, "price_max": 3_000_000},
        {"price_min": 50_000_000},
        {},
        {"price_max": 2_000_000},
    ]
    budget = BudgetVectorizer("budget").fit(X)
    price = BudgetVectorizer("price").fit(X)
    b, p = budget.transform(X), price.transform(X)
    assert b[0].sum() == pytest.approx(1.0) and not b[3].any() and not p[3].any()
    # the top of the budget (2M) against the lowest price (1M): the logistic fit at the bins' centres
    assert b[0] @ p[1] == pytest.approx(budget_fit(2_000_000, 1_000_000), abs=0.05)
    assert b[0] @ p[4] == pytest.approx(0.5)  # same bin: budget equals the price
    assert 0 < b[0] @ p[2] < 0.001
    assert budget_fit(1, 1) == 0.5 and budget_fit(2, 1) == pytest.approx(8 / 9) and budget_fit(1, 2) == pytest.approx(1 / 9)


@settings(max_examples=40, deadline=None)
@given(st.integers(10_000, 10**9), st.integers(10_000, 10**9), st.integers(10_000, 10**9))
def test_budget_fit_is_exact_on_bins_and_monotone(top, price_low, other):
    X = [{"budget_min": min(top, other), "budget_max": top}, {"price_min": price_low}]
    budget, price = BudgetVectorizer("budget").fit(X), BudgetVectorizer("price").fit(X)
    value = float(budget.transform(X)[0] @ price.transform(X)[1])
    centre = lambda v: 10 ** ((budget._bin(v) + 0.5) / 20 + budget.edges_[0])  # noqa: E731
    assert value == pytest.approx(budget_fit(centre(top), centre(price_low)), rel=1e-9, abs=1e-12)
    higher = [{"budget_max": top * 2}, {"price_min": price_low}]
    bh, ph = BudgetVectorizer("budget").fit(higher + X), BudgetVectorizer("price").fit(higher + X)
    assert float(bh.transform(higher)[0] @ ph.transform(higher)[1]) >= value - 1e-12


def test_budget_vectorizer_bad_params():
    X = [{"budget_min": 1_000_000}]
    with pytest.raises(ValueError, match="field must be 'budget' or 'price'"):
        BudgetVectorizer("cost").fit(X)
    with pytest.raises(ValueError, match="bins_per_decade >= 1 and steepness > 0"):
        BudgetVectorizer(steepness=0).fit(X)


def test_matching_keywords_japanese_and_english():
    ja = matching_keywords("精密加工の試作を得意とする", "精密加工品の試作を探しています")
    assert "精密加工" in ja and "試作" in ja
    en = matching_keywords("We offer precision machining", "Looking for precision machining partners")
    assert en[:2] == sorted(en[:2], key=lambda w: (-len(w), w)) and set(en) == {"precision", "machining"}
    assert matching_keywords("", "anything") == []
