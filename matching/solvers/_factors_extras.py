"""What :func:`solve_factors` adds to a plain factor product: sparse score terms and class-wise impossibility.

A scorer's scores are rarely *only* ``left @ right.T``: exact text
similarity is a product of sparse vectors, a wish adds a bonus to a few
pairs, and whole classes of pairs are impossible (no common language, a role
pair the round does not allow) — at 100,000 per side that may be billions
of pairs, far too many to list.  :class:`Extras` holds

* ``sparse = (sparse_left, sparse_right)``: CSR factors whose product is
  added to the scores (a bonus matrix ``B`` is ``(B, identity)``);
* ``classes = (left_class, right_class, table)``: the pair ``(i, j)`` is
  impossible when ``table[left_class[i], right_class[j]]``;

and applies them to one row block of the dense product at a time
(:meth:`Extras.finish`), to lists of pairs (:meth:`Extras.add_pairs`,
:meth:`Extras.allowed`) and to counts (:meth:`Extras.n_impossible`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._constraints import invalid

__all__ = ["Extras", "make_extras", "sparse_dot"]


@njit(cache=True, inline="always")
def sparse_dot(lptr, lidx, ldata, rptr, ridx, rdata, i, j):  # pragma: no cover - compiled
    """``L[i] · R[j]`` for CSR ``L``, ``R`` with sorted indices."""
    p, pe = lptr[i], lptr[i + 1]
    q, qe = rptr[j], rptr[j + 1]
    acc = 0.0
    while p < pe and q < qe:
        if lidx[p] == ridx[q]:
            acc += ldata[p] * rdata[q]
            p += 1
            q += 1
        elif lidx[p] < ridx[q]:
            p += 1
        else:
            q += 1
    return acc


@njit(cache=True)
def _sparse_pair_dots(lptr, lidx, ldata, rptr, ridx, rdata, rows, cols, out):  # pragma: no cover - compiled
    """``out[t] += L[rows[t]] · R[cols[t]]`` for CSR ``L``, ``R`` with sorted indices."""
    for t in range(rows.shape[0]):
        out[t] += sparse_dot(lptr, lidx, ldata, rptr, ridx, rdata, rows[t], cols[t])


def _csr(value: Any, rows: int, name: str) -> sp.csr_array:
    if not sp.issparse(value):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim != 2:
            raise invalid(name, value.shape, f"expected a 2-D sparse or dense matrix, got shape {value.shape}")
    matrix = sp.csr_array(value, dtype=np.float64)
    if matrix.shape[0] != rows:
        raise invalid(name, matrix.shape, f"expected {rows} rows, got shape {matrix.shape}")
    if not np.isfinite(matrix.data).all():
        raise invalid(name, "non-finite", f"{name} contains non-finite values")
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


class Extras:
    """Sparse score terms and class-wise impossibility of a factor problem (see the module)."""

    def __init__(self, sparse_left: sp.csr_array | None, sparse_right: sp.csr_array | None,
                 left_class: np.ndarray | None, right_class: np.ndarray | None, table: np.ndarray | None):
        self.sparse_left, self.sparse_right = sparse_left, sparse_right
        self.sparse_right_t = None if sparse_right is None else sp.csr_array(sparse_right.T)
        self.left_class, self.right_class, self.table = left_class, right_class, table

    @property
    def empty(self) -> bool:
        return self.sparse_left is None and self.table is None

    def swapped(self) -> "Extras":
        """The same extras for the transposed problem (right rows, left columns)."""
        return Extras(self.sparse_right, self.sparse_left, self.right_class, self.left_class,
                      None if self.table is None else np.ascontiguousarray(self.table.T))

    # --- blocks ---------------------------------------------------------------------------

    def finish(self, block: np.ndarray, rows: np.ndarray | slice, sign: float, cols: np.ndarray | None = None) -> np.ndarray:
        """Turn ``block`` (rows × cols of the dense product) into scores: add the sparse terms, and
        set impossible pairs to ``sign * inf`` (a cost of ``+inf``: never a candidate, never violated)."""
        if self.sparse_left is not None:
            right_t = self.sparse_right_t if cols is None else sp.csr_array(self.sparse_right[cols].T)
            product = (self.sparse_left[rows] @ right_t).tocoo()
            if product.nnz:
                block[product.row, product.col] += product.data.astype(block.dtype, copy=False)
        if self.table is not None:
            right = self.right_class if cols is None else self.right_class[cols]
            mask = np.take(self.table[:, right], self.left_class[rows], axis=0)
            block[mask] = sign * np.inf
        return block

    # --- pairs ----------------------------------------------------------------------------

    def add_pairs(self, rows: np.ndarray, cols: np.ndarray, out: np.ndarray) -> None:
        """``out[t] +=`` the sparse terms of the pair ``(rows[t], cols[t])`` (float64)."""
        if self.sparse_left is None or len(rows) == 0:
            return
        L, R = self.sparse_left, self.sparse_right
        _sparse_pair_dots(L.indptr, L.indices, L.data, R.indptr, R.indices, R.data,
                          np.asarray(rows, np.int64), np.asarray(cols, np.int64), out)

    def allowed(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Whether each pair escapes the class table (pairs listed as forbidden are not looked at)."""
        if self.table is None:
            return np.ones(len(rows), dtype=bool)
        return ~self.table[self.left_class[rows], self.right_class[cols]]

    def n_impossible(self, rows: np.ndarray | None = None) -> int:
        """Pairs of ``rows`` (default: every left participant) × every right one that the table forbids."""
        if self.table is None:
            return 0
        k_left, k_right = self.table.shape
        left = self.left_class if rows is None else self.left_class[rows]
        count_left = np.bincount(left, minlength=k_left).astype(np.float64)
        count_right = np.bincount(self.right_class, minlength=k_right).astype(np.float64)
        return int(round(count_left @ self.table.astype(np.float64) @ count_right))

    def largest_sparse(self) -> float:
        """A bound on ``|sparse_left[i] · sparse_right[j]|`` over all pairs (Cauchy-Schwarz)."""
        if self.sparse_left is None:
            return 0.0
        norm = lambda m: float(np.sqrt(np.max(m.multiply(m).sum(axis=1), initial=0.0)))  # noqa: E731
        return norm(self.sparse_left) * norm(self.sparse_right)


