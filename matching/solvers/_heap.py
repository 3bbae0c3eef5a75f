"""Binary heaps on parallel arrays for the compiled (numba) solvers.

A heap is a pair of arrays, ``keys`` (the order) and ``vals`` (the payload,
e.g. a node or a column), of which the first ``size`` slots are used; the
caller keeps ``size`` and allocates room for every push.  The *min* heap
serves Dijkstra searches (lazy deletion: a stale entry is popped and
skipped by the caller); the *max* heaps live at an offset ``off`` in a
shared array, one per owner, and keep its ``k`` best entries (the root is
the worst entry kept, replaced when a better one comes).  The *ranked*
heaps are max heaps by ``(key, index)``: of two equal keys the larger
index ranks worse, so a heap keeps the ``k`` smallest entries by (key,
index) whatever the order of its pushes, and heaps filled from separate
parts of a pass merge into exactly the heap of the whole pass
(:func:`merge_ranked`; the top-k candidates of the factor solver and of the
scorer, in one process or on a Dask cluster).

As plain compiled calls they cost nothing measurable against the code
written out in place (``inline="always"`` gained nothing either).  Numba's
on-disk cache does not follow calls into other modules, so after editing
this file delete the numba cache files (``*.nbi``, ``*.nbc``) in
``__pycache__``, or the callers keep running the old compiled code.
"""

from __future__ import annotations

from numba import njit

__all__ = ["push_min", "pop_min", "heapify_min", "push_max", "replace_max", "ranked_worse", "push_ranked", "replace_ranked_root",
           "merge_ranked"]


@njit(cache=True)
def push_min(keys, vals, size, key, val):  # pragma: no cover - compiled
    """Add ``(key, val)`` to the min-heap ``keys[:size]``; return the new size."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if keys[parent] <= key:
            break
        keys[pos] = keys[parent]
        vals[pos] = vals[parent]
        pos = parent
    keys[pos] = key
    vals[pos] = val
    return size + 1


@njit(cache=True)
def _sift_down_min(keys, vals, pos, size, key, val):  # pragma: no cover - compiled
    """Put ``(key, val)`` at ``pos`` of the min-heap ``keys[:size]`` and move it down to its place."""
    while True:
        c = 2 * pos + 1
        if c >= size:
            break
        if c + 1 < size and keys[c + 1] < keys[c]:
            c += 1
        if keys[c] >= key:
            break
        keys[pos] = keys[c]
        vals[pos] = vals[c]
        pos = c
    keys[pos] = key
    vals[pos] = val


@njit(cache=True)
def heapify_min(keys, vals, size):  # pragma: no cover - compiled
    """Make ``keys[:size]`` (with ``vals``) a min-heap in place, in O(size)."""
    for start in range((size >> 1) - 1, -1, -1):
        _sift_down_min(keys, vals, start, size, keys[start], vals[start])


@njit(cache=True)
def pop_min(keys, vals, size):  # pragma: no cover - compiled
    """Remove the smallest entry of the min-heap ``keys[:size]``; return ``(key, val, new size)``."""
    key = keys[0]
    val = vals[0]
    size -= 1
    if size > 0:
        _sift_down_min(keys, vals, 0, size, keys[size], vals[size])
    return key, val, size


@njit(cache=True)
def push_max(keys, vals, off, size, key, val):  # pragma: no cover - compiled
    """Add ``(key, val)`` to the max-heap ``keys[off:off+size]``; return the new size."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if keys[off + parent] >= key:
            break
        keys[off + pos] = keys[off + parent]
        vals[off + pos] = vals[off + parent]
        pos = parent
    keys[off + pos] = key
    vals[off + pos] = val
    return size + 1


@njit(cache=True)
def replace_max(keys, vals, off, size, key, val):  # pragma: no cover - compiled
    """Replace the root (largest entry) of the max-heap ``keys[off:off+size]`` by ``(key, val)``.

    ``size`` is unchanged; the caller checks that ``key`` belongs in the heap.
    """
    pos = 0
    while True:
        c = 2 * pos + 1
        if c >= size:
            break
        if c + 1 < size and keys[off + c + 1] > keys[off + c]:
            c += 1
        if keys[off + c] <= key:
            break
        keys[off + pos] = keys[off + c]
        vals[off + pos] = vals[off + c]
        pos = c
    keys[off + pos] = key
    vals[off + pos] = val


@njit(cache=True, inline="always")
def ranked_worse(ka, ia, kb, ib):  # pragma: no cover - compiled
    """Entry ``(ka, ia)`` ranks after ``(kb, ib)``: a larger key, or an equal key and a larger index."""
    return ka > kb or (ka == kb and ia > ib)


@njit(cache=True)
def push_ranked(keys, idx, off, size, key, j):  # pragma: no cover - compiled
    """Add ``(key, j)`` to the ranked heap ``keys[off:off+size]`` (root: its worst entry); return the new size."""
    pos = size
    while pos > 0:
        parent = (pos - 1) >> 1
        if not ranked_worse(key, j, keys[off + parent], idx[off + parent]):
            break
        keys[off + pos] = keys[off + parent]
        idx[off + pos] = idx[off + parent]
        pos = parent
    keys[off + pos] = key
    idx[off + pos] = j
    return size + 1


@njit(cache=True)
def replace_ranked_root(keys, idx, off, size, key, j):  # pragma: no cover - compiled
    """Replace the worst entry (the root) of the full ranked heap ``keys[off:off+size]`` by the better ``(key, j)``."""
    pos = 0
    while True:
        c = 2 * pos + 1
        if c >= size:
            break
        if c + 1 < size and ranked_worse(keys[off + c + 1], idx[off + c + 1], keys[off + c], idx[off + c]):
            c += 1
        if not ranked_worse(keys[off + c], idx[off + c], key, j):
            break
        keys[off + pos] = keys[off + c]
        idx[off + pos] = idx[off + c]
        pos = c
    keys[off + pos] = key
    idx[off + pos] = j


@njit(cache=True, nogil=True)
def merge_ranked(keys, idx, size, k, other_keys, other_idx, other_size):  # pragma: no cover - compiled
    """Fold the ranked heaps ``other_*`` into ``keys / idx / size`` (``k`` slots per owner), in place.

    Each owner keeps its ``k`` smallest entries by (key, index) of both.
    """
    for o in range(size.shape[0]):
        off = o * k
        s = size[o]
        for t in range(other_size[o]):
            key = other_keys[off + t]
            j = other_idx[off + t]
            if s < k:
                s = push_ranked(keys, idx, off, s, key, j)
            elif ranked_worse(keys[off], idx[off], key, j):
                replace_ranked_root(keys, idx, off, s, key, j)
        size[o] = s
