"""Encoders whose per-participant value is one of a few *states*.

Industry codes, regions, language sets, maturity stages and size classes are
categorical: a participant is in one state, and the value of a pair depends
only on the two states.  Such an encoder one-hot encodes the state and
exposes :meth:`StateEncoder.similarity_table`, the value of every pair of
states (``nan`` where the component does not apply, e.g. a missing region);
the scorer turns a pair's value into a matrix product ``onehot_left @ table
@ onehot_right.T`` and replaces ``nan`` with the component's neutral value.
"""

from __future__ import annotations

import json
from typing import Any, Hashable, Iterable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._profiles import feature_view

__all__ = ["StateEncoder"]


def _state_key(state: Hashable) -> str:
    return json.dumps(state, ensure_ascii=False, default=list)


class StateEncoder(TransformerMixin, BaseEstimator):
    """Base class: one-hot encode a participant's state.

    Subclasses define ``_state(record)`` and ``pair_value(a, b)``.

    Attributes
    ----------
    states_ : tuple
        The distinct states seen by :meth:`fit`, sorted (so independent of
        input order).
    """

    #: prefix of the output feature names
    _prefix = "state"

    def _state(self, record: dict[str, Any]) -> Hashable:  # pragma: no cover - abstract
        raise NotImplementedError

    def pair_value(self, a: Hashable, b: Hashable) -> float:  # pragma: no cover - abstract
        """The component's value for a left state ``a`` and right state ``b`` (nan: does not apply)."""
        raise NotImplementedError

    def _check_params(self) -> None:
        """Validate parameters (subclasses)."""

    def fit(self, X: Iterable[Any], y: Any = None) -> "StateEncoder":
        """Learn the distinct states of ``X`` (both sides together)."""
        self._check_params()
        states = {self._state(r) for r in feature_view(X)}
        self.states_ = tuple(sorted(states, key=_state_key))
        self.state_index_ = {s: i for i, s in enumerate(self.states_)}
        return self

    def state_indices(self, X: Iterable[Any]) -> np.ndarray:
        """The index in ``states_`` of each participant's state."""
        check_is_fitted(self, "states_")
        out = []
        for position, record in enumerate(feature_view(X), start=1):
            state = self._state(record)
            if state not in self.state_index_:
                raise ValueError(
                    f"participant #{position}: {self._prefix} state {state!r} was not seen when "
                    f"{type(self).__name__} was fitted; fit on every participant of the round"
                )
            out.append(self.state_index_[state])
        return np.asarray(out, dtype=np.intp)

    def transform(self, X: Iterable[Any]) -> sp.csr_array:
        """One-hot ``(n, n_states)`` sparse matrix."""
        idx = self.state_indices(X)
        n = len(idx)
        return sp.csr_array((np.ones(n), idx, np.arange(n + 1)), shape=(n, len(self.states_)))

    def similarity_table(self) -> np.ndarray:
        """``table[a, b]`` = value of a left state ``a`` with a right state ``b`` (nan: n/a)."""
        check_is_fitted(self, "states_")
        k = len(self.states_)
        table = np.empty((k, k))
        for a, sa in enumerate(self.states_):
            for b, sb in enumerate(self.states_):
                table[a, b] = self.pair_value(sa, sb)
        return table

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "states_")
        return np.array([f"{self._prefix}[{_state_key(s)}]" for s in self.states_], dtype=object)
