"""Free text in Japanese and English → TF-IDF vectors, and matching keywords.

Japanese has no spaces between words, so the text is cut into character
n-grams (by default 2- and 3-grams inside whitespace-separated chunks,
``analyzer="char_wb"``): no tokenizer, no dictionary, nothing downloaded.
English words become character n-grams the same way, so a Japanese-only and
an English-only profile live in one space (they simply share few n-grams).

For very large inputs the exact sparse vectors may be projected onto
``n_components`` dimensions with a truncated SVD fitted on a sample (latent
semantic analysis); the cosine of the projections approximates the exact
cosine (and may be slightly negative).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from .._memory import release_free_memory
from ._char_ngrams import MAX_N, CharNgramTfidf
from ._profiles import canonical_order, feature_view

__all__ = ["TextVectorizer", "document", "matching_keywords"]


def document(record: dict[str, Any]) -> str:
    """The text of a feature record: Japanese then English, NFKC-normalised."""
    parts = [record.get("description_ja") or "", record.get("description_en") or ""]
    return unicodedata.normalize("NFKC", "\n".join(p for p in parts if p)).strip()


def _l2_rows(matrix: sp.csr_array, copy: bool = True) -> sp.csr_array:
    """Sort each row's indices, then divide it by its L2 norm (summed in index order); in place unless ``copy``."""
    if copy:
        matrix = matrix.copy()
    matrix.sort_indices()
    # a band of rows at a time: the squares of every entry are never held at once (same sums, same bits)
    for lo in range(0, matrix.shape[0], _L2_ROWS):
        indptr = matrix.indptr[lo:lo + _L2_ROWS + 1]
        lengths = np.diff(indptr)
        nonempty = lengths > 0
        if nonempty.any():
            data = matrix.data[indptr[0]:indptr[-1]]
            squares = np.add.reduceat(data**2, (indptr[:-1] - indptr[0])[nonempty])
            data /= np.repeat(np.sqrt(squares), lengths[nonempty])
    return matrix


#: Rows normalised at once by :func:`_l2_rows`.
_L2_ROWS = 4096


