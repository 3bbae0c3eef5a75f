"""Validation of the score matrix and forbidden pairs shared by every solver.

Every solver starts with :func:`as_scores`, which turns what the caller gave
(a dense array-like or a scipy.sparse matrix, plus optional forbidden pairs)
into one checked :class:`ScoreInput`, or raises
:class:`~matching.errors.InvalidInput` with a message in scipy's style that
says what was expected and what came.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import FieldError, InvalidInput

__all__ = ["ScoreInput", "as_scores"]


@dataclass(frozen=True)
class ScoreInput:
    """A validated score matrix and the set of allowed (left, right) pairs.

    Exactly one of ``dense`` and ``sparse`` is set.

    Attributes
    ----------
    shape : (int, int)
        ``(n_left, n_right)``: number of left (rows) and right (columns)
        participants.
    dense : ndarray of shape (n_left, n_right), float64, C-contiguous, or None
        The scores when the input was dense.  Every pair is allowed except the
        ``forbidden_pairs``.  All values are finite.  The array is read-only;
        it is the caller's array itself when that was already float64 and
        C-contiguous (no copy is made).
    sparse : scipy.sparse.csr_array of shape (n_left, n_right), float64, or None
        The scores when the input was sparse: a stored entry is an allowed
        pair (an explicitly stored 0 is an allowed pair of score 0), a missing
        entry is an impossible pair.  Canonical form (sorted indices, no
        duplicates: duplicates are summed, as scipy does), with the
        ``forbidden_pairs`` already removed.  All values are finite.
    forbidden_pairs : ndarray of shape (k, 2), int64
        The forbidden (left, right) pairs the caller passed, unique and sorted
        by left then right (for a sparse input, only those that were stored
        entries).  Read-only.

    Notes
    -----
    Use :meth:`allowed_counts` to find participants with no allowed partner,
    :meth:`allowed_coo` for the allowed pairs as three flat arrays,
    :meth:`dense_filled` for a dense copy with impossible pairs set to a
    value, and :meth:`total` to recompute an objective from the input.
    """

    shape: tuple[int, int]
    dense: np.ndarray | None
    sparse: sp.csr_array | None
    forbidden_pairs: np.ndarray

    @property
    def n_left(self) -> int:
        return self.shape[0]

    @property
    def n_right(self) -> int:
        return self.shape[1]

    @property
    def is_sparse(self) -> bool:
        return self.sparse is not None

    def allowed_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Number of allowed partners of every left and every right participant."""
        n, m = self.shape
        if self.sparse is not None:
            left = np.diff(self.sparse.indptr).astype(np.int64)
            right = np.bincount(self.sparse.indices, minlength=m).astype(np.int64)
            return left, right
        fp = self.forbidden_pairs
        left = m - np.bincount(fp[:, 0], minlength=n).astype(np.int64)
        right = n - np.bincount(fp[:, 1], minlength=m).astype(np.int64)
        return left, right

    def allowed_coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All allowed pairs as ``(rows, cols, scores)``, sorted by row then column.

        For a dense input this materializes ``n_left * n_right`` entries.
        """
        if self.sparse is not None:
            a = self.sparse
            rows = np.repeat(np.arange(a.shape[0], dtype=np.int64), np.diff(a.indptr))
            return rows, a.indices.astype(np.int64), a.data.copy()
        n, m = self.shape
        mask = np.ones((n, m), dtype=bool)
        fp = self.forbidden_pairs
        mask[fp[:, 0], fp[:, 1]] = False
        rows, cols = np.nonzero(mask)
        return rows.astype(np.int64), cols.astype(np.int64), self.dense[rows, cols]

    def dense_filled(self, fill: float) -> np.ndarray:
        """A dense float64 copy of the scores with every impossible pair set to ``fill``."""
        if self.sparse is not None:
            out = np.full(self.shape, fill, dtype=np.float64)
            rows, cols, vals = self.allowed_coo()
            out[rows, cols] = vals
            return out
        out = np.array(self.dense, dtype=np.float64, copy=True)
        fp = self.forbidden_pairs
        out[fp[:, 0], fp[:, 1]] = fill
        return out

    def is_allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Boolean array: is each (rows[t], cols[t]) an allowed pair."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        n, m = self.shape
        if self.sparse is not None:
            return _stored(self.sparse, rows, cols)
        key = rows * m + cols
        fp = self.forbidden_pairs
        return ~np.isin(key, fp[:, 0] * m + fp[:, 1])

    def values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Scores of the pairs (rows[t], cols[t]); 0 for a pair that is not stored."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        if self.sparse is not None:
            return np.asarray(self.sparse[rows, cols], dtype=np.float64).ravel()
        return self.dense[rows, cols]

    def total(self, pairs: np.ndarray) -> float:
        """Sum of the scores of ``pairs`` (k×2), recomputed from the input."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if len(pairs) == 0:
            return 0.0
        return float(np.sum(self.values(pairs[:, 0], pairs[:, 1])))


