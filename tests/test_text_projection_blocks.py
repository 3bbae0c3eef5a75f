"""The compiled text path projects block by block: the same bits as projecting the whole TF-IDF matrix."""

from __future__ import annotations

import numpy as np
import pytest

import matching.features._char_ngrams as char_ngrams
from datasets.synthetic import generate
from matching.features import TextVectorizer


@pytest.fixture(scope="module")
def people():
    programme = generate("design", seed=203, n_left=260, n_right=240)
    people = list(programme.participants)
    # a few without any text: absent from the SVD sample, all-zero projections
    return [p.model_copy(update={"description_ja": "", "description_en": ""}) if i % 17 == 0 else p
            for i, p in enumerate(people)]


@pytest.mark.parametrize("min_df", [1, 2])
def test_blocks_of_rows_give_the_whole_matrix_projection(people, monkeypatch, min_df):
    monkeypatch.setattr(char_ngrams, "_CHUNK_DOCS", 37)  # 14 blocks; the SVD sample spans them
    settings = dict(n_components=12, svd_sample=150, min_df=min_df)
    blocks = TextVectorizer(engine="compiled", **settings)
    whole = TextVectorizer(engine="sklearn", **settings)  # the whole matrix, then its rows
    ours, reference = blocks.fit_transform(people), whole.fit_transform(people)
    assert ours.shape == (len(people), 12)
    assert np.array_equal(ours, reference)
    assert not ours[::17].any()
    np.testing.assert_array_equal(blocks.svd_.components_, whole.svd_.components_)
    assert np.array_equal(blocks.transform(people[:9]), whole.transform(people[:9]))


def test_rows_are_gathered_in_the_order_asked(monkeypatch):
    monkeypatch.setattr(char_ngrams, "_CHUNK_DOCS", 3)
    docs = ["金属 加工", "design studio", "", "食品 加工", "cloud ai", "精密部品", "ai design", "加工"]
    vectorizer = char_ngrams.CharNgramTfidf()
    blocks = vectorizer.fit_blocks(docs)
    whole = char_ngrams.CharNgramTfidf().fit_transform(docs)
    wanted = np.array([6, 0, 4, 1, 7])
    got = blocks.rows(wanted)
    assert (got != whole[wanted]).nnz == 0 and got.shape == (5, whole.shape[1])
    np.testing.assert_array_equal(blocks.nonempty(), np.diff(whole.indptr) > 0)
    assert len(blocks) == 3 and blocks.starts.tolist() == [0, 3, 6, 8]
