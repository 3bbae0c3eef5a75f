"""Seeded random fairs for tests and benchmarks."""

from __future__ import annotations

import numpy as np

from ._problem import FairProblem

__all__ = ["random_fair_problem"]


def random_fair_problem(
    n_left: int,
    n_right: int,
    n_slots: int,
    *,
    density: float = 1.0,
    availability: tuple[float, float] = (1.0, 1.0),
    tables: int | None = None,
    meeting_length: int = 1,
    left_max: int | None = None,
    right_max: int | None = None,
    seed: int = 0,
) -> FairProblem:
    """A random fair with latent-factor scores (plus partner popularity).

    Parameters
    ----------
    n_left, n_right, n_slots : int
    density : float
        Share of all pairs that are candidates.
    availability : (low, high)
        Each participant is available in a random share of the slots drawn
        uniformly from ``[low, high]``.
    tables, meeting_length, left_max, right_max
        Passed to :class:`FairProblem`.
    seed : int

    Returns
    -------
    FairProblem
    """
    rng = np.random.default_rng(seed)
    dim = 8
    xl = rng.normal(size=(n_left, dim))
    xr = rng.normal(size=(n_right, dim))
    popularity = rng.gamma(2.0, 0.25, size=n_right)
    left, right = np.nonzero(rng.random((n_left, n_right)) < density)
    raw = np.einsum("kd,kd->k", xl[left], xr[right]) / np.sqrt(dim) + popularity[right]
    score = np.round(1.0 / (1.0 + np.exp(-raw)), 6)

    def avail(n: int) -> np.ndarray:
        share = rng.uniform(availability[0], availability[1], size=n)
        keep = np.maximum(1, np.round(share * n_slots)).astype(int)
        out = np.zeros((n, n_slots), dtype=bool)
        for p in range(n):
            out[p, rng.choice(n_slots, size=keep[p], replace=False)] = True
        return out

    return FairProblem(
        n_left, n_right, left, right, score,
        slots=n_slots,
        left_available=avail(n_left),
        right_available=avail(n_right),
        tables=tables,
        meeting_length=meeting_length,
        left_max=left_max,
        right_max=right_max,
    )
