"""``generate(preset, *, seed, ...)``: a synthetic programme with its ground truth."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.errors import FieldError, InvalidInput
from matching.model import Participant, Programme

from ._presets import PRESETS, get_preset
from ._profiles import build_participants, build_programme, build_truth, cover_capacities, draw_side
from ._truth import GroundTruth

__all__ = ["SyntheticProgramme", "generate", "GENERATOR_VERSION", "DEFAULT_NOISE", "MAX_SIDE"]

GENERATOR_VERSION = "1.0"
DEFAULT_NOISE = 0.25
MAX_SIDE = 100_000
VALIDATE_UP_TO = 20_000


@dataclass(frozen=True, eq=False)
class SyntheticProgramme:
    """A generated programme: rules, participants and the planted ground truth.

    ``participants`` lists the left side first, then the right side, each in
    the order of ``truth.left_ids`` / ``truth.right_ids``.
    """

    preset: str
    seed: int
    noise: float
    programme: Programme
    participants: tuple[Participant, ...]
    truth: GroundTruth

    @property
    def n_left(self) -> int:
        return self.truth.n_left

    @property
    def n_right(self) -> int:
        return self.truth.n_right

    @property
    def left(self) -> tuple[Participant, ...]:
        return self.participants[: self.n_left]

    @property
    def right(self) -> tuple[Participant, ...]:
        return self.participants[self.n_left:]

    def meta(self) -> dict[str, Any]:
        """What ``meta.json`` records: preset, seed, sizes, noise, version."""
        params = self.truth.params
        return {
            "generator": "datasets.synthetic",
            "generator_version": GENERATOR_VERSION,
            "preset": self.preset,
            "seed": self.seed,
            "n_left": self.n_left,
            "n_right": self.n_right,
            "left_roles": list(self.programme.rounds[0].left_roles),
            "right_roles": list(self.programme.rounds[0].right_roles),
            "noise": self.noise,
            "good_fraction": params["good_fraction"],
            "threshold": params["threshold"],
            "weights": params["weights"],
            "outcome": params["outcome"],
            "tag_noise": params["tag_noise"],
        }


def _size(name: str, value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= MAX_SIDE:
        raise InvalidInput([FieldError(name, value, f"expected an integer from 1 to {MAX_SIDE}")])
    return int(value)


def generate(preset: str, *, seed: int, n_left: int | None = None, n_right: int | None = None,
             noise: float | None = None, validate: bool | None = None) -> SyntheticProgramme:
    """Generate a synthetic programme of a preset, with a planted ground truth.

    Parameters
    ----------
    preset : str
        One of :data:`PRESETS` (``design``, ``reskilling``, ``industry-fair``,
        ``overseas``, ``succession``, ``open-innovation``).
    seed : int
        Non-negative seed; the same seed gives the same programme.
    n_left, n_right : int, optional
        Side sizes (1 to 100,000); default: the preset's real scale.
    noise : float, optional
        Share ρ in [0, 1) of the compatibility variance that no profile
        reflects (default 0.25).
    validate : bool, optional
        Validate every participant through :class:`matching.model.Participant`
        (about 0.3 ms each).  Default: only when both sides together hold at
        most 20,000 participants; larger programmes are built with
        ``model_construct`` from the same records (the tests validate every
        preset at small sizes).

    Returns
    -------
    SyntheticProgramme

    Raises
    ------
    InvalidInput
        Unknown preset (the message lists the known ones), a size or noise
        out of range, or a negative seed.

    Examples
    --------
    >>> from datasets.synthetic import generate
    >>> data = generate("reskilling", seed=1)
    >>> data.n_left, data.n_right
    (100, 8)
    >>> sum(p.capacity_max for p in data.right) >= 100
    True
    """
    spec = get_preset(preset)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise InvalidInput([FieldError("seed", seed, "expected an integer from 0 to 2**63 - 1")])
    seed = int(seed)
    n = _size("n_left", n_left, spec.n_left)
    m = _size("n_right", n_right, spec.n_right)
    rho = DEFAULT_NOISE if noise is None else noise
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0.0 <= float(rho) < 1.0:
        raise InvalidInput([FieldError("noise", noise, "expected a number in [0, 1)")])
    rho = float(rho)
    root = np.random.SeedSequence([seed, zlib.crc32(spec.name.encode()), list(PRESETS).index(spec.name)])
    rng_left, rng_right, rng_truth, rng_rel = (np.random.default_rng(s) for s in root.spawn(4))
    n_slots = len(spec.slots.starts) if spec.slots else 0
    left = draw_side(spec, "left", n, rng_left, n_slots, m)
    right = draw_side(spec, "right", m, rng_right, n_slots, n)
    if spec.cover_left:
        covered = cover_capacities(right, n, rng_right)
        if not covered:  # the right side cannot take everyone: do not force every left participant in
            left.capacity_min[:] = 0
    truth = build_truth(spec, left, right, seed=seed, noise=rho, rng=rng_truth)
    programme = build_programme(spec, seed=seed, n_left=n, right=right, n_slots=n_slots)
    if spec.cover_left and not left.capacity_min.any():
        rnd = programme.rounds[0]
        programme = programme.model_copy(update={"rounds": (rnd.model_copy(update={"left_capacity": type(rnd.left_capacity)(min=0, max=rnd.left_capacity.max)}),)})
    if validate is None:
        validate = n + m <= VALIDATE_UP_TO
    participants = build_participants(spec, left, right, truth, seed=seed, rng=rng_rel, validate=bool(validate))
    return SyntheticProgramme(preset=spec.name, seed=seed, noise=rho, programme=programme,
                              participants=tuple(participants), truth=truth)
