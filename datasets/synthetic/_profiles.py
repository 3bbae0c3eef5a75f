"""Drawing the participants of a preset: latent variables first, then profiles.

The latent variables of a side are drawn with vectorized numpy (one array
per variable, one row per participant); the observable profile — tags,
industry, region, languages, texts, names — is then written from them.
Free-text and names use a ``random.Random`` stream (fast scalar draws), the
latent variables a ``numpy.random.Generator``; both are seeded from the
generator seed and the preset name, so the same seed gives the same data.
"""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from matching import vocabulary as vocab
from matching.model import CapacityRange, Contact, Participant, Programme, Round, Slot

from . import _texts
from ._presets import (
    MARKET_TAGS,
    MARKETS,
    SECTOR_NAMES,
    SECTORS,
    STAGE_TAGS,
    PresetSpec,
    RoleSpec,
    market_affinity,
    sector_affinity,
)
from ._truth import (
    CALIBRATION_PAIRS,
    GOOD_FRACTION,
    HIDDEN_DIM,
    OUTCOME_PARAMS,
    GroundTruth,
    SideLatent,
    language_mask,
)

__all__ = ["TAG_NAMES", "tag_affinity", "SideDraw", "draw_side", "build_truth", "build_programme", "build_participants",
           "cover_capacities"]

TAG_NAMES: tuple[str, ...] = tuple(vocab.TAGS)
_TAG_INDEX = {t: k for k, t in enumerate(TAG_NAMES)}
_SECTOR_INDEX = {s: k for k, s in enumerate(SECTOR_NAMES)}
_REGIONS = tuple(vocab.REGIONS.values())
_AREA_MARKET = {"tokyo-23": 0, "tama": 0, "japan": 0, "asean": 1, "asia": 2, "europe": 3, "americas": 4}
_LOCAL_LANGUAGE = {"TH": "th", "VN": "vi", "ID": "id", "MY": "ms", "PH": "tl", "SG": "zh", "TW": "zh", "KR": "ko",
                   "CN": "zh", "DE": "de", "FR": "fr", "NL": "nl", "IT": "it"}
_LANG_CODES = tuple(vocab.LANGUAGES)
_REGION_LAT = np.array([r.lat for r in _REGIONS])
_REGION_LON = np.array([r.lon for r in _REGIONS])
_REGION_MARKET = np.array([_AREA_MARKET[r.area] for r in _REGIONS], dtype=np.int8)
_STAGE_P = (0.3, 0.35, 0.25, 0.1)
P_DROP_TAG = 0.1
P_SPURIOUS_TAG = 0.25
MIN_TAGGED_INTENSITY = 0.15
P_INDUSTRY_NOISE = 0.05


def tag_affinity() -> np.ndarray:
    """T x T tag affinity: 1 on the diagonal, 0.3 for tags sharing a sector, 0.1 for a common theme."""
    n = len(TAG_NAMES)
    out = np.zeros((n, n))
    themes = np.array([vocab.TAGS[t].theme for t in TAG_NAMES])
    out[themes[:, None] == themes[None, :]] = 0.1
    for sector in SECTORS.values():
        idx = [_TAG_INDEX[t] for t in sector.tags]
        out[np.ix_(idx, idx)] = 0.3
    np.fill_diagonal(out, 1.0)
    return out


def _rows(tags: Sequence[str]) -> np.ndarray:
    row = np.zeros(len(TAG_NAMES))
    row[[_TAG_INDEX[t] for t in tags]] = 1.0
    return row


_SECTOR_ROWS = np.stack([_rows(SECTORS[s].tags) for s in SECTOR_NAMES])
_STAGE_ROWS = np.stack([_rows(STAGE_TAGS[s]) for s in (1, 2, 3, 4)])
_MARKET_ROWS = np.stack([_rows(MARKET_TAGS["domestic"])] + [_rows(MARKET_TAGS["overseas"])] * (len(MARKETS) - 1))