class TextVectorizer(TransformerMixin, BaseEstimator):
    """Character n-gram TF-IDF of ``description_ja`` + ``description_en``.

    Parameters
    ----------
    analyzer : {"char_wb", "char"}, default="char_wb"
        Character n-grams inside whitespace-separated chunks, or across them.
    ngram_range : tuple of int, default=(2, 3)
    min_df : int or float, default=1
    max_df : float, default=1.0
        Drop n-grams present in more than this share of the documents.
    max_features : int or None, default=None
    sublinear_tf : bool, default=True
    n_components : int or None, default=None
        ``None``: exact sparse TF-IDF rows (L2-normalised).  An int: project
        onto that many SVD dimensions and L2-normalise again (approximate).
    svd_sample : int, default=20000
        How many documents the SVD is fitted on (a content-hash sample, so
        independent of input order).
    random_state : int, default=0
    engine : {"auto", "compiled", "sklearn"}, default="auto"
        How the n-grams are cut and counted.  ``"compiled"``: a numba kernel
        over the whole encoded corpus (:class:`CharNgramTfidf`; ``char_wb``
        with n-grams of at most 3 characters and no ``max_features``), giving
        the same matrix, bit for bit, as ``"sklearn"``: scikit-learn's
        ``TfidfVectorizer``, which analyses one document at a time in Python
        (about 20 times slower).  ``"auto"``: compiled when it applies.

    Attributes
    ----------
    vectorizer_ : CharNgramTfidf, TfidfVectorizer or None
        ``None`` when no participant had any text.
    svd_ : TruncatedSVD or None
    n_features_out_ : int

    Notes
    -----
    Rows without text are all-zero; the scorer gives such pairs the
    component's neutral value.
    """

    def __init__(
        self,
        *,
        analyzer: str = "char_wb",
        ngram_range: tuple[int, int] = (2, 3),
        min_df: int | float = 1,
        max_df: float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        n_components: int | None = None,
        svd_sample: int = 20000,
        random_state: int = 0,
        engine: str = "auto",
    ):
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.n_components = n_components
        self.svd_sample = svd_sample
        self.random_state = random_state
        self.engine = engine

    def _compiled(self) -> bool:
        """Whether the compiled n-grams apply (``engine="auto"``) or were asked for."""
        if self.engine not in ("auto", "compiled", "sklearn"):
            raise ValueError(f"engine must be 'auto', 'compiled' or 'sklearn', got {self.engine!r}")
        low, high = (int(v) for v in self.ngram_range)
        applies = self.analyzer == "char_wb" and 1 <= low <= high <= MAX_N and self.max_features is None
        if self.engine == "compiled" and not applies:
            raise ValueError(
                f"engine='compiled' needs analyzer='char_wb', ngram_range within (1, {MAX_N}) and no max_features; "
                f"got analyzer={self.analyzer!r}, ngram_range={tuple(self.ngram_range)}, max_features={self.max_features!r}"
            )
        return applies and self.engine != "sklearn"

    def _documents(self, X: Iterable[Any]) -> list[str]:
        return [document(r) for r in feature_view(X)]

    def fit(self, X: Iterable[Any], y: Any = None) -> "TextVectorizer":
        """Learn the n-gram vocabulary and IDF (and SVD) from ``X``."""
        self._fit(X)
        return self

    def fit_transform(self, X: Iterable[Any], y: Any = None, **fit_params: Any) -> sp.csr_array | np.ndarray:
        """Fit on ``X`` and return its vectors (analyses every text once)."""
        return self._fit(X, keep=True)

    def _fit(self, X: Iterable[Any], keep: bool = False) -> Any:
        if self.analyzer not in ("char_wb", "char"):
            raise ValueError(f"analyzer must be 'char_wb' or 'char', got {self.analyzer!r}")
        compiled = self._compiled()
        records = feature_view(X)
        # The vocabulary is sorted and the IDF counts documents, so neither depends on the
        # input order; only the SVD's sample is taken in the canonical order (content, then id).
        docs = [document(r) for r in records]
        self.svd_ = None
        if not any(docs):
            self.vectorizer_ = None
            self.n_features_out_ = 0
            return self.transform(records) if keep else None
        if compiled:
            self.vectorizer_ = CharNgramTfidf(ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                                              max_df=self.max_df, sublinear_tf=self.sublinear_tf)
        else:
            self.vectorizer_ = TfidfVectorizer(
                analyzer=self.analyzer,
                ngram_range=tuple(self.ngram_range),
                min_df=self.min_df,
                max_df=self.max_df,
                max_features=self.max_features,
                sublinear_tf=self.sublinear_tf,
                lowercase=True,
                norm=None,  # normalised by _finish in sorted-index order: same text, same bits
                dtype=np.float64,
            )
        if compiled and self.n_components is not None:
            return self._fit_projected(records, docs, keep)
        tfidf = _l2_rows(sp.csr_array(self.vectorizer_.fit_transform(docs)), copy=False)
        if self.n_components is not None:
            order = canonical_order(records)
            self._fit_svd(tfidf[order[np.diff(tfidf.indptr)[order] > 0][: self.svd_sample]])
        else:
            self.n_features_out_ = int(tfidf.shape[1])
        return self._finish(tfidf) if keep else None

    def _fit_svd(self, sample: sp.csr_array) -> None:
        """The SVD of the sample's L2-normalised rows (none when too small)."""
        k = int(min(self.n_components, sample.shape[1] - 1, sample.shape[0] - 1))
        if k >= 1:
            self.svd_ = TruncatedSVD(n_components=k, algorithm="randomized", random_state=self.random_state)
            self.svd_.fit(sample)
        self.n_features_out_ = k if k >= 1 else 0

    def _fit_projected(self, records: list, docs: list[str], keep: bool) -> np.ndarray | None:
        """The compiled n-grams projected: the TF-IDF matrix is never whole, only its blocks of rows.

        The same sample, SVD and projections as from the whole matrix (each
        row is normalised and projected on its own), in about a third of
        the memory.
        """
        n_docs = len(docs)
        blocks = self.vectorizer_.fit_blocks(docs)
        docs.clear()  # counted: the texts (the caller's own list, not read again) can go before the SVD
        order = canonical_order(records)
        present = order[blocks.nonempty()[order]]
        self._fit_svd(_l2_rows(blocks.rows(present[: self.svd_sample]), copy=False))
        if not keep:
            return None
        out = np.empty((n_docs, self.n_features_out_))
        for t in range(len(blocks)):
            out[blocks.starts[t]:blocks.starts[t + 1]] = self._finish(_l2_rows(blocks.block(t), copy=False))
        del blocks
        release_free_memory()  # the counts were a few MB per chunk: holes in the heap, resident until trimmed
        return out

    def transform(self, X: Iterable[Any]) -> sp.csr_array | np.ndarray:
        """L2-normalised text vectors: sparse (exact) or dense (SVD)."""
        check_is_fitted(self, "n_features_out_")
        docs = self._documents(X)
        if self.vectorizer_ is None:
            if self.n_components is None:
                return sp.csr_array((len(docs), 0), dtype=np.float64)
            return np.zeros((len(docs), 0))
        return self._finish(_l2_rows(sp.csr_array(self.vectorizer_.transform(docs)), copy=False))

    def _finish(self, tfidf: sp.csr_array) -> sp.csr_array | np.ndarray:
        if self.n_components is None:
            return tfidf
        if self.svd_ is None:
            return np.zeros((tfidf.shape[0], 0))
        dense = self.svd_.transform(tfidf)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        np.divide(dense, norms, out=dense, where=norms > 0)
        return dense

    def ngram_idf(self) -> Mapping[str, float] | None:
        """n-gram → IDF of the fitted vocabulary (``None`` when no participant had text)."""
        check_is_fitted(self, "n_features_out_")
        if self.vectorizer_ is None:
            return None
        if isinstance(self.vectorizer_, CharNgramTfidf):
            return self.vectorizer_.ngram_idf()
        return _VocabularyIdf(self.vectorizer_.vocabulary_, self.vectorizer_.idf_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "n_features_out_")
        if self.n_components is not None:
            return np.array([f"text_svd{i}" for i in range(self.n_features_out_)], dtype=object)
        if self.vectorizer_ is None:
            return np.array([], dtype=object)
        return np.array([f"text[{n}]" for n in self.vectorizer_.get_feature_names_out()], dtype=object)


