"""Language overlap, and the "no common language" hard rule."""

from __future__ import annotations

from typing import Any, Iterable

from ._states import StateEncoder

__all__ = ["LanguageEncoder", "bridged", "common_languages"]


def common_languages(a: Iterable[str], b: Iterable[str]) -> tuple[str, ...]:
    """Languages both sides speak, sorted."""
    return tuple(sorted(set(a) & set(b)))


def bridged(a: Iterable[str], b: Iterable[str], interpreter_languages: Iterable[str]) -> str | None:
    """The interpreter language that lets two sides without a common language meet.

    As :class:`matching.model.Round` defines it: an interpreter for language
    ``x`` is available, one side speaks ``x`` and the other speaks Japanese.
    Returns the first such ``x`` in alphabetical order, or ``None``.
    """
    a, b = set(a), set(b)
    for lang in sorted(set(interpreter_languages)):
        if (lang in a and "ja" in b) or (lang in b and "ja" in a):
            return lang
    return None


class LanguageEncoder(StateEncoder):
    """The set of languages a participant speaks, as a state.

    Value of a pair: ``1.0`` with a common language, ``interpreted`` (default
    0.5) when only an interpreter language bridges them (see :func:`bridged`),
    else 0 — and :meth:`impossible` is then true.  A participant with no
    language listed gives ``nan`` (neutral) and is never impossible.

    Parameters
    ----------
    interpreter_languages : tuple of str, default=()
    interpreted : float, default=0.5
    """

    _prefix = "languages"

    def __init__(self, *, interpreter_languages: tuple[str, ...] = (), interpreted: float = 0.5):
        self.interpreter_languages = interpreter_languages
        self.interpreted = interpreted

    def _check_params(self) -> None:
        if not 0 <= self.interpreted <= 1:
            raise ValueError(f"interpreted must be in [0, 1], got {self.interpreted}")

    def _state(self, record: dict[str, Any]) -> tuple[str, ...]:
        return tuple(sorted(set(record["languages"] or ())))

    def pair_value(self, a: tuple[str, ...], b: tuple[str, ...]) -> float:
        if not a or not b:
            return float("nan")
        if common_languages(a, b):
            return 1.0
        if bridged(a, b, self.interpreter_languages):
            return float(self.interpreted)
        return 0.0

    def impossible(self, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        """No common language and no interpreter bridging (both sides listing languages)."""
        return bool(a and b and not common_languages(a, b) and not bridged(a, b, self.interpreter_languages))
