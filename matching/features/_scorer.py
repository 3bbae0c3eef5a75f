"""Profiles → compatibility scores: components, weights, hard rules, wishes.

How a score is made
-------------------
Every component gives a pair (left ``i``, right ``j``) a value in [0, 1]
(the approximate text projection may dip slightly below 0):

``text``
    cosine of character n-gram TF-IDF vectors of the Japanese and English
    descriptions;
``tags_left_seeks``
    cosine of what left seeks and what right offers (tags weighted by
    rarity, a little credit for a tag of the same theme);
``tags_right_seeks``
    the same, right seeks × left offers;
``industry``
    same code 1 > same major group 0.6 > same division 0.3 > other 0;
``region``
    same region / area / country, distance decay (30 km and 1,000 km
    scales), time-zone difference;
``language``
    1 with a common language, 0.5 through an interpreter, else 0;
``stage``
    an SME's maturity stage against the stages the partner serves: 1 inside
    them, decaying smoothly with the distance to the nearest served stage
    (0.6 next to them, 0.01 two stages away);
``budget``
    the left budget (top of its range) against the right lowest price, a
    logistic curve in their log-ratio (0.5 when equal, 0.89 at twice the
    price, 0.11 at half of it, computed on 12 % bins); when that does not
    apply, right budget against left price;
``size``
    same company size class 1, adjacent 0.5 (default weight 0).

A value that cannot be computed because data is missing on a side (no text,
no tags sought, no industry, ...) is the component's *neutral* value: the
mean of the component over every pair of the round that has the data
(``Scorer.neutral_``), so missing data neither helps nor hurts; never NaN.

The score is ``sum_c w_c * value_c + wish bonus`` where ``w_c`` are the
weights divided by their sum (``normalize_weights=True``, so the
non-wish part lies in [0, 1] and an organizer's weights are relative).  A
wish adds ``wish_bonus[0]`` when one side wishes to meet the other and
``wish_bonus[1]`` when both do.

Impossible pairs (vetoes, conflicts, excluded pairs, no common language,
role pairs the round does not allow; see :mod:`._rules`) keep their score;
they are reported by :meth:`Scorer.impossible_mask` — a boolean matrix to
hand to a solver as ``forbidden=`` — and left out of :meth:`Scorer.top_k`.

Every component is a bilinear form ``value = L_c[i] · R_c[j]`` of
per-participant vectors (the neutral value and table look-ups are folded
into extra columns), so the whole score matrix is one matrix product,
computed in memory-bounded blocks.
"""

from __future__ import annotations

import copy
import math
from concurrent.futures import ThreadPoolExecutor
from itertools import product
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._cores import available_cores
from ._blocks import block_ranges
from ._components import BUILDERS, COMPONENTS, DEFAULT_WEIGHTS, TEXT_EXACT_MAX_PAIRS, Component, Part
from ._language import LanguageEncoder
from ._profiles import canonical_order, feature_view, rule_view
from ._rules import Violation, pair_matrix
from ._scorer_topk import top_k as _top_k
from ._scores import BestPartners, Contribution, PairScore, ScoreFactors

__all__ = [
    "COMPONENTS",
    "DEFAULT_WEIGHTS",
    "TEXT_EXACT_MAX_PAIRS",
    "Component",
    "Contribution",
    "BestPartners",
    "PairScore",
    "ScoreFactors",
    "Scorer",
]


def _check_weights(weights: Mapping[str, float] | None, names: tuple[str, ...]) -> dict[str, float]:
    """Validate and complete weights; unknown names raise ValueError."""
    if weights is None:
        weights = {}
    if not isinstance(weights, Mapping):
        raise TypeError(f"weights must be a mapping of component name to weight, got {type(weights).__name__}")
    unknown = sorted(set(weights) - set(COMPONENTS))
    if unknown:
        raise ValueError(f"unknown scoring component(s) {unknown} in weights; known components: {list(COMPONENTS)}")
    out = {}
    for name in names:
        value = weights.get(name, DEFAULT_WEIGHTS[name])
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"weight of {name!r} must be a number, got {value!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"weight of {name!r} must be a finite number >= 0, got {value!r}")
        out[name] = value
    left_out = sorted(n for n in set(weights) - set(names) if float(weights[n]) != 0)
    if left_out:
        raise ValueError(f"weights given for component(s) {left_out} that are not computed; components={list(names)}")
    return out


