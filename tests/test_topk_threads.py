"""Scorer.top_k folds its row bands in threads: the candidates are those of one pass, ties included."""

from __future__ import annotations

import numpy as np
import pytest

import matching.features._scorer_topk as topk_module
from matching.features import Scorer

from test_features_scorer import _brute_top, side  # tests/ is on sys.path (rootdir, no package)


@pytest.fixture(scope="module")
def tied_scorer() -> Scorer:
    """Small blocks (many bands) and duplicated participants (exact ties across bands)."""
    left = side("s", "sme", 23, 31, other="t", n_other=17)
    right = side("t", "startup", 17, 32, other="s", n_other=23)
    left = left + [p.model_copy(update={"id": f"{p.id}-copy"}) for p in left[:6]]
    right = right + [p.model_copy(update={"id": f"{p.id}-copy"}) for p in right[:5]]
    return Scorer(max_block_cells=40, dtype="float32").fit(left, right)


@pytest.mark.parametrize("threads", [2, 3, 7])
@pytest.mark.parametrize("direction", ["left", "right", "both"])
def test_threaded_top_k_equals_one_thread_bit_for_bit(tied_scorer, monkeypatch, threads, direction):
    monkeypatch.setattr(topk_module, "worker_count", lambda: 1)
    one = tied_scorer.top_k(3, direction=direction)
    monkeypatch.setattr(topk_module, "worker_count", lambda: threads)
    many = tied_scorer.top_k(3, direction=direction)
    np.testing.assert_array_equal(many.indptr, one.indptr)
    np.testing.assert_array_equal(many.indices, one.indices)
    np.testing.assert_array_equal(many.data, one.data)
    scores, impossible = tied_scorer.score_matrix(), tied_scorer.impossible_mask()
    expected = set()
    if direction in ("left", "both"):
        expected |= _brute_top(scores, impossible, 3, 1, tied_scorer.right_rank_)
    if direction in ("right", "both"):
        expected |= _brute_top(scores, impossible, 3, 0, tied_scorer.left_rank_)
    coo = many.tocoo()
    assert set(zip(coo.row.tolist(), coo.col.tolist())) == expected


def test_progress_reaches_every_pair_from_the_threads(tied_scorer, monkeypatch):
    monkeypatch.setattr(topk_module, "worker_count", lambda: 2)
    seen: list[tuple[int, int]] = []
    tied_scorer.top_k(2, progress=lambda done, total: seen.append((done, total)))
    total = tied_scorer.n_left_ * tied_scorer.n_right_
    assert seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
