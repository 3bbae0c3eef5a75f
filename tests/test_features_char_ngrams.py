"""The compiled character n-grams give scikit-learn's TF-IDF features, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from datasets.synthetic import PRESETS, generate
from matching.features import CharNgramTfidf, Scorer, TextVectorizer, explain
from matching.features._char_ngrams import decode_keys, encode_gram

TRICKY = [
    "Hello  World\tfoo",
    "",
    "   ",
    "a",
    "ab",
    "ΑΣ σς İstanbul",  # final sigma and a lower-casing that changes the length
    "日本語の テキスト\u3000全角",
    "x\x1cy\u2028z\n\nq",  # unusual whitespace
    "Straße ﬁ 🙂😀",  # outside the basic plane
    "a b c d e",
    "テスト",
]


def _sklearn(docs, **params) -> tuple[sp.csr_array, TfidfVectorizer]:
    reference = TfidfVectorizer(analyzer="char_wb", sublinear_tf=True, lowercase=True, norm=None, dtype=np.float64, **params)
    matrix = sp.csr_array(reference.fit_transform(docs))
    matrix.sort_indices()
    return matrix, reference


def _assert_same(a: sp.csr_array, b: sp.csr_array) -> None:
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # bit for bit, not approximately


@pytest.mark.parametrize("ngram_range", [(2, 3), (1, 3), (1, 1), (3, 3), (2, 2), (1, 2)])
@pytest.mark.parametrize("min_df, max_df", [(1, 1.0), (2, 1.0), (1, 0.5), (0.1, 3)])
def test_tricky_documents_give_sklearn_features(ngram_range, min_df, max_df) -> None:
    expected, reference = _sklearn(TRICKY, ngram_range=ngram_range, min_df=min_df, max_df=max_df)
    ours = CharNgramTfidf(ngram_range=ngram_range, min_df=min_df, max_df=max_df)
    _assert_same(ours.fit_transform(TRICKY), expected)
    assert list(ours.get_feature_names_out()) == list(reference.get_feature_names_out())
    assert np.array_equal(ours.idf_, reference.idf_)
    unseen = ["hello xyz", "日本", "", "ΣΑΣ"]
    again = sp.csr_array(reference.transform(unseen))
    again.sort_indices()
    _assert_same(ours.transform(unseen), again)


@pytest.fixture(scope="module", params=sorted(PRESETS))
def preset(request):
    spec = PRESETS[request.param]
    return generate(request.param, seed=202, n_left=min(spec.n_left, 300), n_right=min(spec.n_right, 300))


def test_every_preset_gets_the_same_text_features_from_both_engines(preset) -> None:
    people = list(preset.left) + list(preset.right)
    compiled, reference = TextVectorizer(engine="compiled"), TextVectorizer(engine="sklearn")
    _assert_same(compiled.fit_transform(people), reference.fit_transform(people))
    _assert_same(compiled.transform(people[:7]), reference.transform(people[:7]))
    assert list(compiled.get_feature_names_out()) == list(reference.get_feature_names_out())


def test_the_svd_projection_is_the_same_with_either_engine() -> None:
    people = list(generate("design", seed=202, n_left=200, n_right=200).participants)
    ours = TextVectorizer(engine="compiled", n_components=16).fit_transform(people)
    assert np.array_equal(ours, TextVectorizer(engine="sklearn", n_components=16).fit_transform(people))


def test_the_scorer_scores_the_same_with_either_engine(preset) -> None:
    rnd = preset.programme.rounds[0]
    ours = Scorer.from_round(rnd, text_engine="compiled", text_dim=None).fit(preset.left, preset.right)
    theirs = Scorer.from_round(rnd, text_engine="sklearn", text_dim=None).fit(preset.left, preset.right)
    assert np.array_equal(ours.score_matrix(), theirs.score_matrix())


def test_explanations_name_the_same_keywords_as_before() -> None:
    """A fixed pair of the design preset: reasons as the scikit-learn vectorizer gave them (main, before the change)."""
    data = generate("design", seed=5, n_left=30, n_right=30)
    scorer = Scorer.from_round(data.programme.rounds[0]).fit(data.left, data.right)
    assert explain(scorer, 0, 2, lang="en").reasons == (
        "Common language: Japanese",
        "sme-0001's budget (¥1,490,000) covers des-0003's price range (¥290,000–¥580,000)",
        "des-0003 offers product design, which sme-0001 is looking for",
        "Hachioji and Katsushika: about 49 km apart",
        "Their descriptions share the keywords 共同開発, プロダクトデザイン",
    )
    assert explain(scorer, 0, 1, lang="ja").reasons[2] == "説明文に共通するキーワード：「design」「デザイン」"
    sklearn_scorer = Scorer.from_round(data.programme.rounds[0], text_engine="sklearn").fit(data.left, data.right)
    for i, j in [(0, 2), (3, 4), (7, 1)]:
        for lang in ("ja", "en"):
            assert explain(scorer, i, j, lang=lang) == explain(sklearn_scorer, i, j, lang=lang)


def test_ngram_idf_is_sklearns_vocabulary() -> None:
    _, reference = _sklearn(TRICKY, ngram_range=(2, 3))
    idf = CharNgramTfidf().fit(TRICKY).ngram_idf()
    assert len(idf) == len(reference.vocabulary_)
    assert sorted(idf) == sorted(reference.vocabulary_)
    for gram, column in reference.vocabulary_.items():
        assert idf[gram] == reference.idf_[column]
    assert idf.get("zz", -1.0) == -1.0
    assert idf.get("toolong", -1.0) == -1.0
    assert TextVectorizer().fit([{"description_en": "hello world"}]).ngram_idf()["he"] > 0
    assert TextVectorizer().fit([{}]).ngram_idf() is None


def test_packed_keys_round_trip_and_sort_like_strings() -> None:
    grams = ["a", "ab", "abc", "b", " a", "日本", "🙂x", "z\x00"]
    keys = [encode_gram(g) for g in grams]
    assert decode_keys(np.array(keys)) == grams
    assert [g for _, g in sorted(zip(keys, grams))] == sorted(grams)
    with pytest.raises(ValueError, match="an n-gram has 1 to 3 characters"):
        encode_gram("abcd")


def test_text_vectorizer_keeps_the_estimator_contract() -> None:
    vectorizer = TextVectorizer(engine="compiled", ngram_range=(1, 3))
    copy = clone(vectorizer)
    assert copy.get_params() == vectorizer.get_params()
    fitted = copy.fit([{"description_en": "Metal parts"}, {"description_ja": "金属部品"}])
    assert isinstance(fitted.vectorizer_, CharNgramTfidf)
    names = fitted.get_feature_names_out()
    assert names[0].startswith("text[") and len(names) == fitted.n_features_out_
    assert "engine" not in vectorizer.__dict__ or vectorizer.engine == "compiled"
    assert not hasattr(vectorizer, "vectorizer_")  # fitting a clone leaves the original unfitted


@pytest.mark.parametrize(
    "params, message",
    [
        ({"engine": "fast"}, "engine must be 'auto', 'compiled' or 'sklearn'"),
        ({"engine": "compiled", "analyzer": "char"}, "engine='compiled' needs analyzer='char_wb'"),
        ({"engine": "compiled", "ngram_range": (2, 4)}, "engine='compiled' needs analyzer='char_wb'"),
        ({"engine": "compiled", "max_features": 10}, "engine='compiled' needs analyzer='char_wb'"),
    ],
)
def test_bad_engine_settings_raise(params, message) -> None:
    with pytest.raises(ValueError, match=message):
        TextVectorizer(**params).fit([{"description_en": "text"}])


def test_auto_engine_falls_back_to_sklearn_where_the_kernel_does_not_apply() -> None:
    fitted = TextVectorizer(analyzer="char", ngram_range=(2, 4)).fit([{"description_en": "some text"}])
    assert isinstance(fitted.vectorizer_, TfidfVectorizer)
    assert fitted.ngram_idf()["so"] > 0


def test_bad_ngram_range_and_pruning_raise() -> None:
    with pytest.raises(ValueError, match="ngram_range must satisfy"):
        CharNgramTfidf(ngram_range=(0, 2)).fit(["abc"])
    with pytest.raises(ValueError, match="max_df corresponds to < documents than min_df"):
        CharNgramTfidf(min_df=3, max_df=1).fit(["abc", "abd"])
    with pytest.raises(ValueError, match="no terms remain"):
        CharNgramTfidf(min_df=2).fit(["abc", "xyz"])
