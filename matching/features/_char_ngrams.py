"""Compiled character n-grams: scikit-learn's ``char_wb`` analysis without a Python loop per document.

The whole corpus is lower-cased (``str.lower``, as scikit-learn's
preprocessor does), encoded once as UTF-32 and cut into n-grams by a numba
kernel that follows ``CountVectorizer._char_wb_ngrams`` exactly: every
whitespace-separated word is padded with one space on each side, its
n-grams of each length are taken inside it, and a padded word not longer
than ``n`` yields itself once and stops the longer lengths.

An n-gram is not hashed but *packed*: a code point is below ``2**21``, so up
to three of them (each stored plus one, 0 marking "absent") fit in 63 bits
without collisions.  Sorting the packed keys sorts the n-grams exactly as
Python sorts strings (a prefix first), so the vocabulary has scikit-learn's
column order and the TF-IDF matrix is the same, bit for bit.

:class:`CharNgramTfidf` is the TF-IDF vectorizer built on it (the
``TfidfVectorizer`` subset :class:`~matching.features.TextVectorizer` uses:
``min_df``, ``max_df``, smooth IDF, optional sublinear TF, no
normalisation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from numba import njit
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

__all__ = ["MAX_N", "CharNgramTfidf", "NgramIdf", "TfidfBlocks", "decode_keys", "encode_gram", "ngram_counts"]

#: Longest n-gram the packed keys hold (3 × 21 bits).
MAX_N = 3
_BITS = 21
_MASK = (1 << _BITS) - 1
#: Documents analysed per kernel call (bounds the temporary key buffer).
_CHUNK_DOCS = 4096


def _whitespace_table() -> np.ndarray:
    """``table[c]`` is true when ``chr(c).isspace()`` (every such code point is below U+3001)."""
    return np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)


_SPACE = _whitespace_table()


@njit(cache=True)
def _padded(codes, start, length, p):
    """Code point ``p`` of the word ``codes[start:start+length]`` padded with one space each side."""
    if p == 0 or p == length + 1:
        return 32
    return codes[start + p - 1]


@njit(cache=True)
def _key(codes, start, length, p, g):
    key = np.int64(0)
    for t in range(MAX_N):
        c = np.int64(_padded(codes, start, length, p + t) + 1) if t < g else np.int64(0)
        key = (key << _BITS) | c
    return key


@njit(cache=True)
def _is_space(c, space):
    return c < space.shape[0] and space[c]


@njit(cache=True)
def _next_word(codes, p, end, space):
    """``(start, stop)`` of the next whitespace-separated word of ``codes[p:end]`` (empty at the end)."""
    while p < end and _is_space(codes[p], space):
        p += 1
    start = p
    while p < end and not _is_space(codes[p], space):
        p += 1
    return start, p


@njit(cache=True)
def _word_grams(length, min_n, max_n):
    """How many n-grams a word of ``length`` code points yields (scikit-learn's loop, counted)."""
    padded = length + 2
    total = 0
    for n in range(min_n, max_n + 1):
        if padded <= n:
            return total + 1
        total += padded - n + 1
    return total


@njit(cache=True)
def _emit_word(codes, start, length, min_n, max_n, out, at):
    padded = length + 2
    for n in range(min_n, max_n + 1):
        if padded <= n:
            out[at] = _key(codes, start, length, 0, padded)
            return at + 1
        for p in range(padded - n + 1):
            out[at] = _key(codes, start, length, p, n)
            at += 1
    return at


@njit(cache=True, nogil=True)
def _chunk_counts(codes, bounds, space, min_n, max_n):
    """Per document: its distinct packed n-grams (sorted) and how often each occurs.

    Returns ``(ptr, keys, counts)`` in CSR layout over the documents
    ``bounds[d]:bounds[d+1]`` of ``codes``.
    """
    n_docs = bounds.shape[0] - 1
    raw = np.zeros(n_docs + 1, np.int64)
    for d in range(n_docs):
        total = 0
        p, end = bounds[d], bounds[d + 1]
        while p < end:
            s, p = _next_word(codes, p, end, space)
            if p > s:
                total += _word_grams(p - s, min_n, max_n)
        raw[d + 1] = raw[d] + total
    keys = np.empty(raw[n_docs], np.int64)
    for d in range(n_docs):
        at = raw[d]
        p, end = bounds[d], bounds[d + 1]
        while p < end:
            s, p = _next_word(codes, p, end, space)
            if p > s:
                at = _emit_word(codes, s, p - s, min_n, max_n, keys, at)
    ptr = np.zeros(n_docs + 1, np.int64)
    counts = np.empty(raw[n_docs], np.int32)
    out = 0
    for d in range(n_docs):
        lo, hi = raw[d], raw[d + 1]
        if hi > lo:
            keys[lo:hi] = np.sort(keys[lo:hi])
            prev = keys[lo]
            keys[out] = prev
            counts[out] = 1
            for t in range(lo + 1, hi):
                if keys[t] == prev:
                    counts[out] += 1
                else:
                    out += 1
                    prev = keys[t]
                    keys[out] = prev
                    counts[out] = 1
            out += 1
        ptr[d + 1] = out
    return ptr, keys[:out].copy(), counts[:out].copy()


def _encode(documents: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The lower-cased corpus as UTF-32 code points, and each document's bounds in it."""
    lowered = [d.lower() for d in documents]
    bounds = np.zeros(len(lowered) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)), out=bounds[1:])
    codes = np.frombuffer("".join(lowered).encode("utf-32-le"), dtype=np.uint32)
    return codes, bounds


