"""Outcomes of past meetings: who met whom, who said yes, which became a deal.

A meeting's outcome is one row: the round, the left and right participant
(as indices into the round's left and right lists), each side's yes/no and
whether a deal followed.  :class:`Outcomes` holds many rows as parallel
numpy arrays; :func:`read_outcomes_csv` loads them from the CSV an organizer
keeps after each round (participant ids, not indices) and refuses a file
with bad rows, naming every bad line.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import FieldError, ImportRejected, InvalidInput

__all__ = ["Outcomes", "read_outcomes_csv", "write_outcomes_csv", "OUTCOME_COLUMNS"]

#: The columns of an outcomes CSV file, in the order they are written.
OUTCOME_COLUMNS: tuple[str, ...] = ("round", "left_id", "right_id", "left_yes", "right_yes", "deal")

_TRUE = frozenset({"1", "yes", "y", "true", "t", "はい", "○", "◯"})
_FALSE = frozenset({"0", "no", "n", "false", "f", "いいえ", "×", ""})


def _column(value: object, name: str, dtype: type) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 1:
        raise InvalidInput([FieldError(name, f"array of shape {array.shape}", "expected a 1-D array")])
    if dtype is bool:
        if array.dtype != bool:
            if array.size and not np.isin(array, (0, 1)).all():
                raise InvalidInput([FieldError(name, array[~np.isin(array, (0, 1))][0].item(), "expected booleans (0/1)")])
            array = array.astype(bool)
        return array
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise InvalidInput([FieldError(name, f"{array.dtype} array", "expected integers")])
    if (array < 0).any():
        raise InvalidInput([FieldError(name, int(array[array < 0][0]), "expected non-negative integers")])
    return array.astype(np.int64)


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Outcomes of meetings, one entry per meeting, as parallel arrays.

    Attributes
    ----------
    left_idx, right_idx : ndarray of shape (k,), int64
        The pair that met, as indices into the round's left and right lists.
    left_yes, right_yes : ndarray of shape (k,), bool
        Whether the left (right) participant wanted to continue.
    deal : ndarray of shape (k,), bool
        Whether the meeting led to a deal.
    round : ndarray of shape (k,), int64
        The 0-based round in which the meeting took place.

    Examples
    --------
    >>> o = Outcomes([0, 1], [1, 0], left_yes=[1, 0], right_yes=[1, 1], deal=[1, 0])
    >>> len(o), o.mutual.tolist()
    (2, [True, False])
    """

    left_idx: np.ndarray
    right_idx: np.ndarray
    left_yes: np.ndarray
    right_yes: np.ndarray
    deal: np.ndarray
    round: np.ndarray

    def __init__(
        self,
        left_idx: Sequence[int] | np.ndarray,
        right_idx: Sequence[int] | np.ndarray,
        *,
        left_yes: Sequence[bool] | np.ndarray,
        right_yes: Sequence[bool] | np.ndarray,
        deal: Sequence[bool] | np.ndarray | None = None,
        round: int | Sequence[int] | np.ndarray = 0,
    ) -> None:
        columns = {
            "left_idx": _column(left_idx, "left_idx", int),
            "right_idx": _column(right_idx, "right_idx", int),
            "left_yes": _column(left_yes, "left_yes", bool),
            "right_yes": _column(right_yes, "right_yes", bool),
        }
        k = len(columns["left_idx"])
        columns["deal"] = np.zeros(k, dtype=bool) if deal is None else _column(deal, "deal", bool)
        if np.ndim(round) == 0:
            if not isinstance(round, (int, np.integer)) or round < 0:
                raise InvalidInput([FieldError("round", round, "expected a non-negative integer round number")])
            columns["round"] = np.full(k, round, dtype=np.int64)
        else:
            columns["round"] = _column(round, "round", int)
        for name, array in columns.items():
            if len(array) != k:
                raise InvalidInput([FieldError(name, f"{len(array)} entries", f"expected {k} entries, one per meeting (as left_idx)")])
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    def __len__(self) -> int:
        return len(self.left_idx)

    def __repr__(self) -> str:
        rounds = sorted(set(self.round.tolist()))
        return f"Outcomes({len(self)} meetings, rounds {rounds}, mutual yes rate {self.mutual.mean() if len(self) else float('nan'):.3f})"

    @property
    def mutual(self) -> np.ndarray:
        """Whether both sides said yes, per meeting."""
        return self.left_yes & self.right_yes

    @property
    def rounds(self) -> tuple[int, ...]:
        """The distinct rounds present, sorted."""
        return tuple(sorted(set(self.round.tolist())))

    def target(self, name: str) -> np.ndarray:
        """The 0/1 label named ``name``: ``mutual``, ``left_yes``, ``right_yes`` or ``deal``."""
        targets = {"mutual": self.mutual, "left_yes": self.left_yes, "right_yes": self.right_yes, "deal": self.deal}
        if name not in targets:
            raise InvalidInput([FieldError("target", name, f"expected one of {sorted(targets)}")])
        return targets[name]

    def select(self, mask: np.ndarray) -> "Outcomes":
        """The meetings where ``mask`` (a boolean array or index array) holds."""
        return Outcomes(
            self.left_idx[mask], self.right_idx[mask],
            left_yes=self.left_yes[mask], right_yes=self.right_yes[mask],
            deal=self.deal[mask], round=self.round[mask],
        )

    def of_rounds(self, rounds: Iterable[int]) -> "Outcomes":
        """The meetings of the given rounds."""
        return self.select(np.isin(self.round, list(rounds)))

    @classmethod
    def from_simulation(cls, simulated: Any) -> "Outcomes":
        """Outcomes of a simulated round (``datasets.synthetic.GroundTruth.simulate_outcomes``).

        Any object with the attributes ``left_idx``, ``right_idx``,
        ``left_yes``, ``right_yes``, ``deal`` and ``round`` (a scalar or
        one per meeting) will do.
        """
        return cls(
            np.asarray(simulated.left_idx, dtype=np.int64), np.asarray(simulated.right_idx, dtype=np.int64),
            left_yes=simulated.left_yes, right_yes=simulated.right_yes, deal=simulated.deal,
            round=int(simulated.round) if np.ndim(simulated.round) == 0 else simulated.round,
        )

    @classmethod
    def concat(cls, parts: Iterable["Outcomes"]) -> "Outcomes":
        """One Outcomes holding the meetings of every part, in order."""
        parts = list(parts)
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), left_yes=np.zeros(0, bool), right_yes=np.zeros(0, bool))
        return cls(
            np.concatenate([p.left_idx for p in parts]), np.concatenate([p.right_idx for p in parts]),
            left_yes=np.concatenate([p.left_yes for p in parts]), right_yes=np.concatenate([p.right_yes for p in parts]),
            deal=np.concatenate([p.deal for p in parts]), round=np.concatenate([p.round for p in parts]),
        )

    def check_sizes(self, n_left: int, n_right: int) -> None:
        """Raise :class:`InvalidInput` if an index is out of range for ``n_left`` × ``n_right``."""
        for name, array, n in (("left_idx", self.left_idx, n_left), ("right_idx", self.right_idx, n_right)):
            bad = np.flatnonzero(array >= n)
            if bad.size:
                raise InvalidInput([FieldError(name, int(array[bad[0]]), f"meeting #{bad[0]} names index {array[bad[0]]}, expected < {n} (the side's size)")])


