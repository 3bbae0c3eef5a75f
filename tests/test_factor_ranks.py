"""Partner ranks on the factor path: float32 bands screened, the few near a threshold recomputed exactly."""

from __future__ import annotations

import numpy as np
import pytest

from datasets.synthetic import generate
from matching import _factor_ranks as FR
from matching.model import Event
from matching.pipeline import _ranks, match_round


@pytest.fixture(scope="module", params=[("overseas", 12, 25, 60), ("succession", 11, 60, 50)])
def matched(request):
    preset, seed, n_left, n_right = request.param
    data = generate(preset, seed=seed, n_left=n_left, n_right=n_right)
    event = Event.build(data.programme, list(data.participants))
    return match_round(event, path="factors"), match_round(event, path="dense")


class _EverythingExact(FR._Float32Bands):
    """Every score counts as near its threshold: each comparison goes through the exact recomputation."""

    def __init__(self, scorer):
        super().__init__(scorer)
        self.err = 1e6


@pytest.mark.parametrize("bands", [FR._Float32Bands, _EverythingExact])
def test_screened_ranks_equal_the_dense_ranks(matched, bands, monkeypatch):
    factors, dense = matched
    monkeypatch.setattr(FR, "_Float32Bands", bands)
    pairs = factors.result.pairs
    rank_left, rank_right = FR.partner_ranks(factors.problem.scorer, pairs)
    left_rank, right_rank = _ranks(dense.problem.scores, dense.problem.forbidden)
    assert np.array_equal(rank_left, left_rank[pairs[:, 0], pairs[:, 1]])
    assert np.array_equal(rank_right, right_rank[pairs[:, 0], pairs[:, 1]])


def test_the_error_bound_covers_the_float32_bands(matched):
    scorer = matched[0].problem.scorer
    bands = FR._Float32Bands(scorer)
    band, mask = bands.band(slice(0, scorer.n_left_))
    exact = scorer.score_matrix()[np.ix_(scorer.left_order_, scorer.right_order_)]
    gap = np.abs(band.astype(np.float64) - exact)[~mask]
    assert 0 < gap.max() <= bands.err  # float32 did round, and never past the bound


@pytest.mark.parametrize("cores", [1, 2])
def test_ranks_counted_in_threads_over_one_row_bands_equal_the_dense_ranks(matched, cores, monkeypatch):
    factors, dense = matched
    monkeypatch.setattr(FR, "RANK_BLOCK_CELLS", 1)  # one row per band: the threads interleave many bands
    monkeypatch.setattr(FR, "available_cores", lambda: cores)
    seen = []
    pairs = factors.result.pairs
    rank_left, rank_right = FR.partner_ranks(factors.problem.scorer, pairs, progress=lambda *a: seen.append(a))
    left_rank, right_rank = _ranks(dense.problem.scores, dense.problem.forbidden)
    assert np.array_equal(rank_left, left_rank[pairs[:, 0], pairs[:, 1]])
    assert np.array_equal(rank_right, right_rank[pairs[:, 0], pairs[:, 1]])
    n_left = factors.problem.scorer.n_left_
    assert len(seen) == n_left and seen[-1] == ("ranks", n_left, n_left)


def test_ranks_of_a_float32_scorer_counted_in_threads_equal_its_dense_ranks(matched, monkeypatch):
    from sklearn.base import clone

    factors, _ = matched
    problem = factors.problem
    scorer = clone(problem.scorer).set_params(dtype="float32").fit(problem.left, problem.right)
    monkeypatch.setattr(FR, "available_cores", lambda: 2)
    monkeypatch.setattr(FR, "RANK_BLOCK_CELLS", 4 * scorer.n_right_)  # bands of 4 rows, unscreened
    pairs = factors.result.pairs
    rank_left, rank_right = FR.partner_ranks(scorer, pairs)
    left_rank, right_rank = _ranks(scorer.score_matrix(), scorer.impossible_mask())
    assert np.array_equal(rank_left, left_rank[pairs[:, 0], pairs[:, 1]])
    assert np.array_equal(rank_right, right_rank[pairs[:, 0], pairs[:, 1]])
