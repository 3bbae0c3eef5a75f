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

__all__ = ["StageEncoder", "SizeEncoder", "BudgetVectorizer", "budget_fit", "stage_distance", "stage_fit"]


def stage_distance(stage: int, served: Iterable[int]) -> int:
    """How many stages ``stage`` lies from the nearest served stage (0 when served)."""
    return min(abs(int(stage) - int(s)) for s in served)


def stage_fit(stage: int, served: Iterable[int], adjacent: float) -> float:
    """1 if ``stage`` is served, else a Gaussian decay in its distance to the served stages.

    The served window's edge is taken half a stage beyond the nearest served
    stage, so a stage ``d >= 1`` stages away is ``gap = d - 1/2`` outside it
    and gets ``adjacent ** ((2 * gap) ** 2)``: ``adjacent`` one stage away,
    ``adjacent ** 9`` two stages away (0.01 for 0.6), about 0 further.
    """
    served = tuple(served)
    d = stage_distance(stage, served)
    if d == 0:
        return 1.0
    return float(adjacent) ** ((2 * d - 1) ** 2)


class StageEncoder(StateEncoder):
    """An SME's digital-maturity stage against the stages a startup serves.

    State: ``(maturity_stage, serves_stages)``.  A pair's value is
    :func:`stage_fit` of one side's ``maturity_stage`` in the other side's
    ``serves_stages`` (1 inside the served stages, decaying smoothly with the
    distance to the nearest one); when both directions apply, their mean;
    when neither does (no stage on one side or no served stages on the
    other): ``nan`` (neutral).

    Parameters
    ----------
    adjacent : float, default=0.6
        The value one stage away from the served stages (``exp(-1/2)``:
        a Gaussian ``exp(-gap**2 / 0.5)`` in the gap to the window's edge).
    """

    _prefix = "stage"

    def __init__(self, *, adjacent: float = 0.6):
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


def budget_fit(budget: float, price: float, steepness: float = 3.0) -> float:
    """How well a buyer's budget meets a seller's lowest price: ``1 / (1 + (price / budget) ** steepness)``.

    A logistic curve in ``log(budget / price)``: 0.5 when the budget equals
    the lowest price, about 0.89 at twice it (3 steepness), 0.11 at half.
    """
    budget, price = max(float(budget), 1.0), max(float(price), 1.0)
    return float(1.0 / (1.0 + math.exp(-steepness * (math.log(budget) - math.log(price)))))


class BudgetVectorizer(TransformerMixin, BaseEstimator):
    """A buyer's budget or a seller's price over fine log-scale yen bins.

    The value of a (buyer, seller) pair is :func:`budget_fit` of the top of
    the buyer's budget range (``budget_max``, else ``budget_min``) against
    the bottom of the seller's price range (``price_min``, else
    ``price_max``), both taken at their bin's centre: a smooth, increasing
    function of the log-ratio of budget to price (0.5 at equality).  It is
    written as a dot product so the scorer can compute it as a matrix
    product: ``field="budget"`` is a one-hot row over the bins (the bin of
    the budget), ``field="price"`` is the kernel row over the bins,
    ``row[b] = 1 / (1 + exp(-steepness * ln(10) * (b - p) / bins_per_decade))``
    for the price's bin ``p``.  The product is exact for the binned values
    (bins of ``10 ** (1 / bins_per_decade)``, 12 % at 20 a decade).  No
    bound: an all-zero row.

    Parameters
    ----------
    field : {"budget", "price"}
    bins_per_decade : int, default=20
    steepness : float, default=3.0
        Slope of the logistic curve in ``ln(budget / price)``.

    Attributes
    ----------
    edges_ : ndarray
        log10 of the bin edges: whole bins spanning every budget and price
        seen by :meth:`fit` (one bin when none is), so the vectors stay short.
    """

    def __init__(self, field: str = "budget", *, bins_per_decade: int = 20, steepness: float = 3.0):
        self.field = field
        self.bins_per_decade = bins_per_decade
        self.steepness = steepness

    def fit(self, X: Iterable[Any], y: Any = None) -> "BudgetVectorizer":
        """Learn the bins spanning every budget and price of ``X`` (both sides together)."""
        if self.field not in ("budget", "price"):
            raise ValueError(f"field must be 'budget' or 'price', got {self.field!r}")
        if self.bins_per_decade < 1 or not self.steepness > 0:
            raise ValueError(
                f"expected bins_per_decade >= 1 and steepness > 0, got {self.bins_per_decade} and {self.steepness}"
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

    def anchor(self, record: dict[str, Any]) -> int | None:
        """The yen amount the fit uses: the top of a budget range, the bottom of a price range (None: none)."""
        low, high = record[f"{self.field}_min"], record[f"{self.field}_max"]
        if self.field == "budget":
            return high if high is not None else low
        return low if low is not None else high

    def kernel(self) -> np.ndarray:
        """``kernel[b, p]``: the fit of a budget in bin ``b`` with a price in bin ``p``."""
        check_is_fitted(self, "edges_")
        n_bins = len(self.edges_) - 1
        steps = np.arange(n_bins)[:, None] - np.arange(n_bins)[None, :]
        slope = float(self.steepness) * math.log(10.0) / self.bins_per_decade
        return 0.5 * (1.0 + np.tanh(0.5 * slope * steps))  # = 1 / (1 + exp(-slope * steps)), no overflow

    def transform(self, X: Iterable[Any]) -> np.ndarray:
        """Dense ``(n, n_bins)`` rows (one-hot budget bins, or price kernel rows)."""
        check_is_fitted(self, "edges_")
        records = feature_view(X)
        n_bins = len(self.edges_) - 1
        out = np.zeros((len(records), n_bins))
        kernel = self.kernel() if self.field == "price" else None
        for i, r in enumerate(records):
            yen = self.anchor(r)
            if yen is None:
                continue
            b = self._bin(float(yen))
            if kernel is None:
                out[i, b] = 1.0
            else:
                out[i] = kernel[:, b]
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "edges_")
        return np.array([f"{self.field}[1e{e:.3f}]" for e in self.edges_[:-1]], dtype=object)
