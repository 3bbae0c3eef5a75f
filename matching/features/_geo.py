"""Region, distance and time zone."""

from __future__ import annotations

import math
from typing import Any

from .. import vocabulary as vocab
from ._states import StateEncoder

__all__ = ["RegionEncoder", "distance_km", "utc_offset_hours"]

# Standard-time UTC offsets of the vocabulary's time zones (no tz database needed).
_UTC_OFFSET = {
    "Asia/Tokyo": 9.0,
    "Asia/Seoul": 9.0,
    "Asia/Shanghai": 8.0,
    "Asia/Taipei": 8.0,
    "Asia/Singapore": 8.0,
    "Asia/Kuala_Lumpur": 8.0,
    "Asia/Manila": 8.0,
    "Asia/Bangkok": 7.0,
    "Asia/Ho_Chi_Minh": 7.0,
    "Asia/Jakarta": 7.0,
    "Europe/London": 0.0,
    "Europe/Berlin": 1.0,
    "Europe/Paris": 1.0,
    "Europe/Amsterdam": 1.0,
    "Europe/Rome": 1.0,
    "America/New_York": -5.0,
    "America/Chicago": -6.0,
    "America/Los_Angeles": -8.0,
}


def utc_offset_hours(timezone: str) -> float | None:
    """Standard-time UTC offset of an IANA time zone of the vocabulary (None if unknown)."""
    return _UTC_OFFSET.get(timezone)


def distance_km(a: str, b: str) -> float:
    """Great-circle distance between two regions of the vocabulary, in km."""
    ra, rb = vocab.REGIONS[a], vocab.REGIONS[b]
    p1, p2 = math.radians(ra.lat), math.radians(rb.lat)
    dlat, dlon = p2 - p1, math.radians(rb.lon - ra.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


class RegionEncoder(StateEncoder):
    """Where a participant is: ``(region, country)`` as a state.

    The value of two regions is a weighted sum in [0, 1]::

        same_country * [same country] + same_area * [same area]
        + same_region * [same region]
        + local * exp(-km / local_scale_km) + wide * exp(-km / wide_scale_km)
        + timezone * (1 - min(|hours apart|, 12) / 12)

    (defaults 0.3, 0.1, 0.1, 0.25, 0.15, 0.1 with scales 30 km and 1,000 km:
    the same ward is 1.0, two Tokyo wards 15 km apart about 0.8, Tokyo and
    Osaka about 0.5, Tokyo and Bangkok about 0.09).  The local term is what a
    visit across town costs; the wide one what a trip does.  When a side
    gives only a country: ``same_country + wide + timezone`` if the
    countries are equal, else 0.  Nothing known on a side: ``nan`` (neutral).

    Parameters
    ----------
    same_country, same_area, same_region, local, wide, timezone : float
        Non-negative, summing to 1.
    local_scale_km, wide_scale_km : float
    """

    _prefix = "region"

    def __init__(
        self,
        *,
        same_country: float = 0.3,
        same_area: float = 0.1,
        same_region: float = 0.1,
        local: float = 0.25,
        wide: float = 0.15,
        timezone: float = 0.1,
        local_scale_km: float = 30.0,
        wide_scale_km: float = 1000.0,
    ):
        self.same_country = same_country
        self.same_area = same_area
        self.same_region = same_region
        self.local = local
        self.wide = wide
        self.timezone = timezone
        self.local_scale_km = local_scale_km
        self.wide_scale_km = wide_scale_km

    def _check_params(self) -> None:
        parts = (self.same_country, self.same_area, self.same_region, self.local, self.wide, self.timezone)
        if min(parts) < 0 or abs(sum(parts) - 1.0) > 1e-9:
            raise ValueError(f"the region weights must be >= 0 and sum to 1, got {parts} (sum {sum(parts)})")
        if not (self.local_scale_km > 0 and self.wide_scale_km > 0):
            raise ValueError(f"distance scales must be > 0, got {self.local_scale_km} and {self.wide_scale_km}")

    def _state(self, record: dict[str, Any]) -> tuple[str | None, str | None]:
        region = record["region"] or None
        country = record["country"] or (vocab.REGIONS[region].country if region else None)
        return (region, country)

    def pair_value(self, a: tuple, b: tuple) -> float:
        (ra, ca), (rb, cb) = a, b
        if ca is None or cb is None:
            return float("nan")
        if ra is None or rb is None:
            return float(self.same_country + self.wide + self.timezone) if ca == cb else 0.0
        A, B = vocab.REGIONS[ra], vocab.REGIONS[rb]
        km = distance_km(ra, rb)
        value = self.same_country * (A.country == B.country)
        value += self.same_area * (A.area == B.area)
        value += self.same_region * (ra == rb)
        value += self.local * math.exp(-km / self.local_scale_km)
        value += self.wide * math.exp(-km / self.wide_scale_km)
        oa, ob = utc_offset_hours(A.timezone), utc_offset_hours(B.timezone)
        if oa is not None and ob is not None:
            value += self.timezone * (1 - min(abs(oa - ob), 12.0) / 12.0)
        return float(value)