class _VocabularyIdf(Mapping):
    """Read-only n-gram → IDF view of a fitted scikit-learn TfidfVectorizer."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray):
        self._vocabulary, self._idf = vocabulary, idf

    def __getitem__(self, gram: str) -> float:
        return float(self._idf[self._vocabulary[gram]])

    def __iter__(self):
        return iter(self._vocabulary)

    def __len__(self) -> int:
        return len(self._vocabulary)


# --- matching keywords, for explanations ------------------------------------

_JA_TERM = re.compile(r"[\u4e00-\u9fff\u3005\u30a0-\u30ff\uff66-\uff9f]{2,}")  # kanji and katakana runs
_EN_WORD = re.compile(r"[a-z][a-z0-9\-]{2,}")
_EN_STOP = frozenset(
    "the and for with our are from that this into their its you your can has have was were will not but all any "
    "more most other such than then them they these those what when which who how also about over under using use "
    "used via per new based offer offers offering seek seeks seeking looking want wants company companies "
    "business products product services service solutions solution support help we us".split()
)


@lru_cache(maxsize=2**14)
def _terms(text: str) -> frozenset[str]:
    """The candidate keywords of a text (cached: a participant's text is read once per pair it is in)."""
    text = unicodedata.normalize("NFKC", text)
    terms = set(_JA_TERM.findall(text))
    terms |= {w.strip("-") for w in _EN_WORD.findall(text.lower()) if w.strip("-") not in _EN_STOP}
    return frozenset(t for t in terms if len(t) >= 2)


@lru_cache(maxsize=2**14)
def _ja_terms(text: str) -> frozenset[str]:
    """The Japanese terms (kanji and katakana runs) among :func:`_terms` (cached like them)."""
    return frozenset(t for t in _terms(text) if _JA_TERM.fullmatch(t))


_KANJI = re.compile(r"[\u4e00-\u9fff\u3005]")


def _readable_piece(piece: str) -> bool:
    """A fragment of a longer term reads as a word: with kanji from 2 characters, katakana from 4."""
    return len(piece) >= 2 if _KANJI.search(piece) else len(piece) >= 4


def _common_substrings(a: str, b: str, min_len: int = 2) -> set[str]:
    """Maximal common substrings (length >= min_len) of two short strings."""
    found: set[str] = set()
    for i in range(len(a)):
        for j in range(len(a), i + min_len - 1, -1):
            piece = a[i:j]
            if piece in b:
                found.add(piece)
                break
    return {s for s in found if not any(s != t and s in t for t in found)}


@lru_cache(maxsize=2**16)
def _readable_common_pieces(a: str, b: str) -> frozenset[str]:
    """The maximal common substrings of two Japanese terms that read as words (cached: terms recur across pairs)."""
    return frozenset(s for s in _common_substrings(a, b) if _readable_piece(s))


def matching_keywords(text_a: str, text_b: str, idf: Mapping[str, float] | None = None, *, limit: int = 5,
                      rarities: dict[str, float] | None = None) -> list[str]:
    """Readable keywords the two texts share, most specific first.

    English: whole words (stop words removed).  Japanese: runs of kanji or
    katakana (which carry the content words) and their maximal common
    substrings of two or more characters.  Ranked by the mean IDF of the
    term's character bigrams (rarer first) when ``idf`` is given, then by
    length, then alphabetically (deterministic).

    ``rarities``: a dict the caller keeps across calls with the same
    ``idf``; each term's mean IDF is stored there and looked up again
    (terms recur across pairs; the keywords are the same with or without).
    """
    shared = _terms(text_a) & _terms(text_b)
    ja_a, ja_b = _ja_terms(text_a) - shared, _ja_terms(text_b) - shared
    for ta in ja_a:
        for tb in ja_b:
            shared |= _readable_common_pieces(ta, tb)
    shared = {s for s in shared if not any(s != t and s in t for t in shared)}
    if not idf:
        return sorted(shared, key=lambda t: (-len(t), t))[:limit]
    memo = {} if rarities is None else rarities

    def rarity(term: str) -> float:
        value = memo.get(term)
        if value is None:
            value = memo[term] = _rarity(term, idf)
        return value

    ranked = sorted(shared, key=lambda t: (-rarity(t), -len(t), t))
    return ranked[:limit]


def _rarity(term: str, idf: Mapping[str, float]) -> float:
    """The mean IDF of a term's character bigrams (a bigram at a word start is also looked up as `` x``)."""
    grams = [term[i : i + 2] for i in range(max(1, len(term) - 1))]
    values = [idf.get(g, idf.get(f" {g}", 0.0)) for g in grams]
    return float(np.mean(values)) if values else 0.0