def make_extras(sparse_vectors: Any, forbidden_classes: Any, n: int, m: int) -> Extras:
    """Validate ``sparse_vectors`` and ``forbidden_classes`` of :func:`solve_factors`."""
    sparse_left = sparse_right = None
    if sparse_vectors is not None:
        if not isinstance(sparse_vectors, (tuple, list)) or len(sparse_vectors) != 2:
            raise invalid("sparse_vectors", type(sparse_vectors).__name__,
                          "expected a pair (sparse_left, sparse_right) of matrices")
        sparse_left = _csr(sparse_vectors[0], n, "sparse_vectors[0]")
        sparse_right = _csr(sparse_vectors[1], m, "sparse_vectors[1]")
        if sparse_left.shape[1] != sparse_right.shape[1]:
            raise invalid("sparse_vectors", (sparse_left.shape, sparse_right.shape),
                          f"the sparse left and right vectors must have the same width, got {sparse_left.shape[1]} "
                          f"and {sparse_right.shape[1]}")
    left_class = right_class = table = None
    if forbidden_classes is not None:
        if not isinstance(forbidden_classes, (tuple, list)) or len(forbidden_classes) != 3:
            raise invalid("forbidden_classes", type(forbidden_classes).__name__,
                          "expected a triple (left_class, right_class, table)")
        table = np.asarray(forbidden_classes[2])
        if table.ndim != 2 or table.dtype != bool:
            raise invalid("forbidden_classes", f"{table.dtype} array of shape {table.shape}",
                          "expected the table as a 2-D boolean array (left class × right class)")
        classes = []
        for position, (value, size, bound, side) in enumerate(
            ((forbidden_classes[0], n, table.shape[0], "left"), (forbidden_classes[1], m, table.shape[1], "right"))
        ):
            arr = np.asarray(value)
            if arr.shape != (size,) or (size and arr.dtype.kind not in "iu"):
                raise invalid("forbidden_classes", f"{arr.dtype} array of shape {arr.shape}",
                              f"expected the {side} classes as {size} integers")
            if size and (arr.min() < 0 or arr.max() >= bound):
                raise invalid("forbidden_classes", int(arr.max() if arr.max() >= bound else arr.min()),
                              f"a {side} class is outside the table's {bound} {side} classes")
            classes.append(arr.astype(np.intp))
        left_class, right_class = classes
        if not table.any():
            left_class = right_class = table = None
    return Extras(sparse_left, sparse_right, left_class, right_class, table)
