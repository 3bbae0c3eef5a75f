"""The scoring components: their table, default weights and how each is fitted as factors.

Every component is a bilinear form ``value = L_c[i] · R_c[j]`` of
per-participant vectors; a builder (:data:`BUILDERS`) fits the component's
transformers on a round and returns its factors, its neutral value (for
missing data) and its n/a indicator factors (:class:`Part`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np
import scipy.sparse as sp

from ._geo import RegionEncoder
from ._industry import IndustryEncoder
from ._language import LanguageEncoder
from ._numeric import BudgetVectorizer, SizeEncoder, StageEncoder
from ._states import StateEncoder
from ._tags import TagVectorizer
from ._text import TextVectorizer

__all__ = ["BUILDERS", "COMPONENTS", "DEFAULT_WEIGHTS", "TEXT_EXACT_MAX_PAIRS", "Component", "Part"]


@dataclass(frozen=True)
class Component:
    """A scoring component: its name and labels for people."""

    name: str
    ja: str
    en: str
    default_weight: float


COMPONENTS: Mapping[str, Component] = MappingProxyType(
    {
        c.name: c
        for c in [
            Component("text", "説明文の類似", "similar descriptions", 0.20),
            Component("tags_left_seeks", "左側のニーズと右側の提供", "left seeks what right offers", 0.175),
            Component("tags_right_seeks", "右側のニーズと左側の提供", "right seeks what left offers", 0.175),
            Component("industry", "業種の近さ", "industry proximity", 0.10),
            Component("region", "地域・距離・時差", "region, distance and time zone", 0.05),
            Component("language", "共通言語", "common language", 0.10),
            Component("stage", "成熟度と支援対象段階", "maturity stage served", 0.10),
            Component("budget", "予算と価格帯", "budget within price range", 0.10),
            Component("size", "企業規模", "company size", 0.0),
        ]
    }
)

#: The weights used when a round sets none (they sum to 1).
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({c.name: c.default_weight for c in COMPONENTS.values()})

#: ``text_dim="auto"`` keeps exact sparse TF-IDF up to this many pairs, then
#: projects text onto 128 SVD dimensions.
TEXT_EXACT_MAX_PAIRS = 100_000_000
_AUTO_TEXT_DIM = 128


@dataclass
class Part:
    """A fitted component: value = left·right (+ sparse_left·sparse_right)."""

    left: np.ndarray
    right: np.ndarray
    neutral: float
    na_left: np.ndarray  # na_left[i] · na_right[j] == 1 where the component does not apply
    na_right: np.ndarray
    sparse_left: sp.csr_array | None = None
    sparse_right: sp.csr_array | None = None
    table: np.ndarray | None = None  # raw state table (nan = n/a), state components only
    transformers: tuple = ()


def _ordered_sum(matrix: np.ndarray | sp.csr_array, order: np.ndarray) -> np.ndarray:
    """Column sums over rows taken in ``order`` (same rows, same bits)."""
    if sp.issparse(matrix):
        return np.asarray(matrix[order].sum(axis=0)).ravel()
    return np.asarray(matrix)[order].sum(axis=0)


def _bilinear(
    value_left: np.ndarray | sp.csr_array,
    value_right: np.ndarray | sp.csr_array,
    na_left: np.ndarray,
    na_right: np.ndarray,
    order_left: np.ndarray,
    order_right: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Neutral value and the (neutral-folding) extra columns of a bilinear component.

    ``value_left · value_right`` is the value where the component applies
    (and 0 where it does not); ``na_left · na_right`` is 1 where it does
    not apply, else 0.  Returns ``(neutral, extra_left, extra_right)`` with
    ``extra_left = neutral * na_left``.
    """
    n_left, n_right = len(order_left), len(order_right)
    total = float(_ordered_sum(value_left, order_left) @ _ordered_sum(value_right, order_right))
    n_na = float(_ordered_sum(na_left, order_left) @ _ordered_sum(na_right, order_right))
    applicable = n_left * n_right - n_na
    neutral = total / applicable if applicable > 0.5 else 0.0
    return neutral, neutral * na_left, np.asarray(na_right, dtype=np.float64)


