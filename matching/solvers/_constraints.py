"""Validation of per-participant bounds and of required pairs (capacitated solvers).

The score matrix itself is checked by :func:`matching.solvers._input.as_scores`;
this module checks what the capacitated, fair and baseline solvers add on
top: capacities and minimum numbers of partners (a scalar or one value per
participant) and lists of required pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import FieldError, InvalidInput

__all__ = ["bound_array", "check_min_le_max", "pair_array", "invalid"]


def invalid(name: str, value: Any, message: str) -> InvalidInput:
    """An :class:`InvalidInput` about one argument, its summary naming the argument."""
    return InvalidInput([FieldError(field=name, value=value, message=message)], summary=f"{name}: {message}")


def bound_array(value: Any, n: int, name: str, *, default: int, unlimited: int) -> np.ndarray:
    """A per-participant bound as an int64 array of length ``n``.

    Parameters
    ----------
    value : None, int, float('inf') or array-like of shape (n,)
        ``None`` gives ``default`` for everyone; a scalar applies to everyone;
        ``inf`` (only where ``unlimited`` makes sense, i.e. capacities) means
        no limit and becomes ``unlimited``.
    n : int
        Number of participants on that side.
    name : str
        Argument name for error messages (``"left_capacity"`` ...).
    default, unlimited : int
    """
    if value is None:
        return np.full(n, default, dtype=np.int64)
    if isinstance(value, (str, bytes)):
        raise invalid(name, value, f"expected a non-negative integer or an array of shape ({n},), got a string")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise invalid(name, type(value).__name__, f"expected a non-negative integer or an array of shape ({n},)") from None
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise invalid(name, str(arr.dtype), f"expected a non-negative integer or an array of shape ({n},), got dtype {arr.dtype}")
    if arr.ndim == 0:
        arr = np.full(n, arr.item(), dtype=arr.dtype)
    elif arr.shape != (n,):
        raise invalid(name, arr.shape, f"expected a scalar or an array of shape ({n},), got an array of shape {arr.shape}")
    if arr.dtype.kind == "f":
        if np.isnan(arr).any():
            k = int(np.flatnonzero(np.isnan(arr))[0])
            raise invalid(name, float(arr[k]), f"{name}[{k}] is NaN; expected a non-negative integer")
        finite = np.isfinite(arr)
        if (arr[~finite] < 0).any():
            raise invalid(name, float("-inf"), f"{name} contains -inf; expected a non-negative integer")
        if not finite.all() and unlimited < 0:
            raise invalid(name, float("inf"), f"{name} contains inf; expected a finite non-negative integer")
        frac = finite & (arr != np.round(arr))
        if frac.any():
            k = int(np.flatnonzero(frac)[0])
            raise invalid(name, float(arr[k]), f"{name}[{k}] is {arr[k]}; expected a whole number")
        arr = np.where(finite, arr, unlimited)
    arr = arr.astype(np.int64)
    neg = arr < 0
    if neg.any():
        k = int(np.flatnonzero(neg)[0])
        raise invalid(name, int(arr[k]), f"{name}[{k}] is {int(arr[k])}; expected a non-negative integer")
    return arr


def check_min_le_max(minimum: np.ndarray, maximum: np.ndarray, min_name: str, max_name: str) -> None:
    """Raise :class:`InvalidInput` where a minimum exceeds the capacity."""
    bad = minimum > maximum
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise invalid(
            min_name, int(minimum[k]),
            f"{min_name}[{k}] = {int(minimum[k])} exceeds {max_name}[{k}] = {int(maximum[k])}",
        )


def pair_array(pairs: Any, shape: tuple[int, int], name: str) -> np.ndarray:
    """(left, right) pairs as a unique (k, 2) int64 array sorted by left then right.

    Accepts ``None`` (no pairs), a boolean mask of ``shape`` or an iterable of
    integer index pairs; raises :class:`InvalidInput` for anything else or for
    a pair out of range.
    """
    n, m = shape
    empty = np.zeros((0, 2), dtype=np.int64)
    if pairs is None:
        return empty
    if sp.issparse(pairs):
        pairs = pairs.toarray() != 0 if pairs.shape == shape else pairs.toarray()
    try:
        arr = np.asarray(list(pairs) if not isinstance(pairs, np.ndarray) else pairs)
    except (TypeError, ValueError):
        raise invalid(name, type(pairs).__name__, "expected a boolean mask or an iterable of (left, right) pairs") from None
    if arr.dtype == bool:
        if arr.shape != shape:
            raise invalid(name, arr.shape, f"expected a boolean mask of shape {shape}, got shape {arr.shape}")
        rows, cols = np.nonzero(arr)
        return np.stack([rows, cols], axis=1).astype(np.int64).reshape(-1, 2)
    if arr.size == 0:
        return empty
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise invalid(name, arr.shape, f"expected an iterable of (left, right) pairs, got an array of shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.isfinite(arr).all() and (arr == np.round(arr)).all():
            arr = arr.astype(np.int64)
        else:
            raise invalid(name, str(arr.dtype), f"expected integer (left, right) index pairs, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    bad = (arr[:, 0] < 0) | (arr[:, 0] >= n) | (arr[:, 1] < 0) | (arr[:, 1] >= m)
    if bad.any():
        i, j = (int(v) for v in arr[np.flatnonzero(bad)[0]])
        raise invalid(name, (i, j), f"pair ({i}, {j}) is out of range for scores of shape {shape}")
    keys = np.unique(arr[:, 0] * max(m, 1) + arr[:, 1])
    return np.stack([keys // max(m, 1), keys % max(m, 1)], axis=1).astype(np.int64)
