"""Per-group order statistics on grouped arrays (rows of a sparse matrix)."""

from __future__ import annotations

import numpy as np

__all__ = ["Grouped"]


class Grouped:
    """Values grouped by an integer label (a participant), with fast per-group ranks.

    The grouping is computed once; every query then sorts a padded
    ``groups x largest group`` matrix row-wise (or falls back to a lexsort
    when padding would waste too much memory).
    """

    def __init__(self, group: np.ndarray, n_groups: int):
        self.group = np.asarray(group, dtype=np.int64)
        self.n_groups = n_groups
        self.order = np.argsort(self.group, kind="stable")
        self.counts = np.bincount(self.group, minlength=n_groups)
        self.first = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        g = self.group[self.order]
        self.row = g
        self.pos = np.arange(len(g)) - self.first[g]
        self.width = int(self.counts.max()) if len(self.counts) and len(g) else 0
        self.dense = n_groups * self.width <= 4 * len(g) + 1_000_000

    def _padded(self, values: np.ndarray) -> np.ndarray:
        out = np.full((self.n_groups, self.width), -np.inf)
        out[self.row, self.pos] = values[self.order]
        return out

    def kth_largest(self, values: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Per group, the ``k[g]``-th largest value, ``nan`` where the group is smaller or ``k[g] < 1``."""
        out = np.full(self.n_groups, np.nan)
        k = np.asarray(k, dtype=np.int64)
        has = (k >= 1) & (self.counts >= k)
        if not has.any():
            return out
        if self.dense:
            ranked = -np.sort(-self._padded(values), axis=1)
            out[has] = ranked[np.flatnonzero(has), k[has] - 1]
        else:
            order = np.lexsort((-values, self.group))
            out[has] = values[order[self.first[has] + k[has] - 1]]
        return out

    def maximum(self, values: np.ndarray) -> np.ndarray:
        out = np.full(self.n_groups, -np.inf)
        np.maximum.at(out, self.group, values)
        return out

    def top(self, values: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Boolean mask of the ``keep[g]`` largest values of every group."""
        keep = np.asarray(keep, dtype=np.int64)
        mask = np.zeros(len(values), dtype=bool)
        if not len(values):
            return mask
        if self.dense:
            padded = self._padded(values)
            by_rank = np.argsort(-padded, axis=1, kind="stable")
            rank = np.empty_like(by_rank)
            rows = np.arange(self.n_groups)[:, None]
            rank[rows, by_rank] = np.arange(self.width)[None, :]
            mask[self.order] = rank[self.row, self.pos] < keep[self.row]
        else:
            order = np.lexsort((-values, self.group))
            g = self.group[order]
            mask[order] = (np.arange(len(g)) - self.first[g]) < keep[g]
        return mask
