"""What the feature code may see of a participant, and nothing more.

:func:`feature_view` turns participants into plain dicts holding only the
fields :func:`matching.model.feature_fields` lists; every transformer of
:mod:`matching.features` calls it first, so identity and personal data
(organisation, contacts, ids) can never become a feature.

:func:`rule_view` extracts the few non-feature fields the hard rules and the
wish bonus need (id, role, wishes, vetoes, conflicts): they decide whether a
pair may meet and raise a score, but never enter a vector.

:func:`canonical_order` sorts records by their content, so every statistic a
transformer fits (an IDF, a mean, an SVD) sees the rows in the same order
whatever order the input came in: scores are invariant under reordering, bit
for bit in float64 (in float32 the matrix-product kernels may round the last
bit differently for small blocks).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..model import Participant, feature_fields

__all__ = ["FeatureRecord", "RuleView", "feature_view", "rule_view", "canonical_order", "record_key"]

FeatureRecord = Mapping[str, Any]

_FEATURE_FIELDS: tuple[str, ...] = feature_fields()
_DEFAULTS: dict[str, Any] = {
    name: Participant.model_fields[name].get_default(call_default_factory=True) for name in _FEATURE_FIELDS
}


class _FeatureDict(dict):
    """A dict already reduced to feature fields (returned as is by feature_view)."""

    __slots__ = ()


def _one(item: Any, position: int) -> dict[str, Any]:
    if type(item) is _FeatureDict:
        return item
    if isinstance(item, Participant):
        return _FeatureDict({name: getattr(item, name) for name in _FEATURE_FIELDS})
    if isinstance(item, Mapping):
        out = _FeatureDict()
        for name in _FEATURE_FIELDS:
            value = item.get(name, _DEFAULTS[name])
            out[name] = tuple(value) if isinstance(value, list) else value
        return out
    raise TypeError(
        f"participant #{position} must be a matching.model.Participant or a mapping of its feature fields, "
        f"got {type(item).__name__}"
    )


def feature_view(participants: Iterable[Any]) -> list[dict[str, Any]]:
    """The feature fields of each participant, as plain dicts.

    Parameters
    ----------
    participants : iterable of Participant or mapping
        Participants, or mappings already reduced to feature fields (missing
        keys take the model's defaults; keys that are not feature fields are
        dropped, never read).

    Returns
    -------
    list of dict
        One dict per participant with exactly the keys of
        :func:`matching.model.feature_fields`.

    Raises
    ------
    TypeError
        If an item is neither a Participant nor a mapping.
    """
    if isinstance(participants, (str, bytes)):
        raise TypeError(f"participants must be a sequence of participants, got {type(participants).__name__}")
    return [_one(p, i) for i, p in enumerate(participants, start=1)]


@dataclass(frozen=True)
class RuleView:
    """The fields the hard rules and the wish bonus read (never a feature)."""

    id: str
    role: str
    wishes: tuple[str, ...] = ()
    vetoes: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


def rule_view(participants: Iterable[Any]) -> list[RuleView]:
    """The rule fields of each participant.

    Mappings without an ``id`` get ``"#<position>"`` and role ``""`` (a
    feature-only record takes part in no rule).
    """
    out = []
    for position, item in enumerate(participants, start=1):
        if isinstance(item, Participant):
            out.append(RuleView(item.id, item.role, tuple(item.wishes), tuple(item.vetoes), tuple(item.conflicts)))
        elif isinstance(item, Mapping):
            out.append(
                RuleView(
                    str(item.get("id", f"#{position}")),
                    str(item.get("role", "")),
                    tuple(item.get("wishes", ())),
                    tuple(item.get("vetoes", ())),
                    tuple(item.get("conflicts", ())),
                )
            )
        else:
            raise TypeError(f"participant #{position} must be a Participant or a mapping, got {type(item).__name__}")
    return out


def record_key(record: FeatureRecord) -> str:
    """A canonical string of a feature record (same content, same string)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, default=list)


def canonical_order(records: Sequence[FeatureRecord], ids: Sequence[str] | None = None) -> np.ndarray:
    """Indices sorting ``records`` by a hash of their content (then by ``ids``).

    Identical records are interchangeable, so the sorted sequence of records
    is the same for every permutation of the input; with ``ids`` (unique)
    the order of the participants themselves is too.  The hash (not the
    string) is the primary key so that the first ``m`` records of the order
    are a pseudo-random sample, used where a transformer fits on a sample.
    """
    # Sorting by the 8-byte hash as an integer is sorting by its hex digest; only records whose hashes
    # are equal (identical content, in practice) are ordered by their canonical string, then id: no
    # string is kept per record.
    digests = np.fromiter((int.from_bytes(_digest(r), "big") for r in records), dtype=np.uint64, count=len(records))
    order = np.argsort(digests, kind="stable").astype(np.intp)
    ordered = digests[order]
    repeated = np.flatnonzero(ordered[1:] == ordered[:-1])
    if repeated.size:
        starts = np.concatenate(([0], np.flatnonzero(ordered[1:] != ordered[:-1]) + 1))
        stops = np.concatenate((starts[1:], [len(order)]))
        for lo, hi in zip(starts.tolist(), stops.tolist()):
            if hi - lo > 1:
                group = order[lo:hi].tolist()
                if ids is None:
                    key = lambda i: record_key(records[i])  # noqa: E731
                else:
                    key = lambda i: (record_key(records[i]), str(ids[i]))  # noqa: E731
                order[lo:hi] = sorted(group, key=key)
    return order


def _digest(record: FeatureRecord) -> bytes:
    return hashlib.blake2b(record_key(record).encode("utf-8"), digest_size=8).digest()