def _stored(a: sp.csr_array, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Whether each (rows[t], cols[t]) is a stored entry of the canonical CSR ``a``."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    m = max(int(a.shape[1]), 1)
    rows_of = np.repeat(np.arange(a.shape[0], dtype=np.int64), np.diff(a.indptr))
    keys = rows_of * m + a.indices  # sorted: canonical CSR is sorted by row, then column
    want = rows * m + cols
    at = np.searchsorted(keys, want)
    found = at < len(keys)
    found[found] = keys[at[found]] == want[found]
    return found


def _invalid(name: str, value: Any, message: str) -> InvalidInput:
    return InvalidInput([FieldError(field=name, value=value, message=message)], summary=f"{name}: {message}")


def _describe(value: Any) -> str:
    return type(value).__name__


def _check_numeric(name: str, arr: np.ndarray) -> np.ndarray:
    """float64 view/copy of ``arr``; raise on non-numeric dtype or on NaN / ±inf."""
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise _invalid(name, str(arr.dtype), "expected numeric scores, got non-numeric values (dtype object)") from None
        else:
            raise _invalid(name, str(arr.dtype), f"expected numeric scores, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    return arr


def _first_bad(name: str, data: np.ndarray, where: callable) -> None:
    """Raise for the first NaN / infinite value; ``where(k)`` gives its position."""
    if data.size == 0 or np.isfinite(np.sum(data)):
        return  # one cheap pass: NaN and ±inf propagate into the sum
    finite = np.isfinite(data)
    if finite.all():
        return  # the sum overflowed, every value is finite
    k = int(np.flatnonzero(~finite.ravel())[0])
    value = float(data.ravel()[k])
    pos = where(k)
    if np.isnan(value):
        raise _invalid(name, value, f"scores contains NaN at {pos}")
    raise _invalid(
        name,
        value,
        f"scores contains {value} at {pos}; to make a pair impossible, pass it in "
        "`forbidden` (or leave it out of a sparse matrix) instead of using an infinite score",
    )


def as_scores(scores: Any, *, forbidden: Any = None, name: str = "scores", check_finite: bool = True) -> ScoreInput:
    """Validate a score matrix and optional forbidden pairs.

    Parameters
    ----------
    scores : array-like of shape (n_left, n_right) or scipy.sparse matrix/array
        Dense: every pair is allowed (unless forbidden).  Sparse: stored
        entries are the allowed pairs, missing entries are impossible.
        Values must be finite numbers.
    forbidden : None, boolean array-like of shape (n_left, n_right), or iterable of (left, right) pairs
        Pairs that may not be matched.  A mask must have dtype bool (``True``
        = forbidden); anything else is read as a list of integer index pairs.
    name : str
        Name of the argument, used in error messages.
    check_finite : bool, default True
        Check that every value is finite.  A solver that reads the whole
        matrix anyway may pass False and check in its own pass (it must then
        call ``as_scores`` again to raise the error).

    Returns
    -------
    ScoreInput

    Raises
    ------
    matching.errors.InvalidInput
        Not a 2-D matrix, non-numeric values, NaN or ±inf, a forbidden mask of
        the wrong shape, or a forbidden pair out of range.

    Examples
    --------
    >>> s = as_scores([[1.0, 2.0], [3.0, 4.0]], forbidden=[(0, 1)])
    >>> s.shape, s.forbidden_pairs.tolist()
    ((2, 2), [[0, 1]])
    """
    if sp.issparse(scores):
        if scores.ndim != 2:  # pragma: no cover - scipy sparse is 2-D (coo_array may be 1-D)
            raise _invalid(name, scores.shape, f"expected a matrix (2-D array), got a {scores.ndim}-D array")
        a = sp.csr_array(scores, copy=True)
        if a.dtype.kind not in "biuf":
            raise _invalid(name, str(a.dtype), f"expected numeric scores, got dtype {a.dtype}")
        a = a.astype(np.float64, copy=False)  # already a copy
        a.sum_duplicates()
        a.sort_indices()
        rows_of = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
        _first_bad(name, a.data, lambda k: (int(rows_of[k]), int(a.indices[k])))
        shape = (int(a.shape[0]), int(a.shape[1]))
        fp = _forbidden_pairs(forbidden, shape)
        if len(fp):
            fp = fp[_stored(a, fp[:, 0], fp[:, 1])]
            if len(fp):
                keep = np.ones(a.nnz, dtype=bool)
                key_all = rows_of.astype(np.int64) * shape[1] + a.indices
                keep[np.isin(key_all, fp[:, 0] * shape[1] + fp[:, 1])] = False
                a = sp.csr_array((a.data[keep], a.indices[keep], np.concatenate([[0], np.cumsum(np.bincount(rows_of[keep], minlength=shape[0]))])), shape=shape)
        fp.setflags(write=False)
        return ScoreInput(shape=shape, dense=None, sparse=a, forbidden_pairs=fp)

    if isinstance(scores, (str, bytes)):
        raise _invalid(name, scores, "expected a matrix (2-D array), got a string")
    try:
        arr = np.asarray(scores)
    except (TypeError, ValueError) as exc:
        raise _invalid(name, _describe(scores), f"expected a matrix (2-D array), could not read it as an array: {exc}") from None
    if arr.ndim != 2:
        raise _invalid(name, arr.shape, f"expected a matrix (2-D array), got a {arr.ndim}-D array")
    arr = _check_numeric(name, arr)
    m = arr.shape[1]
    if check_finite:
        _first_bad(name, arr, lambda k: (k // m, k % m))
    arr = np.ascontiguousarray(arr).view()
    arr.setflags(write=False)
    shape = (int(arr.shape[0]), int(arr.shape[1]))
    fp = _forbidden_pairs(forbidden, shape)
    fp.setflags(write=False)
    return ScoreInput(shape=shape, dense=arr, sparse=None, forbidden_pairs=fp)


def _forbidden_pairs(forbidden: Any, shape: tuple[int, int]) -> np.ndarray:
    """Forbidden pairs as a sorted, unique (k, 2) int64 array."""
    n, m = shape
    empty = np.zeros((0, 2), dtype=np.int64)
    if forbidden is None:
        return empty
    if sp.issparse(forbidden):
        if forbidden.shape != shape:
            raise _invalid(
                "forbidden", forbidden.shape,
                f"expected a boolean mask of shape {shape} or an iterable of (left, right) pairs, "
                f"got a sparse matrix of shape {forbidden.shape}",
            )
        coo = sp.coo_array(forbidden)
        sel = coo.data != 0
        pairs = np.stack([coo.row[sel], coo.col[sel]], axis=1).astype(np.int64)
        return _unique_pairs(pairs, m)
    if isinstance(forbidden, np.ndarray) and forbidden.dtype == bool or (
        not isinstance(forbidden, np.ndarray) and _looks_like_bool_mask(forbidden)
    ):
        mask = np.asarray(forbidden, dtype=bool)
        if mask.shape != shape:
            raise _invalid(
                "forbidden", mask.shape,
                f"expected a boolean mask of shape {shape} or an iterable of (left, right) pairs, "
                f"got a boolean mask of shape {mask.shape}",
            )
        rows, cols = np.nonzero(mask)
        return np.stack([rows, cols], axis=1).astype(np.int64).reshape(-1, 2)
    try:
        pairs = np.asarray(list(forbidden) if not isinstance(forbidden, np.ndarray) else forbidden)
    except (TypeError, ValueError):
        raise _invalid(
            "forbidden", _describe(forbidden),
            "expected a boolean mask or an iterable of (left, right) pairs",
        ) from None
    if pairs.size == 0:
        return empty
    if pairs.ndim != 2 or pairs.shape[1] != 2:
        raise _invalid(
            "forbidden", pairs.shape,
            f"expected a boolean mask of shape {shape} or an iterable of (left, right) pairs, "
            f"got an array of shape {pairs.shape}",
        )
    if pairs.dtype.kind not in "iu":
        if pairs.dtype.kind == "f" and np.all(np.isfinite(pairs)) and np.all(pairs == np.round(pairs)):
            pairs = pairs.astype(np.int64)
        else:
            raise _invalid("forbidden", str(pairs.dtype), f"expected integer (left, right) index pairs, got dtype {pairs.dtype}")
    pairs = pairs.astype(np.int64)
    bad = (pairs[:, 0] < 0) | (pairs[:, 0] >= n) | (pairs[:, 1] < 0) | (pairs[:, 1] >= m)
    if bad.any():
        i, j = (int(x) for x in pairs[np.flatnonzero(bad)[0]])
        raise _invalid(
            "forbidden", (i, j),
            f"pair ({i}, {j}) is out of range for scores of shape {shape}",
        )
    return _unique_pairs(pairs, m)


def _looks_like_bool_mask(obj: Any) -> bool:
    try:
        arr = np.asarray(obj)
    except (TypeError, ValueError):
        return False
    return arr.dtype == bool and arr.ndim == 2


def _unique_pairs(pairs: np.ndarray, m: int) -> np.ndarray:
    if len(pairs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    keys = np.unique(pairs[:, 0] * max(m, 1) + pairs[:, 1])
    return np.stack([keys // max(m, 1), keys % max(m, 1)], axis=1).astype(np.int64)