def ngram_counts(documents: Sequence[str], ngram_range: tuple[int, int] = (2, 3)) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(ptr, keys, counts)`` of the ``char_wb`` n-grams of chunks of documents, in order.

    Lower-cases like scikit-learn; ``keys`` are packed n-grams
    (:func:`encode_gram`), sorted within each document.
    """
    min_n, max_n = (int(v) for v in ngram_range)
    if not 1 <= min_n <= max_n <= MAX_N:
        raise ValueError(f"ngram_range must satisfy 1 <= min_n <= max_n <= {MAX_N} for compiled n-grams, got {tuple(ngram_range)}")
    for s in range(0, len(documents), _CHUNK_DOCS):
        codes, bounds = _encode(documents[s : s + _CHUNK_DOCS])
        yield _chunk_counts(codes, bounds, _SPACE, min_n, max_n)


def encode_gram(gram: str) -> int:
    """The packed key of an n-gram of 1 to :data:`MAX_N` characters."""
    if not 1 <= len(gram) <= MAX_N:
        raise ValueError(f"an n-gram has 1 to {MAX_N} characters, got {gram!r}")
    key = 0
    for t in range(MAX_N):
        key = (key << _BITS) | (ord(gram[t]) + 1 if t < len(gram) else 0)
    return key


def decode_keys(keys: np.ndarray) -> list[str]:
    """The n-grams of packed keys."""
    keys = np.asarray(keys, dtype=np.int64)
    parts = [((keys >> (_BITS * (MAX_N - 1 - t))) & _MASK) for t in range(MAX_N)]
    out = []
    for row in zip(*(p.tolist() for p in parts)):
        out.append("".join(chr(c - 1) for c in row if c))
    return out


class NgramIdf(Mapping):
    """Read-only n-gram → IDF view of a fitted :class:`CharNgramTfidf` (for explanations)."""

    def __init__(self, keys: np.ndarray, idf: np.ndarray):
        self._keys, self._idf = keys, idf

    def __getitem__(self, gram: str) -> float:
        if not isinstance(gram, str) or not 1 <= len(gram) <= MAX_N:
            raise KeyError(gram)
        key = encode_gram(gram)
        at = int(np.searchsorted(self._keys, key))
        if at == len(self._keys) or self._keys[at] != key:
            raise KeyError(gram)
        return float(self._idf[at])

    def __iter__(self) -> Iterator[str]:
        return iter(decode_keys(self._keys))

    def __len__(self) -> int:
        return len(self._keys)


class TfidfBlocks:
    """The TF-IDF rows of :meth:`CharNgramTfidf.fit_blocks`, one block of documents at a time.

    Each block is computed from the kept counts by the code that assembles
    :meth:`CharNgramTfidf.fit_transform`'s matrix, so its rows are that
    matrix's rows, bit for bit.
    """

    def __init__(self, vectorizer: "CharNgramTfidf", chunks: list, indices: list[np.ndarray],
                 kept: list[np.ndarray | None]):
        self._vectorizer, self._chunks, self._indices, self._kept = vectorizer, chunks, indices, kept
        sizes = [len(ptr) - 1 for ptr, _, _ in chunks]
        self.starts = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)

    def __len__(self) -> int:
        return len(self._chunks)

    def block(self, t: int) -> sp.csr_array:
        """The rows ``starts[t]:starts[t + 1]``."""
        n = int(self.starts[t + 1] - self.starts[t])
        return self._vectorizer._assemble([self._chunks[t]], [self._indices[t]], [self._kept[t]], n)

    def nonempty(self) -> np.ndarray:
        """Per document: whether its row has an entry."""
        out = []
        for (ptr, _, _), keep in zip(self._chunks, self._kept):
            if keep is not None:
                ptr = np.concatenate(([0], np.cumsum(keep)))[ptr]
            out.append(np.diff(ptr) > 0)
        return np.concatenate(out) if out else np.zeros(0, dtype=bool)

    def rows(self, wanted: np.ndarray) -> sp.csr_array:
        """The rows ``wanted`` (document positions), in that order.

        Each row's length is known from the counts, so the output is
        allocated once and each block's rows are copied straight to their
        place (never the rows block by block and then again in order).
        """
        wanted = np.asarray(wanted, dtype=np.int64)
        which = np.searchsorted(self.starts, wanted, side="right") - 1
        lengths = np.zeros(len(wanted), np.int64)
        blocks = np.unique(which).tolist()
        for t in blocks:
            at = np.flatnonzero(which == t)
            lengths[at] = self._lengths(t)[wanted[at] - self.starts[t]]
        indptr = np.zeros(len(wanted) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        data, indices = np.empty(int(indptr[-1]), np.float64), np.empty(int(indptr[-1]), np.int32)
        for t in blocks:
            at = np.flatnonzero(which == t)
            piece = self.block(t)[wanted[at] - self.starts[t]]
            # where each of the piece's entries goes: its row's start in the output, then its place in the row
            to = np.repeat(indptr[at] - piece.indptr[:-1], np.diff(piece.indptr)) + np.arange(piece.nnz)
            data[to] = piece.data
            indices[to] = piece.indices
        return sp.csr_array((data, indices, indptr), shape=(len(wanted), len(self._vectorizer.keys_)))

    def _lengths(self, t: int) -> np.ndarray:
        """The number of entries of each row of block ``t`` (without assembling it)."""
        ptr, keep = self._chunks[t][0], self._kept[t]
        if keep is not None:
            ptr = np.concatenate(([0], np.cumsum(keep)))[ptr]
        return np.diff(ptr)


class CharNgramTfidf(BaseEstimator):
    """TF-IDF of compiled ``char_wb`` n-grams, equal to scikit-learn's ``TfidfVectorizer(norm=None)``.

    Parameters
    ----------
    ngram_range : (int, int), default=(2, 3)
        At most :data:`MAX_N`.
    min_df : int or float, default=1
    max_df : int or float, default=1.0
    sublinear_tf : bool, default=True

    Attributes
    ----------
    keys_ : ndarray of int64
        The vocabulary as sorted packed n-grams (column ``t`` is ``keys_[t]``).
    idf_ : ndarray of float64
        ``ln((1 + n) / (1 + df)) + 1``, as scikit-learn's smooth IDF.
    n_documents_ : int

    Examples
    --------
    >>> vectorizer = CharNgramTfidf(ngram_range=(2, 2))
    >>> vectorizer.fit_transform(["金属 加工", "金属部品"]).shape
    (2, 9)
    >>> list(vectorizer.get_feature_names_out()[:3])
    [' 加', ' 金', '加工']
    >>> round(vectorizer.ngram_idf()["金属"], 3)  # in both documents
    1.0
    """

    def __init__(self, *, ngram_range: tuple[int, int] = (2, 3), min_df: int | float = 1, max_df: int | float = 1.0,
                 sublinear_tf: bool = True):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf

    def fit(self, documents: Sequence[str], y: object = None) -> "CharNgramTfidf":
        self.fit_transform(documents)
        return self

    def fit_transform(self, documents: Sequence[str], y: object = None) -> sp.csr_array:
        """Learn the vocabulary and IDF; return the TF-IDF rows (indices sorted, not normalised)."""
        return self._assemble(*self._fit_counts(documents), len(documents))

    def fit_blocks(self, documents: Sequence[str]) -> "TfidfBlocks":
        """Learn the vocabulary and IDF; return the TF-IDF rows as :class:`TfidfBlocks`.

        The same rows as :meth:`fit_transform`, kept as 4-byte columns and
        counts (8 bytes an entry, not 12) and made a block at a time.
        """
        chunks, indices, kept = self._fit_counts(documents)
        return TfidfBlocks(self, chunks, indices, kept)

    def _fit_counts(self, documents: Sequence[str]) -> tuple[list, list[np.ndarray], list[np.ndarray | None]]:
        """Fit ``keys_`` and ``idf_``; return each chunk's ``(ptr, None, counts)``, columns and kept entries."""
        n_docs = len(documents)
        # per chunk, its own sorted n-grams and 4-byte positions in them (not the 8-byte keys)
        chunks, local, positions = [], [], []
        for ptr, keys, counts in ngram_counts(documents, self.ngram_range):
            grams = np.unique(keys)
            chunks.append((ptr, None, counts))
            local.append(grams)
            positions.append(np.searchsorted(grams, keys).astype(np.int32))
        vocabulary = np.unique(np.concatenate(local)) if local else np.zeros(0, np.int64)
        indices = positions  # rewritten chunk by chunk: chunk positions -> vocabulary columns
        for t, grams in enumerate(local):
            indices[t] = np.searchsorted(vocabulary, grams).astype(np.int32)[positions[t]]
        del local
        df = np.zeros(len(vocabulary), np.int64)
        for idx in indices:
            df += np.bincount(idx, minlength=len(vocabulary))
        kept: list[np.ndarray | None] = [None] * len(chunks)
        keep = self._limit(df, n_docs)
        if keep is not None:
            position = np.cumsum(keep) - 1
            kept = [keep[idx] for idx in indices]
            indices = [position[idx[k]].astype(np.int32) for idx, k in zip(indices, kept)]
            vocabulary, df = vocabulary[keep], df[keep]
        self.keys_ = vocabulary
        self.n_documents_ = n_docs
        idf = np.full(len(df), fill_value=n_docs + 1, dtype=np.float64)
        idf /= df.astype(np.float64) + 1.0
        np.log(idf, out=idf)
        idf += 1.0
        self.idf_ = idf
        return chunks, indices, kept

    def _limit(self, df: np.ndarray, n_docs: int) -> np.ndarray | None:
        """scikit-learn's ``min_df`` / ``max_df`` pruning (``None`` when nothing is pruned)."""
        high = self.max_df if isinstance(self.max_df, (int, np.integer)) else self.max_df * n_docs
        low = self.min_df if isinstance(self.min_df, (int, np.integer)) else self.min_df * n_docs
        if high < low:
            raise ValueError("max_df corresponds to < documents than min_df")
        keep = (df <= high) & (df >= low)
        if keep.all():
            return None
        if not keep.any():
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
        return keep

    def transform(self, documents: Sequence[str]) -> sp.csr_array:
        """TF-IDF rows of ``documents`` over the fitted vocabulary (unknown n-grams dropped)."""
        check_is_fitted(self, "keys_")
        chunks, indices, kept = [], [], []
        for ptr, keys, counts in ngram_counts(documents, self.ngram_range):
            at = np.searchsorted(self.keys_, keys)
            known = at < len(self.keys_)
            known[known] = self.keys_[at[known]] == keys[known]
            chunks.append((ptr, None, counts))
            indices.append(at[known].astype(np.int32))
            kept.append(known)
        return self._assemble(chunks, indices, kept, len(documents))

    def _assemble(self, chunks: list, indices: list[np.ndarray], kept: list[np.ndarray | None], n_docs: int) -> sp.csr_array:
        """One CSR matrix from the chunks' counts (``kept``: the entries whose n-gram is a column).

        The output is allocated once and each chunk's counts are released
        as soon as they are copied (``chunks`` and ``indices`` are emptied).
        """
        nnz = sum(len(idx) for idx in indices)
        values, column = np.empty(nnz, np.float64), np.empty(nnz, np.int32)
        indptr = np.zeros(n_docs + 1, np.int64)
        row, offset = 0, 0
        for t in range(len(chunks)):
            ptr, _, counts = chunks[t]
            idx, keep = indices[t], kept[t]
            if keep is not None:
                ptr = np.concatenate(([0], np.cumsum(keep)))[ptr]
                counts = counts[keep]
            size = len(idx)
            indptr[row + 1:row + len(ptr)] = ptr[1:] + offset
            out = values[offset:offset + size]
            out[:] = counts
            if self.sublinear_tf:
                np.log(out, out=out)
                out += 1.0
            out *= self.idf_[idx]
            column[offset:offset + size] = idx
            row += len(ptr) - 1
            offset += size
            chunks[t] = indices[t] = None  # type: ignore[call-overload]
        return sp.csr_array((values, column, indptr), shape=(n_docs, len(self.keys_)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """The n-grams, in column order (scikit-learn's sorted vocabulary)."""
        check_is_fitted(self, "keys_")
        return np.array(decode_keys(self.keys_), dtype=object)

    def ngram_idf(self) -> NgramIdf:
        """n-gram → IDF, looked up without building a dict of the vocabulary."""
        check_is_fitted(self, "keys_")
        return NgramIdf(self.keys_, self.idf_)
