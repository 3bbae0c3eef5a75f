"""Saving and loading a fitted scorer (matching.features._learn)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from datasets.synthetic import generate
from matching.errors import InvalidInput
from matching.features._learn import SCORER_FORMAT, SCORER_FORMAT_VERSION, _versions, load_scorer, save_scorer
from matching.features._scorer import Scorer


@pytest.fixture(scope="module")
def programme():
    return generate("open-innovation", seed=11, n_left=30, n_right=25)


@pytest.fixture(scope="module")
def scorer(programme):
    weights = {"text": 0.5, "tags_left_seeks": 0.2, "tags_right_seeks": 0.3, "industry": 0.0}
    return Scorer.from_round(programme.programme.rounds[0], weights=weights).fit(programme.left, programme.right)


def test_round_trip_scores_identically(scorer, tmp_path):
    path = tmp_path / "scorer.pkl"
    save_scorer(scorer, path)
    loaded = load_scorer(path)
    assert loaded is not scorer
    assert loaded.weights_ == scorer.weights_
    assert np.array_equal(loaded.score_matrix(), scorer.score_matrix())
    assert np.array_equal(loaded.impossible_mask(), scorer.impossible_mask())
    left, right = np.arange(30), np.arange(30) % 25
    assert np.array_equal(loaded.pair_features(left, right), scorer.pair_features(left, right))
    a, b = loaded.top_k(3), scorer.top_k(3)
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data)


def test_learned_weights_survive_the_round_trip(scorer, tmp_path):
    reweighted = scorer.with_weights({"text": 1.0, "region": 0.25})
    path = tmp_path / "reweighted.pkl"
    save_scorer(reweighted, path)
    assert np.array_equal(load_scorer(path).score_matrix(), reweighted.score_matrix())
    assert not np.array_equal(reweighted.score_matrix(), scorer.score_matrix())


def test_unfitted_scorer_is_refused(tmp_path):
    with pytest.raises(NotFittedError):
        save_scorer(Scorer(), tmp_path / "x.pkl")


def _write(path, header, body=None):
    with open(path, "wb") as handle:
        pickle.dump(header, handle)
        if body is not None:
            pickle.dump(body, handle)


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ({"format": "something-else"}, "is not a saved scorer"),
        ([1, 2, 3], "is not a saved scorer"),
        ({"format": SCORER_FORMAT, "format_version": SCORER_FORMAT_VERSION + 1, "versions": _versions()},
         rf"has scorer format version {SCORER_FORMAT_VERSION + 1}, this version reads {SCORER_FORMAT_VERSION}"),
        ({"format": SCORER_FORMAT, "format_version": SCORER_FORMAT_VERSION, "versions": {**_versions(), "sme-matching": "0.0.1"}},
         r"was saved with sme-matching 0\.0\.1, this is sme-matching .*refit and save"),
        ({"format": SCORER_FORMAT, "format_version": SCORER_FORMAT_VERSION, "versions": {**_versions(), "scikit-learn": "0.1"}},
         r"was saved with scikit-learn 0\.1"),
    ],
)
def test_bad_header_is_refused(tmp_path, header, match):
    path = tmp_path / "bad.pkl"
    _write(path, header, {"not": "read"})
    with pytest.raises(InvalidInput, match=match):
        load_scorer(path)


def test_not_a_pickle(tmp_path):
    path = tmp_path / "scorer.csv"
    path.write_text("round,left_id\n")
    with pytest.raises(InvalidInput, match="is not a saved scorer"):
        load_scorer(path)


def test_truncated_file(scorer, tmp_path):
    path = tmp_path / "scorer.pkl"
    save_scorer(scorer, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInput, match="the saved scorer cannot be read"):
        load_scorer(path)
