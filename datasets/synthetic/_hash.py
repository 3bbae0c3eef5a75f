"""Counter-based randomness: a vectorized splitmix64 hash of (seed, key, i, j).

Outcome and pair noise must not depend on the order or the batch in which
pairs are asked for, so it cannot come from a sequential generator.  Each
value is a pure function of ``(seed, channel, round, i, j)`` instead, mixed
with the splitmix64 finaliser (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

__all__ = ["pair_uniform", "pair_normal", "mix64"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_J_SALT = np.uint64(0xD6E8FEB86659FD93)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def mix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser applied element-wise to a uint64 array (in place on a copy)."""
    z = np.array(z, dtype=np.uint64, copy=True, ndmin=1)
    with np.errstate(over="ignore"):
        z ^= z >> _S30
        z *= _M1
        z ^= z >> _S27
        z *= _M2
        z ^= z >> _S31
    return z


def _key(seed: int, channel: int, round_: int) -> np.uint64:
    parts = np.array([seed & 0xFFFFFFFFFFFFFFFF, channel, round_ & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
    key = np.zeros(1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for part in parts:
            key = mix64(key + _GOLDEN + part)
    return key[0]


def _bits(seed: int, channel: int, round_: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    # h = mix(mix(key + G·(i+1)) ^ S·(j+1)): the inner terms are per row / per column, so an outer
    # block (i of shape (a, 1), j of shape (1, b)) mixes a + b values once and a·b values once.
    key = _key(seed, channel, round_)
    i = np.asarray(i, dtype=np.int64).astype(np.uint64)
    j = np.asarray(j, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        row = mix64(key + _GOLDEN * (i + np.uint64(1)))
        col = _J_SALT * (j + np.uint64(1))
        return mix64(row ^ col)


def pair_uniform(seed: int, channel: int, round_: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Uniform numbers in (0, 1), one per broadcast (i, j), from the hash."""
    h = _bits(seed, channel, round_, i, j)
    h >>= _S11
    out = h.astype(np.float64)
    out += 0.5
    out *= 1.0 / 9007199254740992.0
    return out


def pair_normal(seed: int, channel: int, round_: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Standard normal numbers, one per broadcast (i, j), from the hash."""
    u = pair_uniform(seed, channel, round_, i, j)
    return ndtri(u, out=u)