@dataclass
class SideDraw:
    """Latent and observable arrays of one side, before participants are built."""

    specs: list[RoleSpec]
    role_of: np.ndarray  # (n,) index into specs
    ids: list[str]
    latent: SideLatent
    region: np.ndarray  # (n,) index into _REGIONS
    offers_top: list[list[str]]  # latent topics, strongest first
    seeks_top: list[list[str]]
    offers_tags: list[list[str]]  # observed (noisy) tags
    seeks_tags: list[list[str]]
    industry: list[str]
    employees: np.ndarray
    capacity: np.ndarray
    capacity_min: np.ndarray
    availability: list[tuple[str, ...]]
    stage_obs: np.ndarray  # int, 0 when none
    serves: list[tuple[int, ...]]
    budget_max: np.ndarray  # int64, -1 when none
    price_min: np.ndarray
    price_max: np.ndarray


def _split(n: int, specs: Sequence[RoleSpec]) -> list[int]:
    shares = np.array([s.share for s in specs], dtype=float)
    raw = n * shares / shares.sum()
    counts = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[k] += 1
    if n >= len(specs):  # every role present when there is room
        for k in range(len(specs)):
            while counts[k] == 0:
                counts[int(np.argmax(counts))] -= 1
                counts[k] += 1
    return [int(c) for c in counts]


def _choice(rng: np.random.Generator, weights: dict[int, float] | np.ndarray, n: int) -> np.ndarray:
    if isinstance(weights, dict):
        keys = np.array(list(weights.keys()))
        p = np.array(list(weights.values()), dtype=float)
    else:
        keys, p = np.arange(len(weights)), np.asarray(weights, dtype=float)
    p = p / p.sum()
    return keys[rng.choice(len(keys), size=n, p=p)]


def _region_weights(areas: dict[str, float]) -> np.ndarray:
    w = np.zeros(len(_REGIONS))
    for area, weight in areas.items():
        if area in vocab.REGIONS:
            w[[r.code for r in _REGIONS].index(area)] += weight
        else:
            members = [k for k, r in enumerate(_REGIONS) if r.area == area]
            w[members] += weight / len(members)
    return w


