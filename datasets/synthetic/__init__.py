"""Synthetic programmes with a planted ground truth.

:func:`generate` draws a programme of one of the six presets of
``CONTEXT.md`` (:data:`PRESETS`) at real scale or any size up to 100,000
per side, with realistic bilingual profiles and a :class:`GroundTruth`
that says how compatible every pair really is and simulates meeting
outcomes.  :func:`write_programme` writes it to a directory (participants,
programme rules, ground truth, good pairs, metadata, README);
:func:`load_programme_dir` reads it back.

Noise model, in short (details in :mod:`datasets.synthetic._truth` and in
the ``README.md`` written next to the data): every participant has latent
topics (what it offers, what it seeks), a sector, a market, a place,
languages, a stage or served stages, a budget or price, and a hidden
vector.  Tags and texts are written from the same latent topics (tags with
drop/spurious noise).  Compatibility = √(1−ρ)·(standardised weighted sum of
observable components) + √ρ·(hidden low-rank part + per-pair hash noise);
a pair is truly good when compatibility is in the top 10 %.  Meeting
outcomes add per-participant selectivity and attractiveness and are hashed
per (seed, pair, round), so they are reproducible in any batch order.

Examples
--------
>>> from datasets.synthetic import generate
>>> data = generate("overseas", seed=3)
>>> data.truth.compatibility([0, 1], [0, 1, 2]).shape
(2, 3)
"""

from ._generate import DEFAULT_NOISE, GENERATOR_VERSION, MAX_SIDE, SyntheticProgramme, generate
from ._presets import PRESETS, PresetSpec, RoleSpec, get_preset
from ._truth import GOOD_FRACTION, GroundTruth, Outcomes, SideLatent
from ._write import FILES, GOOD_PAIRS_LIMIT, load_programme_dir, write_programme

__all__ = [
    "DEFAULT_NOISE",
    "FILES",
    "GOOD_PAIRS_LIMIT",
    "GENERATOR_VERSION",
    "GOOD_FRACTION",
    "MAX_SIDE",
    "PRESETS",
    "GroundTruth",
    "Outcomes",
    "PresetSpec",
    "RoleSpec",
    "SideLatent",
    "SyntheticProgramme",
    "generate",
    "get_preset",
    "load_programme_dir",
    "write_programme",
]