def _parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError("expected yes/no (1/0, true/false, y/n)")


def read_outcomes_csv(
    source: str | os.PathLike[str] | bytes,
    *,
    left_ids: Sequence[str],
    right_ids: Sequence[str],
    name: str | None = None,
) -> Outcomes:
    """Load past meetings from a CSV file with participant ids.

    The file has a header with the columns ``round, left_id, right_id,
    left_yes, right_yes, deal`` (any order, other columns ignored; ``deal``
    may be left out).  Yes/no cells accept ``1/0``, ``yes/no``, ``y/n``,
    ``true/false``, ``はい/いいえ``; an empty cell is "no".  Rounds are
    non-negative integers.  Ids are looked up in ``left_ids`` and
    ``right_ids``, the round's left and right participants in order.

    Parameters
    ----------
    source : path or bytes
        The file, or its content.  The text encoding is detected
        (UTF-8, with or without BOM, or Shift_JIS/cp932).
    left_ids, right_ids : sequence of str
        The ids of the left and right participants, in index order.
    name : str, optional
        The name to use in error messages (defaults to the path).

    Returns
    -------
    Outcomes

    Raises
    ------
    ImportRejected
        If the header lacks a required column or any row is bad; every
        error names its line (the header is line 1) and nothing is loaded.

    Examples
    --------
    >>> data = b"round,left_id,right_id,left_yes,right_yes,deal\\n0,s1,d1,yes,no,0\\n"
    >>> read_outcomes_csv(data, left_ids=["s1"], right_ids=["d1"]).left_yes.tolist()
    [True]
    """
    from ..io._encoding import decode  # the shared detector of Japanese CSV encodings

    if isinstance(source, (bytes, bytearray)):
        data, label = bytes(source), name or "outcomes.csv"
    else:
        with open(source, "rb") as handle:
            data = handle.read()
        label = name or os.fspath(source)
    text, _ = decode(data, source=label)
    left_index = {pid: i for i, pid in enumerate(left_ids)}
    right_index = {pid: i for i, pid in enumerate(right_ids)}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    errors: list[FieldError] = []
    rows: list[tuple[int, int, int, bool, bool, bool]] = []
    header: dict[str, int] | None = None
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(FieldError("(csv)", None, f"malformed CSV: {exc}", row=line))
            break
        row_line, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = {c.strip().lower().lstrip("\ufeff"): k for k, c in enumerate(cells)}
            missing = [c for c in OUTCOME_COLUMNS if c != "deal" and c not in header]
            if missing:
                raise ImportRejected(label, [FieldError("(header)", [c.strip() for c in cells], f"missing column(s) {missing}; expected {list(OUTCOME_COLUMNS)}", row=row_line)])
            continue
        values = {c: (cells[header[c]].strip() if header.get(c, len(cells)) < len(cells) else "") for c in OUTCOME_COLUMNS}
        row_errors: list[FieldError] = []
        try:
            rnd = int(values["round"])
            if rnd < 0:
                raise ValueError
        except ValueError:
            row_errors.append(FieldError("round", values["round"], "expected a non-negative integer round number", row=row_line))
            rnd = -1
        left = left_index.get(values["left_id"])
        if left is None:
            row_errors.append(FieldError("left_id", values["left_id"], "names no left participant of this round", row=row_line))
        right = right_index.get(values["right_id"])
        if right is None:
            row_errors.append(FieldError("right_id", values["right_id"], "names no right participant of this round", row=row_line))
        flags = []
        for column in ("left_yes", "right_yes", "deal"):
            try:
                flags.append(_parse_bool(values[column]))
            except ValueError as exc:
                row_errors.append(FieldError(column, values[column], str(exc), row=row_line))
        if not row_errors and flags[2] and not (flags[0] and flags[1]):
            row_errors.append(FieldError("deal", values["deal"], "a deal needs both sides to say yes", row=row_line))
        if row_errors:
            errors.extend(row_errors)
        else:
            rows.append((rnd, left, right, *flags))  # type: ignore[arg-type]
    if header is None:
        raise ImportRejected(label, [FieldError("(header)", None, f"the file is empty; expected a header {list(OUTCOME_COLUMNS)}", row=1)])
    if errors:
        raise ImportRejected(label, errors)
    table = np.array(rows, dtype=np.int64).reshape(-1, 6)
    return Outcomes(
        table[:, 1], table[:, 2], left_yes=table[:, 3].astype(bool), right_yes=table[:, 4].astype(bool),
        deal=table[:, 5].astype(bool), round=table[:, 0],
    )


def write_outcomes_csv(outcomes: Outcomes, *, left_ids: Sequence[str], right_ids: Sequence[str]) -> str:
    """The CSV text of ``outcomes`` with participant ids (read back by :func:`read_outcomes_csv`)."""
    outcomes.check_sizes(len(left_ids), len(right_ids))
    from ..io import csv_text

    return csv_text(OUTCOME_COLUMNS, (
        [int(r), left_ids[i], right_ids[j], int(ly), int(ry), int(d)]
        for r, i, j, ly, ry, d in zip(outcomes.round, outcomes.left_idx, outcomes.right_idx, outcomes.left_yes, outcomes.right_yes, outcomes.deal)))