def _topics(rng: np.random.Generator, weights: np.ndarray, k_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Gumbel top-k topics per row of ``weights``; returns (indices (n, kmax), intensities (n, kmax))."""
    n, t = weights.shape
    positive = weights > 0
    kmax = min(k_range[1], t)
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=(n, t))
    keys[~positive] = -np.inf
    order = np.argsort(-keys, axis=1, kind="stable")[:, :kmax]
    k = rng.integers(k_range[0], k_range[1] + 1, size=n)
    k = np.minimum(k, positive.sum(axis=1))
    intensity = rng.gamma(1.5, size=(n, kmax))
    intensity[np.arange(kmax)[None, :] >= k[:, None]] = 0.0
    intensity = -np.sort(-intensity, axis=1)
    norm = np.linalg.norm(intensity, axis=1, keepdims=True)
    intensity = np.divide(intensity, norm, out=np.zeros_like(intensity), where=norm > 0)
    return order, intensity


def _tag_weights(spec: RoleSpec, sources: Sequence, sector: np.ndarray, stage: np.ndarray, serves_mask: np.ndarray,
                 market: np.ndarray) -> np.ndarray:
    n = sector.shape[0]
    out = np.zeros((n, len(TAG_NAMES)))
    for source, weight in sources:
        if source == "sector":
            out += weight * _SECTOR_ROWS[sector]
        elif source == "stage":
            if spec.serves:
                out += weight * (serves_mask @ _STAGE_ROWS) / np.maximum(1, serves_mask.sum(axis=1, keepdims=True))
            else:
                out += weight * _STAGE_ROWS[np.clip(stage, 1, 4) - 1]
        elif source == "market":
            out += weight * _MARKET_ROWS[market]
        else:
            out += weight * _rows(source)[None, :]
    return out


def _observe(rng: np.random.Generator, order: np.ndarray, intensity: np.ndarray, weights: np.ndarray) -> list[list[str]]:
    """Noisy tags from latent topics: weak topics untagged, drops, spurious additions."""
    n, kmax = order.shape
    keep = intensity >= MIN_TAGGED_INTENSITY
    drop = rng.random((n, kmax)) < P_DROP_TAG
    drop[:, 0] = rng.random(n) < 0.03  # the main topic is almost always tagged
    keep &= ~drop
    spurious = rng.random(n) < P_SPURIOUS_TAG
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.shape)
    extra = np.argmax(keys, axis=1)
    extra_ok = (spurious & (weights[np.arange(n), extra] > 0)).tolist()
    extra_names = [TAG_NAMES[t] for t in extra.tolist()]
    out = []
    for row, oks, add, name in zip(order.tolist(), keep.tolist(), extra_ok, extra_names):
        tags = [TAG_NAMES[t] for t, ok in zip(row, oks) if ok]
        if add and name not in tags:
            tags.append(name)
        out.append(tags)
    return out


def _round_yen(values: np.ndarray, step: float) -> np.ndarray:
    return (np.maximum(1, np.round(values / step)) * step).astype(np.int64)


def draw_side(preset: PresetSpec, side: str, n: int, rng: np.random.Generator, n_slots: int,
              n_other: int) -> SideDraw:
    """Draw every latent and observable array of one side."""
    specs = list(preset.left if side == "left" else preset.right)
    counts = _split(n, specs)
    role_of = np.repeat(np.arange(len(specs)), counts)
    ids: list[str] = []
    for spec, count in zip(specs, counts):
        width = max(4, len(str(count)))
        ids.extend(f"{spec.prefix}-{k:0{width}d}" for k in range(1, count + 1))
    T = len(TAG_NAMES)
    parts: dict[str, list] = {key: [] for key in (
        "sector", "market", "region", "stage", "center", "width", "serves_mask", "offers", "seeks", "offers_top",
        "seeks_top", "offers_tags", "seeks_tags", "industry", "employees", "capacity", "capacity_min", "budget",
        "price_min", "price_max", "languages", "availability")}
    slot_ids = [f"s{k:02d}" for k in range(1, n_slots + 1)]
    for spec, count in zip(specs, counts):
        sector = _choice(rng, {_SECTOR_INDEX[s]: w for s, w in spec.sectors.items()}, count).astype(np.int16)
        region = _choice(rng, _region_weights(dict(spec.areas)), count)
        if spec.markets is not None:
            market = _choice(rng, {MARKETS.index(m): w for m, w in spec.markets.items()}, count).astype(np.int8)
        else:
            market = _REGION_MARKET[region]
        stage = _choice(rng, {1: _STAGE_P[0], 2: _STAGE_P[1], 3: _STAGE_P[2], 4: _STAGE_P[3]}, count) if spec.stage \
            else np.zeros(count, dtype=np.int64)
        if spec.serves:
            center = rng.uniform(1.0, 4.0, size=count)
            width = np.where(rng.random(count) < 0.6, 0.5, 1.0)
            serves_mask = (np.abs(np.arange(1, 5)[None, :] - center[:, None]) <= width[:, None] + 1e-9).astype(float)
        else:
            center = np.full(count, np.nan)
            width = np.full(count, np.nan)
            serves_mask = np.zeros((count, 4))
        dense = {}
        for which, sources, k_range in (("offers", spec.offers, spec.n_offers), ("seeks", spec.seeks, spec.n_seeks)):
            weights = _tag_weights(spec, sources, sector, stage, serves_mask, market)
            order, intensity = _topics(rng, weights, k_range)
            mat = np.zeros((count, T), dtype=np.float32)
            np.put_along_axis(mat, order, intensity.astype(np.float32), axis=1)
            dense[which] = mat
            parts[which].append(mat)
            parts[f"{which}_top"].extend(
                [TAG_NAMES[t] for t, v in zip(row[:2], values[:2]) if v > 0]
                for row, values in zip(order.tolist(), intensity.tolist()))
            parts[f"{which}_tags"].extend(_observe(rng, order, intensity, weights))
        # industry: the sector's codes (or the role's override), with a little noise
        codes_by_sector = [(spec.industries or {}).get(s) or SECTORS[s].industries for s in SECTOR_NAMES]
        pick = rng.random(count).tolist()
        noisy = (rng.random(count) < P_INDUSTRY_NOISE) & (not spec.industries)
        which_sector = np.where(noisy, rng.integers(0, len(SECTOR_NAMES), size=count), sector).tolist()
        for s_k, u in zip(which_sector, pick):
            codes = codes_by_sector[s_k]
            parts["industry"].append(codes[int(u * len(codes))])
        median, sigma, lo, hi = spec.employees
        employees = np.clip(np.round(median * np.exp(sigma * rng.standard_normal(count))), lo, hi).astype(np.int64)
        capacity = _choice(rng, dict(zip(spec.capacity, spec.capacity_p)), count).astype(np.int64)
        # availability
        if n_slots:
            full = rng.random(count) < spec.p_full_availability
            length = rng.integers(min(3, n_slots), n_slots + 1, size=count)
            start = (rng.random(count) * (n_slots - length + 1)).astype(int)
            holes = (rng.random((count, n_slots)) < 0.1).tolist()
            avail = []
            all_slots = tuple(slot_ids)
            for is_full, first, size, hole in zip(full.tolist(), start.tolist(), length.tolist(), holes):
                if is_full:
                    avail.append(all_slots)
                    continue
                chosen = [slot_ids[s] for s in range(first, first + size) if not hole[s]]
                avail.append(tuple(chosen) or (slot_ids[first],))
            parts["availability"].extend(avail)
            capacity = np.minimum(capacity, np.array([len(a) for a in avail]))
        else:
            parts["availability"].extend([()] * count)
        parts["capacity_min"].append(np.full(count, spec.capacity_min, dtype=np.int64))
        # money
        budget = np.full(count, np.nan)
        if spec.budget is not None:
            median, sigma = spec.budget
            if sigma == 0:  # a fixed support amount, sometimes topped up by the company
                budget = median * (1.0 + _choice(rng, {0: 0.7, 2: 0.1, 3: 0.1, 5: 0.1}, count) / 10.0)
            else:
                budget = median * np.exp(sigma * rng.standard_normal(count))
            budget = _round_yen(budget, 10_000 if median < 1e8 else 1_000_000).astype(float)
        price = np.full(count, np.nan)
        price_max = np.full(count, np.nan)
        if spec.price is not None:
            median, sigma = spec.price
            raw = median * np.exp(sigma * rng.standard_normal(count))
            if spec.price_per_employee:
                raw = raw * employees
            step = 10_000 if median * (employees.mean() if spec.price_per_employee else 1) < 1e8 else 1_000_000
            price = _round_yen(raw, step).astype(float)
            price_max = _round_yen(price * rng.uniform(1.2, 2.0, size=count), step).astype(float)
        # languages
        mask_list = []
        draws = rng.random((count, 3)).tolist()
        for r_k, (d0, d1, d2) in zip(region.tolist(), draws):
            country = _REGIONS[r_k].country
            if spec.languages == "overseas":
                langs = []
                local = _LOCAL_LANGUAGE.get(country)
                if country in ("US", "GB") or d0 < 0.88:
                    langs.append("en")
                if local and d1 < 0.8:
                    langs.append(local)
                if d2 < spec.p_ja:
                    langs.append("ja")
                langs = langs or ["en"]
            else:
                langs = ["ja"] + (["en"] if d0 < spec.p_en else []) + (["zh"] if d1 < 0.03 else [])
            mask_list.append(language_mask(langs))
        masks = np.array(mask_list, dtype=np.uint16)
        for key, value in (("sector", sector), ("market", market), ("region", region), ("stage", stage),
                           ("center", center), ("width", width), ("serves_mask", serves_mask),
                           ("employees", employees), ("capacity", capacity), ("budget", budget), ("price_min", price),
                           ("price_max", price_max), ("languages", masks)):
            parts[key].append(value)
    cat = {key: np.concatenate(parts[key]) for key in (
        "sector", "market", "region", "stage", "center", "width", "serves_mask", "employees", "capacity",
        "capacity_min", "budget", "price_min", "price_max", "languages", "offers", "seeks")}
    region = cat["region"]
    lat = _REGION_LAT[region] + rng.normal(0, 0.03, n)
    lon = _REGION_LON[region] + rng.normal(0, 0.03, n)
    stage = cat["stage"].astype(np.float32)
    stage[stage == 0] = np.nan
    latent = SideLatent(
        offers=cat["offers"], seeks=cat["seeks"], sector=cat["sector"].astype(np.int16),
        market=cat["market"].astype(np.int8), lat=lat, lon=lon, languages=cat["languages"].astype(np.uint16),
        stage=stage, serve_center=cat["center"].astype(np.float32), serve_width=cat["width"].astype(np.float32),
        budget=cat["budget"].astype(np.float64), price=cat["price_min"].astype(np.float64),
        hidden=rng.standard_normal((n, HIDDEN_DIM)).astype(np.float32),
        selectivity=rng.normal(0.0, 1.0, n).astype(np.float32),
        attractiveness=rng.normal(0.0, 0.8, n).astype(np.float32),
    )
    serves = [tuple(k + 1 for k, v in enumerate(row) if v) for row in cat["serves_mask"].tolist()]
    return SideDraw(
        specs=specs, role_of=role_of, ids=ids, latent=latent, region=region,
        offers_top=parts["offers_top"], seeks_top=parts["seeks_top"], offers_tags=parts["offers_tags"],
        seeks_tags=parts["seeks_tags"], industry=parts["industry"], employees=cat["employees"],
        capacity=cat["capacity"], capacity_min=cat["capacity_min"], availability=parts["availability"],
        stage_obs=cat["stage"].astype(np.int64), serves=serves,
        budget_max=np.nan_to_num(cat["budget"], nan=-1).astype(np.int64),
        price_min=np.nan_to_num(cat["price_min"], nan=-1).astype(np.int64),
        price_max=np.nan_to_num(cat["price_max"], nan=-1).astype(np.int64),
    )


def build_truth(preset: PresetSpec, left: SideDraw, right: SideDraw, *, seed: int, noise: float,
                rng: np.random.Generator) -> GroundTruth:
    """The ground truth of the two sides, calibrated (μ, σ, threshold) on a pair sample."""
    interp = language_mask(preset.interpreter_languages)
    params: dict[str, Any] = {
        "preset": preset.name,
        "weights": dict(preset.weights),
        "payer": preset.payer,
        "distance_km": preset.distance_km,
        "interpreter_mask": interp,
        "noise": float(noise),
        "mu": 0.0,
        "sigma": 1.0,
        "threshold": 0.0,
        "good_fraction": GOOD_FRACTION,
        "hidden_dim": HIDDEN_DIM,
        "outcome": dict(OUTCOME_PARAMS),
        "tags": list(TAG_NAMES),
        "sectors": list(SECTOR_NAMES),
        "markets": list(MARKETS),
        "tag_noise": {"p_drop": P_DROP_TAG, "p_spurious": P_SPURIOUS_TAG, "min_tagged_intensity": MIN_TAGGED_INTENSITY,
                      "p_industry_noise": P_INDUSTRY_NOISE},
        "calibration_pairs": CALIBRATION_PAIRS,
    }
    truth = GroundTruth(
        seed=seed, left_ids=np.array(left.ids), right_ids=np.array(right.ids), left=left.latent, right=right.latent,
        params=params, tag_affinity=tag_affinity(), sector_affinity=sector_affinity(), market_affinity=market_affinity(),
    )
    n, m = len(left.ids), len(right.ids)
    if n * m <= CALIBRATION_PAIRS:
        li, rj = np.divmod(np.arange(n * m), m)
    else:
        li, rj = rng.integers(0, n, CALIBRATION_PAIRS), rng.integers(0, m, CALIBRATION_PAIRS)
    obs = truth._observable(li, rj, False)
    params["mu"] = float(obs.mean())
    params["sigma"] = float(obs.std()) or 1.0
    compat = truth.compatibility_pairs(li, rj)
    params["threshold"] = float(np.quantile(compat, 1.0 - GOOD_FRACTION))
    return truth


def build_programme(preset: PresetSpec, *, seed: int, n_left: int, right: SideDraw, n_slots: int) -> Programme:
    """The programme (one round) of a preset at the drawn sizes."""
    slots: tuple[Slot, ...] = ()
    tables = None
    if preset.slots is not None:
        spec = preset.slots
        tz = timezone(timedelta(hours=spec.utc_offset_hours), spec.tz_name)
        slots = tuple(
            Slot(id=f"s{k:02d}", start=(start := datetime.combine(spec.day, t, tzinfo=tz)),
                 end=start + timedelta(minutes=spec.minutes))
            for k, t in enumerate(spec.starts, start=1)
        )
        tables = int(min(100_000, max(spec.tables, math.ceil(spec.tables * n_left / spec.base_size))))
    left_roles = tuple(dict.fromkeys(s.role for s in preset.left))
    right_roles = tuple(dict.fromkeys(s.role for s in preset.right))
    right_max = preset.right_capacity[1]
    if preset.cover_left and len(right.ids):
        right_max = int(right.capacity.max())
    rnd = Round(
        name=f"{preset.title_ja} / {preset.title_en}",
        left_roles=left_roles,
        right_roles=right_roles,
        left_capacity=CapacityRange(min=preset.left_capacity[0], max=preset.left_capacity[1]),
        right_capacity=CapacityRange(min=preset.right_capacity[0], max=max(preset.right_capacity[0], right_max)),
        objective="max-total",
        interpreter_languages=preset.interpreter_languages,
        slots=slots,
        tables=tables,
        meeting_length=1,
    )
    return Programme(
        id=f"synthetic-{preset.name}-{seed}",
        name=f"{preset.title_ja} / {preset.title_en} (synthetic)",
        kind=preset.name,
        rounds=(rnd,),
    )


def cover_capacities(right: SideDraw, n_left: int, rng: np.random.Generator) -> bool:
    """Right capacities ≈ n_left / n_right (±1), summing to at least n_left when the limit allows."""
    m = len(right.ids)
    if m == 0:
        return False
    base = math.ceil(n_left / m)
    caps = np.clip(base + rng.integers(-1, 2, size=m), 1, 10_000)
    while caps.sum() < n_left and caps.min() < 10_000:
        caps[int(np.argmin(caps))] += 1
    right.capacity = caps.astype(np.int64)
    return bool(caps.sum() >= n_left)


def _relations(truth: GroundTruth, preset: PresetSpec, left: SideDraw, right: SideDraw,
               rng: np.random.Generator) -> dict[str, list[list[str]]]:
    """Wishes and vetoes (from noisy perceived compatibility) and conflicts."""
    out = {f"{side}_{kind}": [[] for _ in range(len(draw.ids))]
           for side, draw in (("left", left), ("right", right)) for kind in ("wishes", "vetoes", "conflicts")}
    n, m = len(left.ids), len(right.ids)
    if n == 0 or m == 0:
        return out
    for side, own, other, p_wish, p_veto in (("left", left, right, preset.p_wish[0], preset.p_veto[0]),
                                             ("right", right, left, preset.p_wish[1], preset.p_veto[1])):
        size, other_size = len(own.ids), len(other.ids)
        active = np.nonzero(rng.random(size) < p_wish + p_veto)[0]
        wants_veto = rng.random(active.size) < p_veto / max(p_wish + p_veto, 1e-12)
        n_wish = rng.integers(1, 4, size=active.size)
        candidates = min(20, other_size)
        for start in range(0, active.size, 5_000):
            rows = active[start:start + 5_000]
            if other_size <= 20:
                cand = np.tile(np.arange(other_size), (rows.size, 1))
            else:
                cand = rng.integers(0, other_size, size=(rows.size, candidates))
            own_idx = np.repeat(rows, cand.shape[1])
            pairs = (own_idx, cand.ravel()) if side == "left" else (cand.ravel(), own_idx)
            perceived = truth.compatibility_pairs(*pairs).reshape(cand.shape)
            perceived += rng.normal(0, 0.5, size=perceived.shape)
            order = np.argsort(-perceived, axis=1, kind="stable")
            for r, i in enumerate(rows):
                k = start + r
                ranked = list(dict.fromkeys(int(c) for c in cand[r, order[r]]))
                if wants_veto[k]:
                    if perceived[r].min() < -1.0:
                        out[f"{side}_vetoes"][i] = [other.ids[ranked[-1]]]
                else:
                    out[f"{side}_wishes"][i] = [other.ids[c] for c in ranked[: n_wish[k]]]
    same_sector = bool(preset.extra.get("conflict_same_sector"))
    for side, own, other, p in (("left", left, right, preset.p_conflict[0]), ("right", right, left, preset.p_conflict[1])):
        if p <= 0:
            continue
        by_sector: dict[int, np.ndarray] = {}
        if same_sector:
            for s in np.unique(other.latent.sector):
                by_sector[int(s)] = np.nonzero(other.latent.sector == s)[0]
        chosen = np.nonzero(rng.random(len(own.ids)) < p)[0]
        picks = rng.random((chosen.size, 2))
        two = rng.random(chosen.size) < 0.3
        for r, i in enumerate(chosen):
            pool = by_sector.get(int(own.latent.sector[i])) if same_sector else None
            if pool is None or pool.size == 0:
                pool_size = len(other.ids)
                idx = {int(picks[r, 0] * pool_size), int(picks[r, 1] * pool_size)} if two[r] else {int(picks[r, 0] * pool_size)}
            else:
                idx = {int(pool[int(picks[r, 0] * pool.size)])}
                if two[r]:
                    idx.add(int(pool[int(picks[r, 1] * pool.size)]))
            out[f"{side}_conflicts"][i] = [other.ids[c] for c in sorted(idx)]
    return out


def build_participants(preset: PresetSpec, left: SideDraw, right: SideDraw, truth: GroundTruth, *, seed: int,
                       rng: np.random.Generator, validate: bool = True) -> list[Participant]:
    """Every participant (left side first), validated through the model unless ``validate`` is false."""
    relations = _relations(truth, preset, left, right, rng)
    text_rng = random.Random(zlib.crc32(f"{preset.name}:{seed}:texts".encode()) ^ (seed & 0xFFFFFFFF))
    taken: set[str] = set()
    participants: list[Participant] = []
    for side, draw in (("left", left), ("right", right)):
        latent = draw.latent
        columns = zip(
            draw.ids, draw.role_of.tolist(), draw.region.tolist(), latent.sector.tolist(), latent.languages.tolist(),
            latent.market.tolist(), draw.employees.tolist(), draw.stage_obs.tolist(), draw.serves,
            draw.capacity_min.tolist(), draw.capacity.tolist(), draw.budget_max.tolist(), draw.price_min.tolist(),
            draw.price_max.tolist(), draw.offers_top, draw.seeks_top, draw.offers_tags, draw.seeks_tags, draw.industry,
            draw.availability, relations[f"{side}_wishes"], relations[f"{side}_vetoes"], relations[f"{side}_conflicts"],
        )
        for (pid, role_k, region_k, sector_k, lang_mask, market, employees, stage, serves, cap_min, cap_max, budget,
             price_min, price_max, offers_top, seeks_top, offers, seeks, industry, availability, wishes, vetoes,
             conflicts) in columns:
            spec = draw.specs[role_k]
            region = _REGIONS[region_k]
            sector = SECTOR_NAMES[sector_k]
            langs = _languages_of(lang_mask)
            young = spec.kind in ("oi-startup", "saas")
            ctx = {
                "sector": sector, "region": region, "offers": offers_top, "seeks": seeks_top, "employees": employees,
                "age": 2 + int(text_rng.random() * 8) if young else 5 + int(text_rng.random() * 90),
                "market": market, "stage": stage or None, "serves": serves,
            }
            ja, en = _texts.describe(spec.kind, ctx, text_rng)
            overseas = spec.languages == "overseas"
            if overseas:
                description_ja = ja if "ja" in langs else ""
                description_en = en
            else:
                description_ja = ja
                description_en = en if "en" in langs else ""
            cores = spec.cores or SECTOR_WORDS_CORES[sector]
            name_key = region.ja if spec.name_style == "municipality" else region.country
            organization = _texts.company_name(spec.name_style, cores, name_key, text_rng, taken)
            contacts = []
            domain = "example.com" if overseas else "example.jp"
            for _ in range(1 if text_rng.random() < 0.8 else 2):
                display, local = _texts.person(region.country, text_rng)
                contacts.append({"name": display, "email": f"{local}@{pid.lower()}.{domain}",
                                 "phone": _texts.phone(region.country, text_rng)})
            record: dict[str, Any] = {
                "id": pid, "role": spec.role, "organization": organization, "contacts": contacts,
                "description_ja": description_ja, "description_en": description_en,
                "offers": tuple(offers), "seeks": tuple(seeks), "industry": industry,
                "region": region.code, "country": region.country, "languages": langs, "employees": employees,
                "maturity_stage": stage or None, "serves_stages": serves,
                "budget_min": None, "budget_max": budget if budget >= 0 else None,
                "price_min": price_min if price_min >= 0 else None, "price_max": price_max if price_max >= 0 else None,
                "capacity_min": min(cap_min, cap_max), "capacity_max": cap_max, "availability": availability,
                "wishes": tuple(wishes), "vetoes": tuple(vetoes), "conflicts": tuple(conflicts),
            }
            if validate:
                participants.append(Participant.model_validate(record))
            else:  # the same record, trusted: tests validate every preset through the model at small sizes
                record["contacts"] = tuple(_construct(Contact, c) for c in contacts)
                participants.append(_construct(Participant, record))
    return participants


def _trusted(cls: type, values: dict[str, Any]) -> Any:
    """What ``cls.model_construct(**values)`` builds when ``values`` holds every field (pydantic 2), without its
    per-field alias and default look-ups; :func:`_construct` checks once that both agree."""
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _same_construction() -> bool:
    contact = {"name": "a", "email": "a@b.example.jp", "phone": ""}
    record = {name: info.get_default(call_default_factory=True) for name, info in Participant.model_fields.items()
              if not info.is_required()}
    record.update(id="x-1", role="sme", organization="o", contacts=(Contact.model_construct(**contact),))
    try:
        ours = _trusted(Participant, dict(record))
        theirs = Participant.model_construct(**dict(record))
        return (ours == theirs and ours.model_fields_set == theirs.model_fields_set
                and _trusted(Contact, dict(contact)) == Contact.model_construct(**contact)
                and ours.model_dump() == theirs.model_dump())
    except Exception:  # pragma: no cover - another pydantic layout: use the public API
        return False


_FAST = _same_construction()


def _construct(cls: type, values: dict[str, Any]) -> Any:
    if _FAST and len(values) == len(cls.model_fields):
        return _trusted(cls, values)
    return cls.model_construct(**values)


@lru_cache(maxsize=None)
def _languages_of(mask: int) -> tuple[str, ...]:
    return tuple(code for k, code in enumerate(_LANG_CODES) if mask & (1 << k))


SECTOR_WORDS_CORES = {s: tuple(words["cores"]) for s, words in _texts.SECTOR_WORDS.items()}