def _presence_na(present_left: np.ndarray, present_right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """n/a indicator ``1 - p_l p_r`` as ``[1, -p_l] · [1, p_r]``."""
    pl, pr = present_left.astype(np.float64), present_right.astype(np.float64)
    return np.column_stack([np.ones_like(pl), -pl]), np.column_stack([np.ones_like(pr), pr])


# --------------------------------------------------------------- builders


def _text_dim(scorer: Any, n_left: int, n_right: int) -> int | None:
    if scorer.text_dim == "auto":
        return None if n_left * n_right <= TEXT_EXACT_MAX_PAIRS else _AUTO_TEXT_DIM
    return scorer.text_dim


def _build_text(scorer, left, right, union, order_left, order_right) -> Part:
    vectorizer = TextVectorizer(
        analyzer=scorer.text_analyzer,
        ngram_range=tuple(scorer.text_ngram_range),
        n_components=_text_dim(scorer, len(left), len(right)),
        engine=scorer.text_engine,
    )
    both = vectorizer.fit_transform(union)
    xl, xr = both[: len(left)], both[len(left) :]
    if sp.issparse(xl):
        xl, xr = sp.csr_array(xl), sp.csr_array(xr)
        xl.sort_indices()
        xr.sort_indices()
        present_l, present_r = np.diff(xl.indptr) > 0, np.diff(xr.indptr) > 0
    else:
        present_l, present_r = np.abs(xl).sum(axis=1) > 0, np.abs(xr).sum(axis=1) > 0
    na_l, na_r = _presence_na(present_l, present_r)
    neutral, extra_l, extra_r = _bilinear(xl, xr, na_l, na_r, order_left, order_right)
    if sp.issparse(xl):
        return Part(extra_l, extra_r, neutral, na_l, na_r, xl, xr, transformers=(vectorizer,))
    return Part(np.hstack([xl, extra_l]), np.hstack([xr, extra_r]), neutral, na_l, na_r, transformers=(vectorizer,))


def _tags_builder(left_field: str, right_field: str):
    def build(scorer, left, right, union, order_left, order_right) -> Part:
        vl = TagVectorizer(left_field, related=scorer.tag_related).fit(union)
        vr = TagVectorizer(right_field, related=scorer.tag_related).fit(union)
        xl, xr = vl.transform(left), vr.transform(right)
        present_l, present_r = xl.any(axis=1), xr.any(axis=1)
        na_l, na_r = _presence_na(present_l, present_r)
        neutral, extra_l, extra_r = _bilinear(xl, xr, na_l, na_r, order_left, order_right)
        return Part(np.hstack([xl, extra_l]), np.hstack([xr, extra_r]), neutral, na_l, na_r, transformers=(vl, vr))

    return build


def _state_builder(make: Callable[[Any], StateEncoder]):
    def build(scorer, left, right, union, order_left, order_right) -> Part:
        encoder = make(scorer).fit(union)
        sl, sr = encoder.state_indices(left), encoder.state_indices(right)
        table = encoder.similarity_table()
        k = len(encoder.states_)
        count_l = np.bincount(sl, minlength=k).astype(np.float64)
        count_r = np.bincount(sr, minlength=k).astype(np.float64)
        applicable = ~np.isnan(table)
        filled = np.where(applicable, table, 0.0)
        n_applicable = float(count_l @ applicable @ count_r)
        neutral = float(count_l @ filled @ count_r) / n_applicable if n_applicable > 0 else 0.0
        used = np.unique(sr)
        final = np.where(applicable, table, neutral)
        left_vectors = final[sl][:, used]
        right_vectors = _one_hot(sr, used, k)
        na_left = (~applicable)[sl][:, used].astype(np.float64)
        return Part(left_vectors, right_vectors, neutral, na_left, right_vectors, table=table, transformers=(encoder,))

    return build


def _one_hot(states: np.ndarray, used: np.ndarray, k: int) -> np.ndarray:
    """``(n, len(used))`` one-hot rows of ``states`` over the sorted ``used`` states."""
    position = np.full(k, -1, dtype=np.intp)
    position[used] = np.arange(len(used))
    out = np.zeros((len(states), len(used)))
    out[np.arange(len(states)), position[states]] = 1.0
    return out


def _build_budget(scorer, left, right, union, order_left, order_right) -> Part:
    budget = BudgetVectorizer("budget").fit(union)
    price = BudgetVectorizer("price").fit(union)
    bl, pl = budget.transform(left), price.transform(left)
    br, pr = budget.transform(right), price.transform(right)
    hbl, hpl = bl.any(axis=1).astype(float), pl.any(axis=1).astype(float)
    hbr, hpr = br.any(axis=1).astype(float), pr.any(axis=1).astype(float)
    # value = b_l·p_r + p_l·b_r, the second term only when the first does not apply
    value_l = np.hstack([bl, pl, -hbl[:, None] * pl])
    value_r = np.hstack([pr, br, hpr[:, None] * br])
    # n/a = (1 - hb_l hp_r)(1 - hb_r hp_l)
    na_l = np.column_stack([np.ones_like(hbl), -hbl, -hpl, hbl * hpl])
    na_r = np.column_stack([np.ones_like(hbr), hpr, hbr, hbr * hpr])
    neutral, extra_l, extra_r = _bilinear(value_l, value_r, na_l, na_r, order_left, order_right)
    return Part(np.hstack([value_l, extra_l]), np.hstack([value_r, extra_r]), neutral, na_l, na_r, transformers=(budget, price))


BUILDERS: Mapping[str, Callable[..., Part]] = MappingProxyType(
    {
        "text": _build_text,
        "tags_left_seeks": _tags_builder("seeks", "offers"),
        "tags_right_seeks": _tags_builder("offers", "seeks"),
        "industry": _state_builder(lambda s: IndustryEncoder()),
        "region": _state_builder(lambda s: RegionEncoder()),
        "language": _state_builder(lambda s: LanguageEncoder(interpreter_languages=tuple(s.interpreter_languages))),
        "stage": _state_builder(lambda s: StageEncoder()),
        "budget": _build_budget,
        "size": _state_builder(lambda s: SizeEncoder()),
    }
)
assert tuple(BUILDERS) == tuple(COMPONENTS)
