"""Numeric fit: maturity stage vs served stages, company size, budget vs price."""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .. import vocabulary as vocab
from ._profiles import feature_view
from ._states import StateEncoder

__all__ = ["StageEncoder", "SizeEncoder", "BudgetVectorizer", "stage_fit"]


def stage_fit(stage: int, served: Iterable[int], adjacent: float) -> float:
    """1 if ``stage`` is served, ``adjacent`` if a served stage is one away, else 0."""
    served = tuple(served)
    if stage in served:
        return 1.0
    return float(adjacent) if any(abs(stage - s) == 1 for s in served) else 0.0


class StageEncoder(StateEncoder):
    """An SME's digital-maturity stage against the stages a startup serves.

    State: ``(maturity_stage, serves_stages)``.  A pair's value is
    :func:`stage_fit` of one side's ``maturity_stage`` in the other side's
    ``serves_stages``; when both directions apply, their mean; when neither
    does (no stage on one side or no served stages on the other): ``nan``
    (neutral).

    Parameters
    ----------
    adjacent : float, default=0.5
    """

    _prefix = "stage"

    def __init__(self, *, adjacent: float = 0.5):
        self.adjacent = adjacent

    def _check_params(self) -> None:
        if not 0 <= self.adjacent <= 1:
            raise ValueError(f"adjacent must be in [0, 1], got {self.adjacent}")

    def _state(self, record: dict[str, Any]) -> tuple[int | None, tuple[int, ...]]:
        return (record["maturity_stage"], tuple(sorted(record["serves_stages"] or ())))

    def pair_value(self, a: tuple, b: tuple) -> float:
        values = []
        if a[0] is not None and b[1]:
            values.append(stage_fit(a[0], b[1], self.adjacent))
        if b[0] is not None and a[1]:
            values.append(stage_fit(b[0], a[1], self.adjacent))
        return float(np.mean(values)) if values else float("nan")


class SizeEncoder(StateEncoder):
    """Company size class (micro, small, medium, large) by headcount.

    Same class 1, adjacent classes ``adjacent`` (default 0.5), else 0; a side
    without ``employees``: ``nan`` (neutral).
    """

    _prefix = "size"

    def __init__(self, *, adjacent: float = 0.5):
        self.adjacent = adjacent

    def _check_params(self) -> None:
        if not 0 <= self.adjacent <= 1:
            raise ValueError(f"adjacent must be in [0, 1], got {self.adjacent}")

    def _state(self, record: dict[str, Any]) -> str | None:
        employees = record["employees"]
        return None if employees is None else vocab.size_class(employees)

    def pair_value(self, a: str | None, b: str | None) -> float:
        if a is None or b is None:
            return float("nan")
        order = [name for name, _ in vocab.SIZE_CLASSES]
        gap = abs(order.index(a) - order.index(b))
        return 1.0 if gap == 0 else float(self.adjacent) if gap == 1 else 0.0


def _range(low: int | None, high: int | None) -> tuple[float, float] | None:
    """A (low, high) yen range; a single bound stands for a point."""
    if low is None and high is None:
        return None
    low = high if low is None else low
    high = low if high is None else high
    return float(low), float(high)


class BudgetVectorizer(TransformerMixin, BaseEstimator):
    """A budget or price range over log-scale yen bins.

    ``field="budget"``: how the participant's budget range spreads over the
    bins (the row sums to 1).  ``field="price"``: how affordable each bin is
    for a buyer at the participant's price (1 at or above ``price_min``,
    ``exp(-bins_below / decay_bins)`` below it).  The dot product of a budget
    row with a price row is then the share of the budget range that reaches
    the partner's minimum price, softened below it: 1 when the budget is at
    or above the price, about ``exp(-1)`` when it is 1.5 bins (a factor of
    about 1.5 at 8 bins a decade) short.  A single bound stands for a point;
    no bound: an all-zero row.

    Parameters
    ----------
    field : {"budget", "price"}
    bins_per_decade : int, default=8
    decay_bins : float, default=1.5

    Attributes
    ----------
    edges_ : ndarray
        log10 of the bin edges: whole bins spanning every budget and price
        seen by :meth:`fit` (one bin when none is), so the vectors stay short.
    """

    def __init__(self, field: str = "budget", *, bins_per_decade: int = 8, decay_bins: float = 1.5):
        self.field = field
        self.bins_per_decade = bins_per_decade
        self.decay_bins = decay_bins

    def fit(self, X: Iterable[Any], y: Any = None) -> "BudgetVectorizer":
        """Learn the bins spanning every budget and price of ``X`` (both sides together)."""
        if self.field not in ("budget", "price"):
            raise ValueError(f"field must be 'budget' or 'price', got {self.field!r}")
        if self.bins_per_decade < 1 or not self.decay_bins > 0:
            raise ValueError(
                f"expected bins_per_decade >= 1 and decay_bins > 0, got {self.bins_per_decade} and {self.decay_bins}"
            )
        values = [
            float(v)
            for r in feature_view(X)
            for name in ("budget_min", "budget_max", "price_min", "price_max")
            if (v := r[name]) is not None
        ]
        bpd = self.bins_per_decade
        if values:
            lo = math.floor(math.log10(max(min(values), 1.0)) * bpd)
            hi = math.floor(math.log10(max(max(values), 1.0)) * bpd) + 1
        else:
            lo, hi = 0, 1
        self.edges_ = np.arange(lo, hi + 1) / bpd
        return self

    def _bin(self, yen: float) -> int:
        x = math.log10(max(yen, 1.0))
        return int(np.clip(np.searchsorted(self.edges_, x + 1e-12, side="right") - 1, 0, len(self.edges_) - 2))

    def transform(self, X: Iterable[Any]) -> np.ndarray:
        """Dense ``(n, n_bins)`` rows."""
        check_is_fitted(self, "edges_")
        records = feature_view(X)
        n_bins = len(self.edges_) - 1
        out = np.zeros((len(records), n_bins))
        centers = np.arange(n_bins)
        for i, r in enumerate(records):
            bounds = _range(r[f"{self.field}_min"], r[f"{self.field}_max"])
            if bounds is None:
                continue
            a, b = self._bin(bounds[0]), self._bin(bounds[1])
            if self.field == "budget":
                out[i, a : b + 1] = 1.0 / (b - a + 1)
            else:
                out[i] = np.exp(-np.maximum(a - centers, 0) / self.decay_bins)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "edges_")
        return np.array([f"{self.field}[1e{e:.3f}]" for e in self.edges_[:-1]], dtype=object)
