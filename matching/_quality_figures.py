"""The primitive figures of :mod:`matching.metrics`, each a plain function of arrays.

Gini coefficient, partner ranks, blocking pairs, envy, top-k and NDCG@k;
the report (:func:`matching.metrics.quality_from_pairs`) is built from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import FieldError, InvalidInput

__all__ = ["blocking_pair_mask", "envy_matrix", "gini", "ndcg_at_k", "pair_matrix", "partner_ranks", "top_k_indices"]

#: Two scores closer than this are equal (envy).
_TIE = 1e-12
#: Envy is computed in row blocks of about this many cells.
_ENVY_BLOCK_CELLS = 1 << 22


def gini(counts: Any) -> float | None:
    """Gini coefficient of non-negative amounts (e.g. partners per participant).

    ``G = Σ_i Σ_j |x_i − x_j| / (2 n² μ)``, computed from the sorted values
    as ``2 Σ_i i·x_(i) / (n Σ x) − (n + 1) / n``.  0 when every amount is
    equal (all zero included), at most ``1 − 1/n``.

    Parameters
    ----------
    counts : array_like of shape (n,)

    Returns
    -------
    float or None
        None for an empty input.

    Raises
    ------
    InvalidInput
        A negative or non-finite amount.

    References
    ----------
    C. Gini, *Variabilità e mutabilità* (1912); R. Dorfman, "A formula for
    the Gini coefficient", *Rev. Econ. Stat.* 61 (1979) 146–149.

    Examples
    --------
    >>> gini([1, 1, 1]), round(gini([0, 0, 3]), 6)
    (0.0, 0.666667)
    """
    x = np.asarray(counts, dtype=float).ravel()
    if x.size == 0:
        return None
    if not np.isfinite(x).all() or (x < 0).any():
        raise InvalidInput([FieldError("counts", x[~np.isfinite(x) | (x < 0)][0].item(), "expected non-negative finite amounts")])
    total = x.sum()
    if total == 0:
        return 0.0
    x = np.sort(x)
    n = x.size
    value = float(2.0 * np.dot(np.arange(1, n + 1), x) / (n * total) - (n + 1) / n)
    return max(0.0, value)


def _masked(scores: np.ndarray, forbidden: np.ndarray) -> np.ndarray:
    return np.where(forbidden, -np.inf, scores)


def partner_ranks(scores: np.ndarray, forbidden: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rank of every partner in each participant's own list (1 = best).

    Each side prefers higher scores, ties to the lower index; forbidden
    pairs come after every allowed one.

    Returns
    -------
    left_rank, right_rank : ndarray of shape (n_left, n_right), int32
        ``left_rank[i, j]``: where ``j`` stands in ``i``'s list;
        ``right_rank[i, j]``: where ``i`` stands in ``j``'s list.

    Examples
    --------
    >>> left, right = partner_ranks(np.array([[0.5, 0.9], [0.7, 0.1]]))
    >>> left.tolist(), right.tolist()
    ([[2, 1], [1, 2]], [[2, 1], [1, 2]])
    """
    scores = np.asarray(scores, dtype=float)
    forbidden = np.zeros(scores.shape, bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    masked = _masked(scores, forbidden)
    left = np.empty(scores.shape, dtype=np.int32)
    right = np.empty(scores.shape, dtype=np.int32)
    if scores.size:
        order = np.argsort(-masked, axis=1, kind="stable")
        np.put_along_axis(left, order, np.broadcast_to(np.arange(1, scores.shape[1] + 1, dtype=np.int32), scores.shape), axis=1)
        order = np.argsort(-masked, axis=0, kind="stable")
        np.put_along_axis(right, order, np.broadcast_to(np.arange(1, scores.shape[0] + 1, dtype=np.int32)[:, None], scores.shape), axis=0)
    return left, right


def pair_matrix(pairs: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    matched = np.zeros(shape, dtype=bool)
    if len(pairs):
        matched[pairs[:, 0], pairs[:, 1]] = True
    return matched


def blocking_pair_mask(
    scores: np.ndarray,
    pairs: Any,
    *,
    forbidden: np.ndarray | None = None,
    left_capacity: Any = 1,
    right_capacity: Any = 1,
) -> np.ndarray:
    """Blocking pairs of a matching under the preferences the scores induce.

    ``(i, j)`` blocks when it is allowed and unmatched, ``i`` has a free
    place (fewer partners than its capacity) or ranks ``j`` above its worst
    partner, and ``j`` has a free place or ranks ``i`` above its worst
    partner; ranks as in :func:`partner_ranks` (the same preferences as
    ``stable_matching(scores, scores.T)``).

    Parameters
    ----------
    scores : ndarray of shape (n_left, n_right)
    pairs : (k, 2) array of (left, right) positions
    forbidden : bool ndarray of the same shape, optional
    left_capacity, right_capacity : int or array of int

    Returns
    -------
    bool ndarray of shape (n_left, n_right)

    References
    ----------
    D. Gale and L. S. Shapley, "College admissions and the stability of
    marriage", *Amer. Math. Monthly* 69 (1962) 9–15.

    Examples
    --------
    >>> blocking_pair_mask(np.array([[0.9, 0.2], [0.8, 0.1]]), [(0, 1), (1, 0)]).nonzero()
    (array([0]), array([0]))
    """
    scores = np.asarray(scores, dtype=float)
    n, m = scores.shape
    forbidden = np.zeros((n, m), bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    matched = pair_matrix(pairs, (n, m))
    left_rank, right_rank = partner_ranks(scores, forbidden)
    left_deg, right_deg = matched.sum(axis=1), matched.sum(axis=0)
    left_cap = np.broadcast_to(np.asarray(left_capacity, dtype=np.int64), (n,))
    right_cap = np.broadcast_to(np.asarray(right_capacity, dtype=np.int64), (m,))
    left_worst = np.where(matched, left_rank, 0).max(axis=1, initial=0)
    right_worst = np.where(matched, right_rank, 0).max(axis=0, initial=0)
    left_wants = (left_deg < left_cap)[:, None] | (left_rank < left_worst[:, None])
    right_wants = (right_deg < right_cap)[None, :] | (right_rank < right_worst[None, :])
    return ~forbidden & ~matched & left_wants & right_wants


def envy_matrix(scores: np.ndarray, pairs: Any, *, forbidden: np.ndarray | None = None, side: str = "left") -> np.ndarray:
    """Who envies whom, within one side, under the scores.

    Participant ``a`` envies ``b`` (same side, ``a ≠ b``) when ``b`` has at
    least one partner that ``a`` may meet and the mean score ``a`` gives to
    those partners is above the mean score of ``a``'s own partners (an
    unmatched ``a`` envies every such ``b``).  One-to-one, this is "``a``
    prefers ``b``'s partner to its own".

    Parameters
    ----------
    scores : ndarray of shape (n_left, n_right)
    pairs : (k, 2) array of (left, right) positions
    forbidden : bool ndarray, optional
    side : {"left", "right"}

    Returns
    -------
    bool ndarray of shape (n, n), n the size of ``side``

    References
    ----------
    D. K. Foley, "Resource allocation and the public sector", *Yale Econ.
    Essays* 7 (1967) 45–98.

    Examples
    --------
    >>> envy_matrix(np.array([[0.9, 0.2], [0.8, 0.1]]), [(0, 1), (1, 0)]).astype(int).tolist()
    [[0, 1], [0, 0]]
    """
    if side not in ("left", "right"):
        raise InvalidInput([FieldError("side", side, "expected 'left' or 'right'")])
    scores = np.asarray(scores, dtype=float)
    forbidden = np.zeros(scores.shape, bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    matched = pair_matrix(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), scores.shape).astype(float)
    if side == "right":
        scores, forbidden, matched = scores.T, forbidden.T, matched.T
    value = np.where(forbidden, 0.0, scores)
    degree = matched.sum(axis=1)
    own = np.divide((value * matched).sum(axis=1), degree, out=np.full(len(degree), -np.inf), where=degree > 0)
    n = scores.shape[0]
    envy = np.zeros((n, n), dtype=bool)
    step = max(1, _ENVY_BLOCK_CELLS // max(n, 1))
    for start in range(0, n, step):  # row blocks keep the float temporaries at step × n
        rows = slice(start, min(n, start + step))
        sums = value[rows] @ matched.T  # sums[a, b]: what a would get from b's partners that a may meet
        counts = (~forbidden[rows]).astype(float) @ matched.T
        with np.errstate(invalid="ignore", divide="ignore"):
            theirs = np.where(counts > 0, sums / np.where(counts > 0, counts, 1.0), -np.inf)
        envy[rows] = (counts > 0) & (theirs > own[rows, None] + _TIE)
    np.fill_diagonal(envy, False)
    return envy


def top_k_indices(scores: np.ndarray, k: int, forbidden: np.ndarray | None = None) -> list[np.ndarray]:
    """Every row's ``k`` best allowed columns, best first (ties to the lower index)."""
    scores = np.asarray(scores, dtype=float)
    forbidden = np.zeros(scores.shape, bool) if forbidden is None else np.asarray(forbidden, dtype=bool)
    order = np.argsort(-_masked(scores, forbidden), axis=1, kind="stable")[:, :k]
    allowed = (~forbidden).sum(axis=1)
    return [order[i, : min(k, int(allowed[i]))] for i in range(scores.shape[0])]


def ndcg_at_k(ranked_gains: Any, all_gains: Any, k: int) -> float | None:
    """Normalised discounted cumulative gain of one ranked list.

    ``DCG@k = Σ_{r=1..k} g_r / log2(r + 1)``, divided by the DCG of the
    ``k`` largest gains of ``all_gains`` (the ideal ranking).

    Returns
    -------
    float or None
        In [0, 1]; None when the ideal DCG is 0 (nothing to find).

    References
    ----------
    K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of IR
    techniques", *ACM TOIS* 20 (2002) 422–446.

    Examples
    --------
    >>> ndcg_at_k([3.0, 2.0], [1.0, 2.0, 3.0], 2)
    1.0
    >>> round(ndcg_at_k([1.0, 2.0], [1.0, 2.0, 3.0], 2), 4)
    0.5307
    """
    ranked = np.asarray(ranked_gains, dtype=float)[:k]
    ideal = np.sort(np.asarray(all_gains, dtype=float))[::-1][:k]
    if (ranked < 0).any() or (ideal < 0).any():
        raise InvalidInput([FieldError("gains", float(min(ranked.min(initial=0), ideal.min(initial=0))), "expected non-negative gains")])
    discount = 1.0 / np.log2(np.arange(2, k + 2))
    best = float(np.dot(ideal, discount[: len(ideal)]))
    if best <= 0:
        return None
    return min(1.0, float(np.dot(ranked, discount[: len(ranked)])) / best)
