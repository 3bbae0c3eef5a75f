"""The planted ground truth: latent compatibility and simulated meetings.

Noise model
-----------
Every participant ``i`` carries latent variables, drawn once by the
generator (:mod:`datasets.synthetic._profiles`):

* ``offers[i]``, ``seeks[i]``: non-negative topic intensities over the tag
  vocabulary (unit L2 norm).  The participant's tags *and* its free text
  are written from these topics; the tags are a noisy copy (a weak topic is
  not tagged, a tag is dropped with probability 0.1, a spurious tag is
  added with probability 0.25); the text names the strongest topics.
* ``sector`` (which drives the JSIC-like industry code, observed with 5 %
  noise), ``market`` (domestic, ASEAN, East Asia, Europe, Americas),
  ``lat``/``lon`` (the region plus a small jitter), ``languages`` (as a bit
  mask, observed exactly), ``stage`` (digital maturity, observed) or a
  served-stage window ``serve_center ± serve_width`` (observed as
  ``serves_stages``), ``budget``/``price`` (observed, rounded);
* ``hidden[i]`` (a 4-vector never reflected in the profile);
* ``selectivity[i]`` (a yes-propensity: higher means *more often yes*)
  and ``attractiveness[i]`` (higher means others say yes more often).

The latent compatibility of a left ``i`` and a right ``j`` is::

    obs(i, j)  = Σ_k w_k · c_k(i, j)                 (weights per preset)
    z_obs      = (obs − μ) / σ                       (μ, σ from a calibration sample)
    z_hidden   = (hidden_i · hidden_j / √4 + ε_ij) / √2,   ε_ij ~ N(0, 1)
    compat     = √(1 − ρ) · z_obs + √ρ · z_hidden     (ρ = ``noise``, default 0.25)

with components ``c_k``: ``topic_left`` = seeks_i · A · offers_j (A: tag
affinity, 1 on the diagonal, 0.3 for tags of a common sector, 0.1 for a
common theme), ``topic_right`` = seeks_j · A · offers_i, ``sector`` (sector
affinity), ``language`` (1 with a common language, 0.6 when an interpreter
language bridges one side to a Japanese speaker, else 0), ``distance``
(exp(−km / scale)), ``stage`` (exp(−d²/0.5), d the distance of the left
stage outside the right's served window), ``budget``
(sigmoid(3 · ln(budget / price)) for the paying side) and ``market``
(market affinity).  ``ε_ij`` is a hash of (seed, i, j), so every pair has
one fixed value whatever block it is computed in.

A pair is *truly good* when ``compat ≥ threshold``, the threshold being the
``1 − good_fraction`` quantile (``good_fraction`` = 0.10) of compat over all
pairs when there are at most 2^17 of them, else over 2^17 seeded random
pairs.

Simulated meetings (round ``r``)::

    P(left yes)  = sigmoid(a·compat + selectivity_i + attractiveness_j + σ_o·η_L)
    P(right yes) = sigmoid(a·compat + selectivity_j + attractiveness_i + σ_o·η_R)
    P(deal)      = [left yes and right yes] · sigmoid(b0 + b1·compat)

with ``a = 1.0``, ``σ_o = 0.5``, ``b0 = −0.5``, ``b1 = 1.0``, selectivity
~ N(0, 1) and attractiveness ~ N(0, 0.8²) per participant, so who the
participants are weighs more than how well they fit, as in real events.
``η`` and the Bernoulli draws are hashes of (seed, channel, r, i, j): the
outcome of a pair in a round does not depend on which other pairs are
asked, or in which order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from matching import vocabulary as vocab
from matching.errors import FieldError, InvalidInput

from ._hash import pair_normal, pair_uniform

__all__ = ["SideLatent", "GroundTruth", "Outcomes", "LANGUAGE_BITS", "language_mask", "GOOD_FRACTION", "OUTCOME_PARAMS"]

GOOD_FRACTION = 0.10
HIDDEN_DIM = 4
CALIBRATION_PAIRS = 1 << 17
OUTCOME_PARAMS: Mapping[str, float] = {"a": 1.0, "sigma": 0.5, "b0": -0.5, "b1": 1.0}
_INTERPRETER_FIT = 0.6
_CH_PAIR, _CH_LN, _CH_LU, _CH_RN, _CH_RU, _CH_DEAL = 0, 1, 2, 3, 4, 5

LANGUAGE_BITS: Mapping[str, int] = {code: 1 << k for k, code in enumerate(vocab.LANGUAGES)}


def language_mask(languages: Iterable[str]) -> int:
    """Bit mask of ISO 639-1 codes (bit order of :data:`matching.vocabulary.LANGUAGES`)."""
    mask = 0
    for lang in languages:
        mask |= LANGUAGE_BITS[lang]
    return mask


@dataclass(frozen=True, eq=False)
class SideLatent:
    """The latent variables of one side, one row per participant (side order)."""

    offers: np.ndarray  # (n, T) float32, unit L2 rows
    seeks: np.ndarray  # (n, T) float32
    sector: np.ndarray  # (n,) int16
    market: np.ndarray  # (n,) int8
    lat: np.ndarray  # (n,) float64
    lon: np.ndarray  # (n,) float64
    languages: np.ndarray  # (n,) uint16 bit mask
    stage: np.ndarray  # (n,) float32, NaN when not applicable
    serve_center: np.ndarray  # (n,) float32, NaN when not applicable
    serve_width: np.ndarray  # (n,) float32
    budget: np.ndarray  # (n,) float64, NaN when none
    price: np.ndarray  # (n,) float64, NaN when none
    hidden: np.ndarray  # (n, HIDDEN_DIM) float32
    selectivity: np.ndarray  # (n,) float32
    attractiveness: np.ndarray  # (n,) float32

    def __len__(self) -> int:
        return int(self.sector.shape[0])

    def vectors(self) -> np.ndarray:
        """The latent vector of every participant: offers, seeks and hidden, side by side."""
        return np.hstack([self.offers, self.seeks, self.hidden]).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


_EARTH_KM = 6371.0


@dataclass(frozen=True)
class Outcomes:
    """Simulated meeting outcomes of a batch of (left, right) pairs in one round."""

    left_idx: np.ndarray
    right_idx: np.ndarray
    round: int
    compatibility: np.ndarray
    p_left: np.ndarray
    p_right: np.ndarray
    left_yes: np.ndarray
    right_yes: np.ndarray
    p_deal: np.ndarray
    deal: np.ndarray

    def __len__(self) -> int:
        return int(self.left_idx.shape[0])


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """Latent compatibility of every (left, right) pair, computed on demand.

    Left and right indices are positions in :attr:`left_ids` /
    :attr:`right_ids` (the order of the participants of each side).  See
    the module docstring for the noise model.

    Parameters
    ----------
    seed : int
        Seed of the hash that draws pair noise and meeting outcomes.
    left_ids, right_ids : numpy.ndarray
        Participant ids of each side, in side order.
    left, right : SideLatent
        Latent variables of each side.
    params : dict
        ``weights``, ``payer``, ``distance_km``, ``interpreter_mask``,
        ``noise``, ``mu``, ``sigma``, ``threshold``, ``good_fraction``,
        ``outcome``, ``tags``, ``sectors``, ``markets``.
    tag_affinity, sector_affinity, market_affinity : numpy.ndarray
        The affinity matrices of the topic, sector and market components.
    """

    seed: int
    left_ids: np.ndarray
    right_ids: np.ndarray
    left: SideLatent
    right: SideLatent
    params: Mapping[str, Any]
    tag_affinity: np.ndarray
    sector_affinity: np.ndarray
    market_affinity: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ sizes and ids
    @property
    def n_left(self) -> int:
        return len(self.left)

    @property
    def n_right(self) -> int:
        return len(self.right)

    @property
    def threshold(self) -> float:
        """Compatibility at or above which a pair is truly good."""
        return float(self.params["threshold"])

    @property
    def noise(self) -> float:
        """Share ρ of the compatibility variance that no profile reflects."""
        return float(self.params["noise"])

    def left_index(self, ids: Sequence[str]) -> np.ndarray:
        """Positions of left participant ids; unknown ids raise InvalidInput."""
        return self._index("left", ids)

    def right_index(self, ids: Sequence[str]) -> np.ndarray:
        """Positions of right participant ids; unknown ids raise InvalidInput."""
        return self._index("right", ids)

    def _index(self, side: str, ids: Sequence[str]) -> np.ndarray:
        key = f"{side}_lookup"
        if key not in self._cache:
            names = self.left_ids if side == "left" else self.right_ids
            self._cache[key] = {str(name): k for k, name in enumerate(names)}
        lookup = self._cache[key]
        out, errors = np.empty(len(ids), dtype=np.int64), []
        for k, pid in enumerate(ids):
            if pid not in lookup:
                errors.append(FieldError(f"{side}_ids", pid, f"is not a {side}-side participant"))
            else:
                out[k] = lookup[pid]
        if errors:
            raise InvalidInput(errors)
        return out

    def _check(self, idx: Any, n: int, name: str) -> np.ndarray:
        arr = np.asarray(idx)
        if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise InvalidInput([FieldError(name, f"{arr.dtype} array of shape {arr.shape}",
                                           "expected a 1-D array of integer indices")])
        arr = arr.astype(np.int64, copy=False)
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            bad = int(arr[(arr < 0) | (arr >= n)][0])
            raise InvalidInput([FieldError(name, bad, f"index out of range: expected 0 <= index < {n}")])
        return arr

    # ------------------------------------------------------------ compatibility
    def _seeks_affine(self, side: str) -> np.ndarray:
        key = f"{side}_seeksA"
        if key not in self._cache:
            latent = self.left if side == "left" else self.right
            self._cache[key] = (latent.seeks.astype(np.float64) @ self.tag_affinity).astype(np.float32)
        return self._cache[key]

    def _unit(self, side: str) -> np.ndarray:
        """Participants' locations as unit vectors (the great-circle angle is the arc-cosine of a dot product)."""
        key = f"{side}_unit"
        if key not in self._cache:
            latent = self.left if side == "left" else self.right
            lat, lon = np.radians(latent.lat), np.radians(latent.lon)
            self._cache[key] = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
        return self._cache[key]

    def _observable(self, li: np.ndarray, rj: np.ndarray, outer: bool) -> np.ndarray:
        L, R, p = self.left, self.right, self.params
        w = p["weights"]
        if outer:
            lb, rb = li[:, None], rj[None, :]
            shape = (li.size, rj.size)

            def dot(a, b):
                return a.astype(np.float64) @ b.astype(np.float64).T
        else:
            lb, rb = li, rj
            shape = (li.size,)

            def dot(a, b):
                return np.einsum("ij,ij->i", a.astype(np.float64), b.astype(np.float64))
        obs = np.zeros(shape)
        if w.get("topic_left"):
            obs += w["topic_left"] * dot(self._seeks_affine("left")[li], R.offers[rj])
        if w.get("topic_right"):
            obs += w["topic_right"] * dot(L.offers[li], self._seeks_affine("right")[rj])
        if w.get("sector"):
            obs += w["sector"] * self.sector_affinity[L.sector[lb], R.sector[rb]]
        if w.get("market"):
            obs += w["market"] * self.market_affinity[L.market[lb], R.market[rb]]
        if w.get("language"):
            ll, rl = L.languages[lb].astype(np.int64), R.languages[rb].astype(np.int64)
            ja, interp = LANGUAGE_BITS["ja"], int(p["interpreter_mask"])
            common = (ll & rl) != 0
            bridged = (((ll & ja) != 0) & ((rl & interp) != 0)) | (((rl & ja) != 0) & ((ll & interp) != 0))
            obs += w["language"] * np.where(common, 1.0, np.where(bridged, _INTERPRETER_FIT, 0.0))
        if w.get("distance"):
            cosine = np.clip(dot(self._unit("left")[li], self._unit("right")[rj]), -1.0, 1.0)
            km = np.arccos(cosine, out=cosine)
            km *= -_EARTH_KM / float(p["distance_km"])
            obs += w["distance"] * np.exp(km, out=km)
        if w.get("stage"):
            gap = np.maximum(0.0, np.abs(L.stage[lb].astype(np.float64) - R.serve_center[rb]) - R.serve_width[rb])
            obs += w["stage"] * np.nan_to_num(np.exp(-(gap**2) / 0.5), nan=0.5)
        if w.get("budget") and p["payer"] in ("left", "right"):
            payer_budget, payee_price = (L.budget[lb], R.price[rb]) if p["payer"] == "left" else (R.budget[rb], L.price[lb])
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                ratio = payer_budget / payee_price
                cube = ratio * ratio
                cube *= ratio
                fit = cube / (1.0 + cube)  # = sigmoid(3 ln(budget / price))
            fit[np.isinf(cube)] = 1.0
            obs += w["budget"] * np.nan_to_num(fit, nan=0.5, copy=False)
        return obs

    def _hidden(self, li: np.ndarray, rj: np.ndarray, outer: bool) -> np.ndarray:
        L, R = self.left, self.right
        if outer:
            latent = L.hidden[li].astype(np.float64) @ R.hidden[rj].astype(np.float64).T
            eps = pair_normal(self.seed, _CH_PAIR, 0, li[:, None], rj[None, :])
        else:
            latent = np.einsum("ij,ij->i", L.hidden[li].astype(np.float64), R.hidden[rj].astype(np.float64))
            eps = pair_normal(self.seed, _CH_PAIR, 0, li, rj)
        return (latent / np.sqrt(HIDDEN_DIM) + eps) / np.sqrt(2.0)

    def _combine(self, obs: np.ndarray, hidden: np.ndarray) -> np.ndarray:
        rho = self.noise
        z_obs = (obs - float(self.params["mu"])) / float(self.params["sigma"])
        return np.sqrt(1.0 - rho) * z_obs + np.sqrt(rho) * hidden

    def compatibility(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """Latent compatibility of the outer block ``left_idx × right_idx``.

        Parameters
        ----------
        left_idx, right_idx : array_like of int
            Positions on each side.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(left_idx), len(right_idx))``, float64.  Its size is
            the caller's choice: never ask for n × m at large sizes.
        """
        li = self._check(left_idx, self.n_left, "left_idx")
        rj = self._check(right_idx, self.n_right, "right_idx")
        return self._combine(self._observable(li, rj, True), self._hidden(li, rj, True))

    def compatibility_pairs(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """Latent compatibility of the pairs ``(left_idx[k], right_idx[k])``."""
        li = self._check(left_idx, self.n_left, "left_idx")
        rj = self._check(right_idx, self.n_right, "right_idx")
        if li.shape != rj.shape:
            raise InvalidInput([FieldError("right_idx", f"length {rj.size}", f"expected the length of left_idx ({li.size})")])
        return self._combine(self._observable(li, rj, False), self._hidden(li, rj, False))

    def observable_pairs(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """The observable part ``z_obs`` alone (what a perfect profile scorer could reach)."""
        li = self._check(left_idx, self.n_left, "left_idx")
        rj = self._check(right_idx, self.n_right, "right_idx")
        obs = self._observable(li, rj, False)
        return (obs - float(self.params["mu"])) / float(self.params["sigma"])

    def is_good(self, left_idx: Any, right_idx: Any) -> np.ndarray:
        """Whether each pair is truly good (compatibility ≥ threshold)."""
        return self.compatibility_pairs(left_idx, right_idx) >= self.threshold

    def good_pairs(self, *, max_pairs: int = 10**7) -> np.ndarray:
        """Every truly good pair as a ``(k, 2)`` array of (left, right) positions.

        Raises
        ------
        InvalidInput
            When ``n_left * n_right`` exceeds ``max_pairs``: use
            :meth:`compatibility` on blocks instead.
        """
        total = self.n_left * self.n_right
        if total > max_pairs:
            raise InvalidInput([FieldError("max_pairs", max_pairs,
                                           f"n_left * n_right = {total} pairs exceeds max_pairs; scan blocks with compatibility()")])
        chunk = max(1, (1 << 21) // max(1, self.n_right))
        right = np.arange(self.n_right)
        found = []
        for start in range(0, self.n_left, chunk):
            rows = np.arange(start, min(self.n_left, start + chunk))
            i, j = np.nonzero(self.compatibility(rows, right) >= self.threshold)
            found.append(np.stack([rows[i], j], axis=1))
        return np.concatenate(found, axis=0).astype(np.int64) if found else np.zeros((0, 2), dtype=np.int64)

    # ------------------------------------------------------------ outcomes
    def _pairs(self, pairs: Any) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(pairs, tuple) and len(pairs) == 2 and all(isinstance(a, np.ndarray) and a.ndim == 1 for a in pairs):
            return self._check(pairs[0], self.n_left, "left_idx"), self._check(pairs[1], self.n_right, "right_idx")
        seq = list(pairs) if not isinstance(pairs, np.ndarray) else pairs
        if len(seq) and not isinstance(seq, np.ndarray) and isinstance(seq[0][0], str):
            return self.left_index([p[0] for p in seq]), self.right_index([p[1] for p in seq])
        arr = np.asarray(seq, dtype=np.int64).reshape(-1, 2) if len(seq) else np.zeros((0, 2), dtype=np.int64)
        return self._check(arr[:, 0], self.n_left, "left_idx"), self._check(arr[:, 1], self.n_right, "right_idx")

    def simulate_outcomes(self, pairs: Any, *, round: int = 0) -> Outcomes:
        """Simulated outcomes of meetings, reproducible per (seed, pair, round).

        Parameters
        ----------
        pairs : array_like
            A ``(k, 2)`` array (or list) of (left, right) positions, a tuple
            of two 1-D numpy arrays ``(left_idx, right_idx)``, or a list of
            (left id, right id) string pairs.
        round : int
            Round number; the same pair meeting in another round draws anew.

        Returns
        -------
        Outcomes
            ``left_yes``, ``right_yes`` and ``deal`` (bool arrays) with their
            probabilities and the pairs' compatibility.
        """
        li, rj = self._pairs(pairs)
        if isinstance(round, bool) or not isinstance(round, (int, np.integer)) or round < 0:
            raise InvalidInput([FieldError("round", round, "expected a non-negative integer")])
        o = self.params["outcome"]
        compat = self.compatibility_pairs(li, rj)
        L, R, s = self.left, self.right, self.seed
        logit_l = o["a"] * compat + L.selectivity[li] + R.attractiveness[rj] + o["sigma"] * pair_normal(s, _CH_LN, round, li, rj)
        logit_r = o["a"] * compat + R.selectivity[rj] + L.attractiveness[li] + o["sigma"] * pair_normal(s, _CH_RN, round, li, rj)
        p_left, p_right = _sigmoid(logit_l), _sigmoid(logit_r)
        left_yes = pair_uniform(s, _CH_LU, round, li, rj) < p_left
        right_yes = pair_uniform(s, _CH_RU, round, li, rj) < p_right
        p_deal = np.where(left_yes & right_yes, _sigmoid(o["b0"] + o["b1"] * compat), 0.0)
        deal = pair_uniform(s, _CH_DEAL, round, li, rj) < p_deal
        return Outcomes(li, rj, int(round), compat, p_left, p_right, left_yes, right_yes, p_deal, deal)

    # ------------------------------------------------------------ persistence
    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every array and parameter, for ``ground_truth.npz`` (no pickles)."""
        out: dict[str, np.ndarray] = {
            "seed": np.array(self.seed, dtype=np.uint64),
            "left_ids": np.asarray(self.left_ids, dtype=str),
            "right_ids": np.asarray(self.right_ids, dtype=str),
            "params_json": np.array(json.dumps(self.params, sort_keys=True, ensure_ascii=True)),
            "tag_affinity": self.tag_affinity,
            "sector_affinity": self.sector_affinity,
            "market_affinity": self.market_affinity,
        }
        for side, latent in (("left", self.left), ("right", self.right)):
            for f in fields(SideLatent):
                out[f"{side}_{f.name}"] = getattr(latent, f.name)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> "GroundTruth":
        """Rebuild from :meth:`to_arrays` output (e.g. an opened npz file)."""
        try:
            sides = {
                side: SideLatent(**{f.name: np.asarray(arrays[f"{side}_{f.name}"]) for f in fields(SideLatent)})
                for side in ("left", "right")
            }
            return cls(
                seed=int(arrays["seed"]),
                left_ids=np.asarray(arrays["left_ids"]),
                right_ids=np.asarray(arrays["right_ids"]),
                left=sides["left"],
                right=sides["right"],
                params=json.loads(str(arrays["params_json"])),
                tag_affinity=np.asarray(arrays["tag_affinity"]),
                sector_affinity=np.asarray(arrays["sector_affinity"]),
                market_affinity=np.asarray(arrays["market_affinity"]),
            )
        except KeyError as exc:
            raise InvalidInput([FieldError("ground_truth", str(exc), "missing array in the ground-truth file")]) from None
