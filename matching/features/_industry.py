"""Industry proximity: same code > same major group > same division > other."""

from __future__ import annotations

from typing import Any

from ._states import StateEncoder

__all__ = ["IndustryEncoder"]


class IndustryEncoder(StateEncoder):
    """JSIC-like industry codes as states.

    Parameters
    ----------
    same_code : float, default=1.0
        Both codes equal (at whatever depth they are given).
    same_group : float, default=0.6
        Same two-digit major group (``"E25"`` and ``"E2592"``).
    same_division : float, default=0.3
        Same division letter (``"E"``, manufacturing).

    A pair where either industry is missing gets ``nan`` (the scorer's
    neutral value); different divisions give 0.
    """

    _prefix = "industry"

    def __init__(self, *, same_code: float = 1.0, same_group: float = 0.6, same_division: float = 0.3):
        self.same_code = same_code
        self.same_group = same_group
        self.same_division = same_division

    def _check_params(self) -> None:
        if not 0 <= self.same_division <= self.same_group <= self.same_code <= 1:
            raise ValueError(
                "expected 0 <= same_division <= same_group <= same_code <= 1, got "
                f"{self.same_division}, {self.same_group}, {self.same_code}"
            )

    def _state(self, record: dict[str, Any]) -> str | None:
        return record["industry"] or None

    def pair_value(self, a: str | None, b: str | None) -> float:
        if a is None or b is None:
            return float("nan")
        if a == b:
            return float(self.same_code)
        if len(a) >= 3 and len(b) >= 3 and a[:3] == b[:3]:
            return float(self.same_group)
        if a[0] == b[0]:
            return float(self.same_division)
        return 0.0

    @staticmethod
    def level(a: str | None, b: str | None) -> str:
        """``"code"``, ``"group"``, ``"division"``, ``"other"`` or ``"missing"`` (for explanations)."""
        if a is None or b is None:
            return "missing"
        if a == b:
            return "code"
        if len(a) >= 3 and len(b) >= 3 and a[:3] == b[:3]:
            return "group"
        return "division" if a[0] == b[0] else "other"