class Scorer(BaseEstimator):
    """Explainable compatibility scores between the left and right participants of a round.

    Parameters
    ----------
    weights : mapping of str to float, optional
        Component name → weight (>= 0).  Components not named keep their
        default weight (:data:`DEFAULT_WEIGHTS`); unknown names raise
        ``ValueError`` listing the known components.
    components : tuple of str, optional
        Which components to compute (default: all of :data:`COMPONENTS`).
    interpreter_languages : tuple of str, default=()
        Languages an interpreter is available for (see :mod:`._rules`).
    role_pairs : tuple of (str, str), optional
        The (left role, right role) pairs the round allows; ``None`` allows
        every pair.
    never : tuple of (str, str), default=()
        (left id, right id) pairs the organizer excluded.
    wish_bonus : (float, float), default=(0.1, 0.2)
        Score bonus when one side wishes to meet the other, and when both do.
    normalize_weights : bool, default=True
        Divide the weights by their sum (so the score without bonus is in [0, 1]).
    text_dim : "auto", None or int, default="auto"
        ``None``: exact sparse TF-IDF cosine.  An int: cosine of an SVD
        projection with that many dimensions (approximate).  ``"auto"``:
        exact up to :data:`TEXT_EXACT_MAX_PAIRS` pairs (10,000 × 10,000),
        else 128 dimensions.
    text_analyzer : str, default="char_wb"
    text_ngram_range : (int, int), default=(2, 3)
    text_engine : {"auto", "compiled", "sklearn"}, default="auto"
        How text n-grams are counted (:class:`TextVectorizer`'s ``engine``:
        the compiled kernel and scikit-learn give the same features).
    tag_related : float, default=0.1
        Credit for a tag of the same theme as one sought (see :class:`TagVectorizer`).
    dtype : {"float64", "float32"}, default="float64"
        Precision of :meth:`score_matrix` and :meth:`top_k`.
    max_block_cells : int, default=2**22
        Largest block (left × right cells) computed at once; bounds the
        working memory to a few times ``max_block_cells * 8`` bytes.

    Attributes
    ----------
    component_names_ : tuple of str
    weights_ : dict of str to float
        The weights actually used (normalised if ``normalize_weights``).
    neutral_ : dict of str to float
        Each component's neutral value (for missing data).
    n_left_, n_right_ : int
    left_ids_, right_ids_ : tuple of str
    left_order_, right_order_ : ndarray of int
        The canonical order of each side (by content, then id); blocks are
        computed in it, so scores are the same bits whatever the input order.
    left_rank_, right_rank_ : ndarray of int
        Each participant's position in that order (breaks ties in top_k).

    Examples
    --------
    >>> from matching.model import Participant
    >>> sme = Participant(id="s1", role="sme", organization="A", seeks=("saas",), maturity_stage=1)
    >>> startup = Participant(id="t1", role="startup", organization="B", offers=("saas",), serves_stages=(1, 2))
    >>> scorer = Scorer().fit([sme], [startup])
    >>> [c.component for c in scorer.contributions(0, 0).contributions if c.value == 1.0]
    ['tags_left_seeks', 'language', 'stage']
    """

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        *,
        components: tuple[str, ...] | None = None,
        interpreter_languages: tuple[str, ...] = (),
        role_pairs: tuple[tuple[str, str], ...] | None = None,
        never: tuple[tuple[str, str], ...] = (),
        wish_bonus: tuple[float, float] = (0.1, 0.2),
        normalize_weights: bool = True,
        text_dim: str | int | None = "auto",
        text_analyzer: str = "char_wb",
        text_ngram_range: tuple[int, int] = (2, 3),
        text_engine: str = "auto",
        tag_related: float = 0.1,
        dtype: str = "float64",
        max_block_cells: int = 2**22,
    ):
        self.weights = weights
        self.components = components
        self.interpreter_languages = interpreter_languages
        self.role_pairs = role_pairs
        self.never = never
        self.wish_bonus = wish_bonus
        self.normalize_weights = normalize_weights
        self.text_dim = text_dim
        self.text_analyzer = text_analyzer
        self.text_ngram_range = text_ngram_range
        self.text_engine = text_engine
        self.tag_related = tag_related
        self.dtype = dtype
        self.max_block_cells = max_block_cells

    # ------------------------------------------------------------------ setup

    @classmethod
    def from_round(cls, round: Any, **params: Any) -> "Scorer":
        """A scorer with the weights, interpreter languages, role pairs and excluded pairs of a Round.

        ``params`` are passed on (and may override what the round says).
        """
        settings: dict[str, Any] = {
            "weights": dict(round.weights) or None,
            "interpreter_languages": tuple(round.interpreter_languages),
            "role_pairs": tuple(product(round.left_roles, round.right_roles)),
            "never": tuple(tuple(p) for p in round.never),
        }
        settings.update(params)
        return cls(**settings)

    def _component_names(self) -> tuple[str, ...]:
        if self.components is None:
            return tuple(COMPONENTS)
        names = tuple(self.components)
        unknown = [n for n in names if n not in COMPONENTS]
        if unknown:
            raise ValueError(f"unknown scoring component(s) {unknown}; known components: {list(COMPONENTS)}")
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"components must name each component at most once and at least one, got {list(names)}")
        return tuple(n for n in COMPONENTS if n in names)

    def _resolved_weights(self, weights: Mapping[str, float] | None, names: tuple[str, ...]) -> dict[str, float]:
        raw = _check_weights(weights, names)
        total = math.fsum(raw.values())
        if total <= 0:
            raise ValueError(f"at least one weight must be > 0, got {raw}")
        if self.normalize_weights:
            return {n: w / total for n, w in raw.items()}
        return raw

    def _check_params(self) -> None:
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        bonus = tuple(self.wish_bonus)
        if len(bonus) != 2 or any(not math.isfinite(float(b)) or float(b) < 0 for b in bonus):
            raise ValueError(f"wish_bonus must be two finite numbers >= 0 (one side, both sides), got {self.wish_bonus!r}")
        if not (self.text_dim is None or self.text_dim == "auto" or (isinstance(self.text_dim, int) and self.text_dim >= 1)):
            raise ValueError(f"text_dim must be 'auto', None or an int >= 1, got {self.text_dim!r}")
        if int(self.max_block_cells) < 1:
            raise ValueError(f"max_block_cells must be >= 1, got {self.max_block_cells}")

    # ------------------------------------------------------------------- fit

    def fit(self, left: Sequence[Any], right: Sequence[Any], y: Any = None) -> "Scorer":
        """Learn every component's vocabulary, rarity weights, states and neutral values.

        Parameters
        ----------
        left, right : sequence of Participant (or mappings with feature and rule fields)
            The two sides of the round.  Vectors see only
            :func:`matching.model.feature_fields`; the rules read ids, roles,
            wishes, vetoes and conflicts.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Bad parameters, unknown weight names, or an id repeated on one side.
        """
        self._check_params()
        names = self._component_names()
        self.component_names_ = names
        self.weights_ = self._resolved_weights(self.weights, names)

        left_records, right_records = feature_view(left), feature_view(right)
        self.left_rules_, self.right_rules_ = rule_view(left), rule_view(right)
        for side, rules in (("left", self.left_rules_), ("right", self.right_rules_)):
            seen: set[str] = set()
            for v in rules:
                if v.id in seen:
                    raise ValueError(f"id {v.id!r} appears twice on the {side} side")
                seen.add(v.id)
        self.left_records_, self.right_records_ = left_records, right_records
        self.n_left_, self.n_right_ = len(left_records), len(right_records)
        self.left_ids_ = tuple(v.id for v in self.left_rules_)
        self.right_ids_ = tuple(v.id for v in self.right_rules_)
        self.left_index_ = {pid: i for i, pid in enumerate(self.left_ids_)}
        self.right_index_ = {pid: j for j, pid in enumerate(self.right_ids_)}

        order_left = canonical_order(left_records, self.left_ids_)
        order_right = canonical_order(right_records, self.right_ids_)
        # Blocks are computed in this order (content, then id), so the bits of a
        # pair's score never depend on where the input put it.
        self.left_order_, self.right_order_ = order_left, order_right
        self.left_rank_, self.right_rank_ = np.argsort(order_left), np.argsort(order_right)
        union = left_records + right_records
        parts = _build_parts(self, names, left_records, right_records, union, order_left, order_right)
        self.neutral_ = {name: parts[name].neutral for name in names}
        self.transformers_ = {name: parts[name].transformers for name in names}
        self.tables_ = {name: parts[name].table for name in names if parts[name].table is not None}
        self.na_ = {name: (parts[name].na_left, parts[name].na_right) for name in names}

        slices, start = {}, 0
        for name in names:
            width = parts[name].left.shape[1]
            slices[name] = slice(start, start + width)
            start += width
        self.dense_slices_ = slices
        self.left_dense_ = _stack_released(parts, names, slices, "left", self.n_left_, start)
        self.right_dense_ = _stack_released(parts, names, slices, "right", self.n_right_, start)
        sparse_names = [n for n in names if parts[n].sparse_left is not None]
        self.sparse_component_ = sparse_names[0] if sparse_names else None
        if self.sparse_component_:
            self.left_sparse_ = parts[self.sparse_component_].sparse_left
            self.right_sparse_ = parts[self.sparse_component_].sparse_right
        else:
            self.left_sparse_ = self.right_sparse_ = None

        self._fit_rules()
        self._prepare_weighted()
        return self

    def _fit_rules(self) -> None:
        L, R = self.left_rules_, self.right_rules_
        self.vetoes_ = pair_matrix(L, R, ((i, v.vetoes) for i, v in enumerate(L)), ((j, v.vetoes) for j, v in enumerate(R)))
        self.conflicts_ = pair_matrix(
            L, R, ((i, v.conflicts) for i, v in enumerate(L)), ((j, v.conflicts) for j, v in enumerate(R))
        )
        self.wishes_ = pair_matrix(L, R, ((i, v.wishes) for i, v in enumerate(L)), ((j, v.wishes) for j, v in enumerate(R)))
        never_by_left: dict[str, list[str]] = {}
        for left_id, right_id in self.never:
            never_by_left.setdefault(left_id, []).append(right_id)
        self.never_ = pair_matrix(L, R, ((i, never_by_left.get(v.id, ())) for i, v in enumerate(L)), ())[0]
        self.self_pairs_ = pair_matrix(L, R, ((i, (v.id,)) for i, v in enumerate(L)), ())[0]
        forbidden = self.vetoes_[0] + self.vetoes_[1] + self.conflicts_[0] + self.conflicts_[1] + self.never_ + self.self_pairs_
        self.forbidden_ = sp.csr_array(forbidden.astype(bool))
        self.forbidden_.sort_indices()
        one, both = (float(b) for b in self.wish_bonus)
        wl, wr = self.wishes_[0].astype(np.float64), self.wishes_[1].astype(np.float64)
        bonus = one * (wl + wr) + (both - 2 * one) * wl.multiply(wr)
        bonus = sp.csr_array(bonus)
        bonus.eliminate_zeros()
        bonus.sort_indices()
        self.wish_bonus_ = bonus

        lang = LanguageEncoder(interpreter_languages=tuple(self.interpreter_languages))
        lang.fit(self.left_records_ + self.right_records_)
        self.language_encoder_ = lang
        self.language_left_ = lang.state_indices(self.left_records_)
        self.language_right_ = lang.state_indices(self.right_records_)
        states = lang.states_
        self.language_impossible_ = np.array([[lang.impossible(a, b) for b in states] for a in states], dtype=bool).reshape(
            len(states), len(states)
        )

        roles = tuple(sorted({v.role for v in L} | {v.role for v in R}))
        self.roles_ = roles
        role_index = {r: k for k, r in enumerate(roles)}
        self.role_left_ = np.array([role_index[v.role] for v in L], dtype=np.intp)
        self.role_right_ = np.array([role_index[v.role] for v in R], dtype=np.intp)
        allowed = None if self.role_pairs is None else {tuple(p) for p in self.role_pairs}
        self.role_impossible_ = np.array(
            [[allowed is not None and (a, b) not in allowed for b in roles] for a in roles], dtype=bool
        ).reshape(len(roles), len(roles))

    def _prepare_weighted(self) -> None:
        """The block factors: weighted, compacted, in canonical order, in ``dtype``.

        A block is then ONE dense product ``L[rows] @ R[cols].T`` (every dense
        component, the weights folded into ``L``) plus, for exact text, one
        sparse product of the rare n-grams: the n-grams frequent on both
        sides (which make a sparse product dense and slow) are moved into the
        dense factors, where BLAS computes them on every core.  Columns that
        are zero on either side (zero weights, unused bins) are dropped.  Only
        the summation order changes, so results agree up to float rounding.
        """
        dtype = np.dtype(self.dtype)
        column_weights = np.zeros(self.left_dense_.shape[1])
        for name, sl in self.dense_slices_.items():
            column_weights[sl] = self.weights_[name]
        # columns zero on either side (or weighted 0) are dropped before anything is copied
        keep = (column_weights != 0) & (self.left_dense_ != 0).any(axis=0) & (self.right_dense_ != 0).any(axis=0)
        columns = np.flatnonzero(keep)
        # gathered, weighted and cast a band of rows at a time: no float64 copy of the whole factor
        left = [_gather_rows(self.left_dense_, self.left_order_, columns, column_weights[keep], dtype)]
        right = [_gather_rows(self.right_dense_, self.right_order_, columns, None, dtype)]
        self._text_left_c = self._text_right_c = None
        self._text_t_cache = {}
        if self.sparse_component_ is not None and self.weights_[self.sparse_component_] > 0:
            w = self.weights_[self.sparse_component_]
            xl = sp.csr_array(self.left_sparse_[self.left_order_])
            xr = sp.csr_array(self.right_sparse_[self.right_order_])
            df_left = np.bincount(xl.indices, minlength=xl.shape[1]).astype(np.float64)
            df_right = np.bincount(xr.indices, minlength=xr.shape[1]).astype(np.float64)
            heavy = _heavy_features(df_left, df_right, self.n_left_, self.n_right_)
            if heavy.size:
                left.append((w * xl[:, heavy].toarray()).astype(dtype))
                right.append(xr[:, heavy].toarray().astype(dtype))
                light = np.ones(xl.shape[1], dtype=bool)
                light[heavy] = False
                xl, xr = xl[:, light], xr[:, light]
            xl, xr = sp.csr_array(xl * w), sp.csr_array(xr)
            if xl.nnz and xr.nnz:
                self._text_left_c = xl.astype(dtype)
                self._text_right_c = xr.astype(dtype)
        self.left_weighted_ = left[0] if len(left) == 1 else np.hstack(left)
        self.right_cast_ = right[0] if len(right) == 1 else np.hstack(right)
        bonus = sp.csr_array(self.wish_bonus_[self.left_order_][:, self.right_order_])
        bonus.sort_indices()
        self._bonus_c = bonus
        forbidden = sp.csr_array(self.forbidden_[self.left_order_][:, self.right_order_])
        forbidden.sort_indices()
        self._forbidden_c = forbidden
        # language and role impossibility as one table over (language state, role) classes
        n_roles = len(self.roles_)
        class_left = self.language_left_ * n_roles + self.role_left_
        class_right = self.language_right_ * n_roles + self.role_right_
        table = (
            self.language_impossible_[:, None, :, None] | self.role_impossible_[None, :, None, :]
        ).reshape(len(self.language_impossible_) * n_roles, len(self.language_impossible_) * n_roles)
        self._class_table = table if table.any() else None
        self._class_left_c = class_left[self.left_order_]
        self._class_right_c = class_right[self.right_order_]

    def factors(self) -> ScoreFactors:
        """The scores as factors, in the canonical order, for :func:`matching.solvers.solve_factors`.

        ``score(i, j) = left[a] @ right[b] + sparse_left[a] @ sparse_right[b]``
        for the canonical positions ``a = left_rank_[i]``, ``b =
        right_rank_[j]`` (the wish bonus is the sparse part's last
        ``n_right`` columns, against an identity), and the pair is
        impossible when ``class_table[left_class[a], right_class[b]]`` (no
        common language, a role pair the round does not allow) or when it is
        one of ``forbidden`` (vetoes, conflicts, excluded and self pairs).
        Nothing of size ``n_left × n_right`` is built.
        """
        self._check_fitted()
        m = self.n_right_
        bonus = self._bonus_c.astype(np.float64)
        if self._text_left_c is not None:
            sparse_left = sp.csr_array(sp.hstack([self._text_left_c.astype(np.float64), bonus], format="csr"))
            sparse_right = sp.csr_array(sp.hstack([self._text_right_c.astype(np.float64), sp.identity(m, format="csr")], format="csr"))
        else:
            sparse_left, sparse_right = bonus, sp.csr_array(sp.identity(m, format="csr"))
        forbidden = self._forbidden_c.tocoo()
        return ScoreFactors(
            left=self.left_weighted_,
            right=self.right_cast_,
            sparse_left=sparse_left if sparse_left.nnz else None,
            sparse_right=sparse_right if sparse_left.nnz else None,
            left_class=self._class_left_c,
            right_class=self._class_right_c,
            class_table=self._class_table,
            forbidden=np.column_stack([forbidden.row, forbidden.col]).astype(np.int64),
            left_order=self.left_order_,
            right_order=self.right_order_,
        )

    def with_weights(self, weights: Mapping[str, float] | None) -> "Scorer":
        """A fitted copy scoring with other weights, without refitting the features.

        The copy shares the (read-only) fitted vectors with this scorer.

        Raises
        ------
        ValueError
            The pair features were released (:meth:`release_pair_features`).
        """
        check_is_fitted(self, "weights_")
        self._check_pair_features("with_weights")
        new = copy.copy(self)
        new.weights = None if weights is None else dict(weights)
        new.weights_ = new._resolved_weights(new.weights, self.component_names_)
        new._prepare_weighted()
        return new

    def release_pair_features(self) -> "Scorer":
        """Let go of the per-participant component vectors, for a caller that only reads blocks of scores.

        :meth:`top_k`, :meth:`score_matrix`, :meth:`iter_blocks`,
        :meth:`impossible_mask` and :meth:`best_partners` read the weighted
        factors (``dtype``, canonical order) and give the same results as
        before; :meth:`pair_features` (and :meth:`score_pairs`,
        :meth:`pair_scores`, :meth:`contributions`, the explanations that
        read it) and :meth:`with_weights` raise a ``ValueError`` instead.
        At 100,000 participants per side the vectors take about 0.8 GB
        (``matching score --out`` releases them before its top-k pass).

        Returns
        -------
        self
        """
        self._check_fitted()
        self.left_dense_ = self.right_dense_ = None
        self.left_sparse_ = self.right_sparse_ = None
        self.na_ = None
        return self

    def _check_pair_features(self, what: str) -> None:
        if self.left_dense_ is None:
            raise ValueError(f"{what} needs the pair features, which release_pair_features() let go of; "
                             "fit the scorer again")

    # ---------------------------------------------------------------- scores

    def _check_fitted(self) -> None:
        check_is_fitted(self, "weights_")

    def _index(self, idx: Any, n: int, side: str) -> np.ndarray | slice:
        if idx is None:
            return slice(0, n)
        if isinstance(idx, slice):
            return idx
        arr = np.asarray(idx)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise ValueError(f"{side}_idx as a mask must have shape ({n},), got {arr.shape}")
            return np.flatnonzero(arr)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise ValueError(f"{side}_idx must be a 1-D array of integer indices, got {arr.dtype} array of shape {arr.shape}")
        if arr.size and (arr.min() < -n or arr.max() >= n):
            raise IndexError(f"{side}_idx out of range for {n} {side} participants")
        return arr.astype(np.intp) % max(n, 1)

    def _canonical(self, ids: np.ndarray | slice, side: str) -> np.ndarray | slice:
        """Participant ids → positions in the canonical order (a slice when contiguous)."""
        n = self.n_left_ if side == "left" else self.n_right_
        if isinstance(ids, slice):
            ids = np.arange(n)[ids]
        rank = (self.left_rank_ if side == "left" else self.right_rank_)[np.asarray(ids, dtype=np.intp)]
        return _compact(rank)

    def _block(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> np.ndarray:
        """Scores of a block (rows × cols participant ids), in ``dtype``."""
        return self._block_c(self._canonical(rows, "left"), self._canonical(cols, "right"))

    def _block_c(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> np.ndarray:
        """Scores of a block given by canonical positions, in ``dtype``."""
        scores = self.left_weighted_[rows] @ self.right_cast_[cols].T
        if self._text_left_c is not None:
            text = self._text_left_c[rows] @ self._text_right_t(cols)
            if text.nnz:
                _add_sparse(scores, text)
        if self._bonus_c.nnz:
            sub = self._bonus_c[rows][:, cols].tocoo()
            if sub.nnz:
                np.add.at(scores, (sub.row, sub.col), sub.data.astype(scores.dtype))
        return scores

    def _text_right_t(self, cols: np.ndarray | slice) -> sp.csr_array:
        """The right text factor of ``cols`` (canonical positions), transposed, as CSR (cached for slices)."""
        if not isinstance(cols, slice):
            return sp.csr_array(self._text_right_c[cols].T)
        key = (cols.start, cols.stop)
        cache = self.__dict__.setdefault("_text_t_cache", {})
        found = cache.get(key)  # one lookup: top_k's threads may clear the cache in between
        if found is None:
            if len(cache) >= 256:
                cache.clear()
            found = cache[key] = sp.csr_array(self._text_right_c[cols].T)
        return found

    def _mask_block(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> np.ndarray:
        """Impossible pairs of a block (rows × cols participant ids), boolean."""
        return self._mask_block_c(self._canonical(rows, "left"), self._canonical(cols, "right"))

    def _mask_block_c(self, rows: np.ndarray | slice, cols: np.ndarray | slice) -> np.ndarray:
        """Impossible pairs of a block given by canonical positions, boolean."""
        cl, cr = self._class_left_c[rows], self._class_right_c[cols]
        if self._class_table is not None:
            mask = np.take(self._class_table[:, cr], cl, axis=0)
        else:
            mask = np.zeros((len(cl), len(cr)), dtype=bool)
        if self._forbidden_c.nnz:
            sub = self._forbidden_c[rows][:, cols].tocoo()
            mask[sub.row, sub.col] = True
        return mask

    def iter_blocks(
        self, *, max_block_cells: int | None = None, with_mask: bool = True
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]:
        """Stream the full score matrix as ``(rows, cols, scores, impossible)`` blocks.

        ``rows`` and ``cols`` are arrays of left and right indices (blocks
        follow the scorer's canonical order, so they are not contiguous):
        ``full[np.ix_(rows, cols)] = scores``.  Each block holds at most
        ``max_block_cells`` cells (default: the scorer's setting); nothing
        bigger is ever allocated.
        """
        self._check_fitted()
        cells = int(max_block_cells or self.max_block_cells)
        for r, c in block_ranges(self.n_left_, self.n_right_, cells):
            rows, cols = self.left_order_[r], self.right_order_[c]
            yield rows, cols, self._block(rows, cols), (self._mask_block(rows, cols) if with_mask else None)

    def score_matrix(self, left_idx: Any = None, right_idx: Any = None, *, progress: Callable[[int, int], Any] | None = None) -> np.ndarray:
        """Dense scores of ``left_idx`` × ``right_idx`` (default: everyone), computed in blocks.

        Impossible pairs keep their score; see :meth:`impossible_mask`.

        Parameters
        ----------
        left_idx, right_idx : array of int, boolean mask, slice or None
        progress : callable(done_cells, total_cells), optional

        Returns
        -------
        ndarray of shape (n_rows, n_cols), dtype ``self.dtype``
        """
        self._check_fitted()
        rows = self._index(left_idx, self.n_left_, "left")
        cols = self._index(right_idx, self.n_right_, "right")
        row_ids = np.arange(self.n_left_)[rows]
        col_ids = np.arange(self.n_right_)[cols]
        # compute in canonical order (same bits whatever the input order), write back in the order asked
        row_sort = np.argsort(self.left_rank_[row_ids], kind="stable")
        col_sort = np.argsort(self.right_rank_[col_ids], kind="stable")
        out = np.empty((len(row_ids), len(col_ids)), dtype=np.dtype(self.dtype))
        total = out.size
        done = 0
        for r, c in block_ranges(len(row_ids), len(col_ids), int(self.max_block_cells)):
            at_rows, at_cols = row_sort[r], col_sort[c]
            block = self._block(row_ids[at_rows], col_ids[at_cols])
            if c.start == 0 and c.stop == len(col_ids):  # a full-width band: gather columns, then copy rows
                out[at_rows] = block[:, np.argsort(at_cols)] if not _is_identity(at_cols) else block
            else:
                out[np.ix_(at_rows, at_cols)] = block
            done += (r.stop - r.start) * (c.stop - c.start)
            if progress is not None:
                progress(done, total)
        return out

    def best_partners(self, participant_id: str, k: int, *, progress: Callable[[int, int], Any] | None = None) -> BestPartners:
        """The ``k`` best possible partners of one participant (either side), from its row or column of scores.

        Raises
        ------
        KeyError
            ``participant_id`` is on neither side of the fitted round.
        """
        self._check_fitted()
        if participant_id in self.left_index_:
            side, i = "left", self.left_index_[participant_id]
            scores = self.score_matrix([i], progress=progress)[0]
            impossible = self.impossible_mask([i])[0]
        elif participant_id in self.right_index_:
            side, i = "right", self.right_index_[participant_id]
            scores = self.score_matrix(None, [i], progress=progress)[:, 0]
            impossible = self.impossible_mask(None, [i])[:, 0]
        else:
            raise KeyError(participant_id)
        candidates = np.flatnonzero(~impossible)
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        return BestPartners(side, i, order, scores[order], int(len(candidates)), int(impossible.sum()))

    def impossible_mask(self, left_idx: Any = None, right_idx: Any = None) -> np.ndarray:
        """Boolean matrix, true where the hard rules make a pair impossible.

        Pass it to a solver as ``forbidden=``.  See :mod:`matching.features._rules`.
        """
        self._check_fitted()
        rows = np.arange(self.n_left_)[self._index(left_idx, self.n_left_, "left")]
        cols = np.arange(self.n_right_)[self._index(right_idx, self.n_right_, "right")]
        out = np.empty((len(rows), len(cols)), dtype=bool)
        for r, c in block_ranges(len(rows), len(cols), int(self.max_block_cells)):
            out[r, c] = self._mask_block(_compact(rows[r]), _compact(cols[c]))
        return out

    def pair_features(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """Raw component values of the pairs ``(left_idx[k], right_idx[k])``.

        Returns
        -------
        ndarray of shape (n_pairs, n_components), float64
            Columns in the order of ``component_names_``; the unweighted
            values whose weighted sum (plus the wish bonus) is the score.

        Raises
        ------
        ValueError
            The pair features were released (:meth:`release_pair_features`).
        """
        self._check_fitted()
        self._check_pair_features("pair_features")
        li = np.asarray(self._index(np.asarray(left_idx, dtype=np.intp), self.n_left_, "left"))
        rj = np.asarray(self._index(np.asarray(right_idx, dtype=np.intp), self.n_right_, "right"))
        if li.shape != rj.shape:
            raise ValueError(f"left_idx and right_idx must have the same length, got {li.shape} and {rj.shape}")
        out = np.empty((len(li), len(self.component_names_)))
        step = max(1, int(self.max_block_cells) // max(1, self.left_dense_.shape[1]))
        for s in range(0, len(li), step):
            a, b = li[s : s + step], rj[s : s + step]
            left, right = self.left_dense_[a], self.right_dense_[b]
            for k, name in enumerate(self.component_names_):
                sl = self.dense_slices_[name]
                values = np.einsum("ij,ij->i", left[:, sl], right[:, sl])
                if name == self.sparse_component_:
                    values = values + np.asarray(self.left_sparse_[a].multiply(self.right_sparse_[b]).sum(axis=1)).ravel()
                out[s : s + step, k] = values
        return out

    def pair_wishes(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """``(n_pairs, 2)`` booleans: left wishes right, right wishes left."""
        self._check_fitted()
        li, rj = np.asarray(left_idx, dtype=np.intp), np.asarray(right_idx, dtype=np.intp)
        return np.column_stack([self.wishes_[0][li, rj], self.wishes_[1][li, rj]]).astype(bool)

    def score_pairs(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """Scores of the pairs ``(left_idx[k], right_idx[k])`` (float64)."""
        values = self.pair_features(left_idx, right_idx)
        weights = np.array([self.weights_[n] for n in self.component_names_])
        li, rj = np.asarray(left_idx, dtype=np.intp), np.asarray(right_idx, dtype=np.intp)
        bonus = np.asarray(self.wish_bonus_[li, rj]).ravel() if len(li) else np.zeros(0)
        return values @ weights + bonus

    def contributions(self, left_i: int | str, right_j: int | str) -> PairScore:
        """Each component's raw value and weighted contribution for one pair.

        ``left_i``/``right_j`` are indices or ids.  (Named ``contributions``
        because ``components`` is the constructor parameter choosing them.)
        The contributions (including ``"wish"``) sum to ``score`` exactly
        (``math.fsum``); ``score`` equals :meth:`score_matrix`'s entry up to
        floating-point rounding of the matrix product.
        """
        self._check_fitted()
        i, j = self._one(left_i, self.n_left_, "left"), self._one(right_j, self.n_right_, "right")
        return self.pair_scores([i], [j])[0]

    def pair_scores(self, left_idx: Any, right_idx: Any) -> list[PairScore]:
        """:meth:`contributions` of the pairs ``(left_idx[k], right_idx[k])``, computed together.

        The component values, neutral flags and wish bonuses of all pairs
        come from a few array operations, and the hard rules are spelled out
        (:meth:`violations`) only for the pairs that break one, so explaining
        100,000 matched pairs costs seconds, not minutes.
        """
        self._check_fitted()
        li = np.asarray(self._index(np.asarray(left_idx, dtype=np.intp), self.n_left_, "left"))
        rj = np.asarray(self._index(np.asarray(right_idx, dtype=np.intp), self.n_right_, "right"))
        values = self.pair_features(li, rj)
        neutral = np.empty(values.shape, dtype=bool)
        for k, name in enumerate(self.component_names_):
            na_l, na_r = self.na_[name]
            neutral[:, k] = np.einsum("ij,ij->i", na_l[li], na_r[rj]) > 0.5
        bonus = np.asarray(self.wish_bonus_[li, rj]).ravel() if len(li) else np.zeros(0)
        impossible = self.language_impossible_[self.language_left_[li], self.language_right_[rj]]
        impossible |= self.role_impossible_[self.role_left_[li], self.role_right_[rj]]
        if len(li):
            impossible |= np.asarray(self.forbidden_[li, rj]).ravel().astype(bool)
        weights = [self.weights_[name] for name in self.component_names_]
        out = []
        for k, (i, j) in enumerate(zip(li.tolist(), rj.tolist())):
            contributions = [
                Contribution(name, value, w, w * value, flag)
                for name, value, w, flag in zip(self.component_names_, values[k].tolist(), weights, neutral[k].tolist())
            ]
            wish = float(bonus[k])
            contributions.append(Contribution("wish", wish, 1.0, wish))
            score = math.fsum(c.contribution for c in contributions)
            violations = tuple(self.violations(i, j)) if impossible[k] else ()
            out.append(PairScore(i, j, score, tuple(contributions), violations))
        return out

    def _one(self, index: Any, n: int, side: str) -> int:
        if isinstance(index, str):
            table = self.left_index_ if side == "left" else self.right_index_
            if index not in table:
                raise KeyError(f"no {side} participant with id {index!r}")
            return table[index]
        index = int(index)
        if not -n <= index < n:
            raise IndexError(f"{side} index {index} out of range for {n} {side} participants")
        return index % n

    def violations(self, left_i: int, right_j: int) -> list[Violation]:
        """Why the pair is impossible (empty when it is possible), in :data:`._rules.RULES` order."""
        self._check_fitted()
        i, j = self._one(left_i, self.n_left_, "left"), self._one(right_j, self.n_right_, "right")
        out = []
        for rule, (by_left, by_right) in (("veto", self.vetoes_), ("conflict", self.conflicts_)):
            a, b = bool(by_left[i, j]), bool(by_right[i, j])
            if a or b:
                out.append(Violation(rule, "both" if a and b else "left" if a else "right"))
        if self.never_[i, j]:
            out.append(Violation("never", "organizer"))
        if self.self_pairs_[i, j]:
            out.append(Violation("self", "both"))
        if self.language_impossible_[self.language_left_[i], self.language_right_[j]]:
            out.append(
                Violation(
                    "language",
                    "both",
                    (",".join(self.left_records_[i]["languages"]), ",".join(self.right_records_[j]["languages"])),
                )
            )
        if self.role_impossible_[self.role_left_[i], self.role_right_[j]]:
            out.append(Violation("role", "organizer", (self.left_rules_[i].role, self.right_rules_[j].role)))
        return out

    # ------------------------------------------------------------------ top-k

    def top_k(
        self,
        k: int = 20,
        *,
        direction: str = "both",
        max_block_cells: int | None = None,
        progress: Callable[[int, int], Any] | None = None,
        cluster: Any = None,
    ) -> sp.csr_array:
        """The best ``k`` possible partners of every participant, without the full matrix.

        Parameters
        ----------
        k : int
        direction : {"left", "right", "both"}, default="both"
            ``"left"``: each left participant's best ``k`` right partners;
            ``"right"``: each right participant's best ``k`` left partners;
            ``"both"``: the union.
        max_block_cells : int, optional
            Block size (default: the scorer's ``max_block_cells``).
        progress : callable(done_cells, total_cells), optional
        cluster : None, "local", str or distributed.Client
            Score the blocks as Dask tasks (the fitted scorer is sent to the
            cluster once; see :mod:`matching._cluster`); the result is
            identical.  Raises :class:`~matching.errors.ClusterUnavailable`
            (naming the address) before any work when it cannot be reached.

        Returns
        -------
        scipy.sparse.csr_array of shape (n_left, n_right), dtype ``self.dtype``
            The candidates' scores (explicitly stored, even when 0).
            Impossible pairs are never candidates.  Ties go to the partner
            first in the canonical order (``left_rank_``/``right_rank_``:
            by content, then id), so the candidates do not depend on the
            input order.
        """
        return _top_k(self, k, direction=direction, max_block_cells=max_block_cells, progress=progress, cluster=cluster)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The component names (the columns of :meth:`pair_features`)."""
        check_is_fitted(self, "component_names_")
        return np.array(self.component_names_, dtype=object)


def _heavy_features(df_left: np.ndarray, df_right: np.ndarray, n_left: int, n_right: int) -> np.ndarray:
    """Text features worth computing densely: those whose sparse cost beats a dense column's.

    A sparse product spends about ``df_left * df_right`` scalar steps on a
    feature, a dense product ``n_left * n_right`` BLAS steps (about 64 times
    cheaper each); at most 2,048 features move, so the dense factors stay small.
    """
    share = (df_left / max(n_left, 1)) * (df_right / max(n_right, 1))
    candidates = np.flatnonzero(share > 1.0 / 64)
    if candidates.size > 2048:
        candidates = candidates[np.argsort(-share[candidates], kind="stable")[:2048]]
    return np.sort(candidates)


#: The component fitted beside the others on a second core: its counting and projection release the GIL.
_FIT_BESIDE = "text"


def _build_parts(scorer, names, left, right, union, order_left, order_right) -> dict[str, Part]:
    """Every component's :class:`Part`; the text on a second thread while the others are fitted here.

    The builders are independent and each returns its own arrays, so the
    parts are the same whichever thread made them.
    """
    def build(name: str) -> Part:
        return BUILDERS[name](scorer, left, right, union, order_left, order_right)

    if _FIT_BESIDE not in names or available_cores() < 2:
        return {name: build(name) for name in names}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fit-text") as pool:
        beside = pool.submit(build, _FIT_BESIDE)
        parts = {name: build(name) for name in names if name != _FIT_BESIDE}
        parts[_FIT_BESIDE] = beside.result()
    return parts


def _stack_released(parts: dict[str, Part], names: tuple[str, ...], slices: dict[str, slice], side: str, n: int,
                    width: int) -> np.ndarray:
    """The components' ``side`` factors side by side (float64), each part's own array released once copied.

    Column-major, so that each part's columns fill pages of their own: the
    whole matrix and all the parts are never resident together.
    """
    out = np.empty((n, width), order="F")
    for name in names:
        out[:, slices[name]] = getattr(parts[name], side)
        setattr(parts[name], side, None)
    return out


#: Rows gathered at once by :func:`_gather_rows` (a band of float64 working memory).
_GATHER_ROWS = 8192


def _gather_rows(dense: np.ndarray, order: np.ndarray, columns: np.ndarray, weights: np.ndarray | None,
                 dtype: np.dtype) -> np.ndarray:
    """``(dense[order][:, columns] * weights).astype(dtype)``, a band of rows at a time (the same bits)."""
    out = np.empty((len(order), len(columns)), dtype=dtype)
    for start in range(0, len(order), _GATHER_ROWS):
        band = dense[np.ix_(order[start:start + _GATHER_ROWS], columns)]
        if weights is not None:
            band *= weights
        out[start:start + _GATHER_ROWS] = band
    return out


def _add_sparse(dense: np.ndarray, matrix: sp.csr_array) -> None:
    """``dense += matrix`` in place."""
    dense += matrix.toarray().astype(dense.dtype, copy=False)


def _is_identity(index: np.ndarray) -> bool:
    """Whether ``index`` is ``0, 1, ..., n - 1``."""
    return bool(np.array_equal(index, np.arange(len(index))))


def _compact(index: np.ndarray) -> np.ndarray | slice:
    """A contiguous index array as a slice (faster indexing)."""
    if len(index) and index[-1] - index[0] == len(index) - 1 and np.all(np.diff(index) == 1):
        return slice(int(index[0]), int(index[-1]) + 1)
    return index
