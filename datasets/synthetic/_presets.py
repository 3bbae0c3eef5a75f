"""The six programme presets of CONTEXT.md, as plain data.

A preset names, for each side of the round, one or more :class:`RoleSpec`
(which role, what share of the side, which sectors, which tag pools the
latent topics are drawn from, where participants are, what they speak,
capacities, budgets and prices), plus the weights of the compatibility
components (see :mod:`datasets.synthetic._truth`).  :data:`PRESETS` is the
explicit registry; :func:`get_preset` raises on an unknown name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from typing import Mapping

import numpy as np

from matching import vocabulary as vocab
from matching.errors import FieldError, InvalidInput

__all__ = [
    "SectorSpec",
    "SECTORS",
    "SECTOR_NAMES",
    "sector_affinity",
    "MARKETS",
    "market_affinity",
    "STAGE_TAGS",
    "MARKET_TAGS",
    "RoleSpec",
    "SlotSpec",
    "PresetSpec",
    "PRESETS",
    "get_preset",
    "COMPONENTS",
]


@dataclass(frozen=True)
class SectorSpec:
    """A business field: the tags a company of it offers, its industry codes."""

    tags: tuple[str, ...]
    industries: tuple[str, ...]
    ja: str
    en: str


SECTORS: Mapping[str, SectorSpec] = MappingProxyType(
    {
        "machinery": SectorSpec(
            ("precision-machining", "metal-processing", "plastic-molding", "electronics-assembly", "prototyping"),
            ("E24", "E25", "E26", "E22", "E23", "E28", "E29", "E18"), "機械・金属", "machinery and metal"),
        "consumer": SectorSpec(
            ("textile", "ceramics", "woodworking", "traditional-craft"),
            ("E11", "E12", "E13", "E21", "E32", "E20"), "生活用品・工芸", "consumer goods and crafts"),
        "food": SectorSpec(("food-processing",), ("E09", "E10"), "食品", "food"),
        "information": SectorSpec(
            ("ai", "iot", "saas", "data-analytics", "cybersecurity", "erp", "ec-platform", "rpa", "digital-marketing"),
            ("G39", "G391", "G40", "G37"), "情報", "information"),
        "environment": SectorSpec(
            ("energy-saving", "renewable-energy", "recycling", "decarbonization", "water-treatment", "new-materials"),
            ("R88", "F33", "E16", "E26", "E21"), "環境", "environment"),
        "medical": SectorSpec(
            ("medical-devices", "welfare-equipment", "healthcare-it", "nursing-care", "biotech"),
            ("E27", "E274", "P83", "P85"), "医療・福祉", "medical and welfare"),
        "retail": SectorSpec(
            ("retail-channel", "domestic-distribution", "wholesale", "ec-platform"),
            ("I56", "I58", "I60", "M76", "H44"), "小売・サービス", "retail and services"),
        "mobility": SectorSpec(("mobility", "smart-city", "iot"), ("E31", "H43", "H44"), "モビリティ", "mobility"),
        "agri": SectorSpec(("agritech", "food-processing"), ("A01", "E09"), "農業・食", "agriculture and food"),
        "disaster": SectorSpec(("disaster-prevention", "smart-city", "iot"), ("E29", "D06", "G39"), "防災", "disaster prevention"),
    }
)
SECTOR_NAMES: tuple[str, ...] = tuple(SECTORS)

_RELATED = {
    ("machinery", "medical"): 0.3, ("machinery", "environment"): 0.3, ("machinery", "mobility"): 0.4,
    ("machinery", "consumer"): 0.2, ("consumer", "food"): 0.2, ("consumer", "retail"): 0.4, ("food", "retail"): 0.4,
    ("food", "agri"): 0.5, ("environment", "disaster"): 0.3, ("mobility", "information"): 0.4,
    ("disaster", "information"): 0.4, ("medical", "information"): 0.3, ("environment", "agri"): 0.2,
}


def sector_affinity() -> np.ndarray:
    """S x S affinity of sectors: 1 on the diagonal, related fields 0.2-0.5."""
    n = len(SECTOR_NAMES)
    out = np.eye(n)
    index = {s: k for k, s in enumerate(SECTOR_NAMES)}
    for s in SECTOR_NAMES:
        if s != "information":
            out[index[s], index["information"]] = out[index["information"], index[s]] = 0.15
    for (a, b), value in _RELATED.items():
        out[index[a], index[b]] = out[index[b], index[a]] = value
    return out


#: Markets a company sells to / a buyer buys for: index order matters.
MARKETS: tuple[str, ...] = ("domestic", "asean", "asia", "europe", "americas")
MARKET_TAGS = {
    "domestic": ("domestic-distribution", "wholesale", "procurement", "retail-channel"),
    "overseas": ("export", "overseas-sales"),
}


def market_affinity() -> np.ndarray:
    """M x M fit of markets: 1 when equal, 0.3 between ASEAN and East Asia."""
    out = np.eye(len(MARKETS))
    out[1, 2] = out[2, 1] = 0.3
    return out


#: Digital-maturity stage -> tags an SME of that stage needs (and a startup serving it offers).
STAGE_TAGS: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {
        1: ("saas", "cloud-accounting", "reskilling", "cybersecurity"),
        2: ("saas", "rpa", "ec-platform", "erp", "reskilling"),
        3: ("data-analytics", "rpa", "erp", "iot", "digital-marketing"),
        4: ("ai", "data-analytics", "dx-consulting", "iot", "digital-marketing"),
    }
)

#: A source of tag weights: ``"sector"``, ``"stage"``, ``"market"`` or a tuple of tag names.
TagSource = tuple[object, float]


@dataclass(frozen=True)
class RoleSpec:
    """How to draw the participants of one role (and kind) on one side."""

    role: str
    kind: str
    prefix: str
    share: float
    sectors: Mapping[str, float]
    offers: tuple[TagSource, ...]
    seeks: tuple[TagSource, ...]
    n_offers: tuple[int, int]
    n_seeks: tuple[int, int]
    areas: Mapping[str, float]
    employees: tuple[float, float, int, int]  # median, log-sigma, min, max
    capacity: tuple[int, ...]  # capacity_max values, drawn with capacity_p
    capacity_p: tuple[float, ...]
    name_style: str  # ja, ja-startup, en, designer, municipality
    cores: tuple[tuple[str, str], ...] = ()  # name cores; empty: the sector's
    industries: Mapping[str, tuple[str, ...]] | None = None  # sector -> codes override
    languages: str = "domestic"  # domestic | overseas
    p_en: float = 0.3  # domestic: speaks English / writes an English description
    p_ja: float = 0.1  # overseas: speaks Japanese
    markets: Mapping[str, float] | None = None  # None: the region's own market
    budget: tuple[float, float] | None = None  # median, log-sigma (yen)
    price: tuple[float, float] | None = None
    price_per_employee: bool = False
    stage: bool = False  # draws a digital-maturity stage
    serves: bool = False  # draws a served-stage window
    p_full_availability: float = 1.0
    capacity_min: int = 0


@dataclass(frozen=True)
class SlotSpec:
    """A one-day timetable: slot starts (local time), meeting length, UTC offset."""

    day: date
    starts: tuple[time, ...]
    minutes: int
    utc_offset_hours: int
    tz_name: str
    tables: int
    base_size: int  # tables scale with the left side: tables * n_left / base_size


@dataclass(frozen=True)
class PresetSpec:
    """A programme preset: both sides, the component weights, the round rules."""

    name: str
    title_ja: str
    title_en: str
    summary: str
    n_left: int
    n_right: int
    left: tuple[RoleSpec, ...]
    right: tuple[RoleSpec, ...]
    weights: Mapping[str, float]
    payer: str | None = None  # "left" | "right" | None: who pays (budget) and who charges (price)
    distance_km: float = 30.0
    interpreter_languages: tuple[str, ...] = ()
    slots: SlotSpec | None = None
    left_capacity: tuple[int, int] = (0, 1)
    right_capacity: tuple[int, int] = (0, 1)
    cover_left: bool = False  # right capacities sum to >= n_left (reskilling)
    p_wish: tuple[float, float] = (0.2, 0.1)
    p_veto: tuple[float, float] = (0.03, 0.03)
    p_conflict: tuple[float, float] = (0.02, 0.01)
    extra: Mapping[str, object] = field(default_factory=dict)


#: Names of the compatibility components, in the order of :func:`PresetSpec.weights`.
COMPONENTS: tuple[str, ...] = ("topic_left", "topic_right", "sector", "language", "distance", "stage", "budget", "market")

_DESIGN = ("product-design", "package-design", "branding")
_DESIGN_2 = ("industrial-design", "graphic-design", "web-design")
_DESIGN_3 = ("ux-design", "interior-design")
_DESIGN_SOURCES = ((_DESIGN, 1.0), (_DESIGN_2, 0.5), (_DESIGN_3, 0.25))
_FOUR_FIELDS = {"information": 0.25, "environment": 0.25, "medical": 0.25, "machinery": 0.25}
_TOKYO = {"tokyo-23": 0.65, "tama": 0.25, "japan": 0.10}
_TRADING_CORES = (("商事", "Trading"), ("物産", "Bussan"), ("貿易", "Trading"), ("商会", "Shokai"), ("インターナショナル", "International"))
_OVERSEAS_CORES = (("Trading", "Trading"), ("Imports", "Imports"), ("Distribution", "Distribution"),
                   ("Supply", "Supply"), ("Industrial", "Industrial"), ("Healthcare", "Healthcare"))
_STARTUP_CORES = (("ワークス", "Works"), ("テック", "Tech"), ("ラボ", "Labs"), ("デジタル", "Digital"), ("ソリューションズ", "Solutions"))
_CORP_CORES = (("ホールディングス", "Holdings"), ("電機", "Electric"), ("重工業", "Heavy Industries"),
               ("不動産", "Realty"), ("鉄道", "Railway"), ("化学", "Chemical"))
_DESIGNER_CORES = (("デザイン事務所", "Design Office"), ("デザインスタジオ", "Design Studio"), ("アトリエ", "Atelier"),
                   ("クリエイティブ", "Creative"), ("デザイン", "Design"))
_FUND_CORES = (("キャピタル", "Capital"), ("ホールディングス", "Holdings"), ("パートナーズ", "Partners"))


def _fair_buyers(share_domestic: float, share_trading: float, share_overseas: float, sectors: Mapping[str, float],
                 capacity: tuple[int, ...], capacity_p: tuple[float, ...], p_full: float) -> tuple[RoleSpec, ...]:
    common = dict(sectors=sectors, seeks=(("sector", 1.0),), n_seeks=(1, 3), capacity=capacity, capacity_p=capacity_p,
                  p_full_availability=p_full)
    return (
        RoleSpec(role="buyer", kind="buyer-domestic", prefix="buy", share=share_domestic,
                 offers=(("market", 1.0),), n_offers=(1, 2), areas=_TOKYO, employees=(400, 1.2, 20, 50000),
                 name_style="ja", cores=(("工業", "Industries"), ("電機", "Electric"), ("製作所", "Works"), ("ストアーズ", "Stores")),
                 p_en=0.3, markets={"domestic": 1.0}, **common),
        RoleSpec(role="buyer", kind="trading", prefix="trd", share=share_trading,
                 offers=(("market", 1.0), (("wholesale",), 0.5)), n_offers=(1, 3), areas={"tokyo-23": 0.85, "japan": 0.15},
                 employees=(80, 1.0, 5, 5000), name_style="ja", cores=_TRADING_CORES, p_en=0.7,
                 industries={"information": ("I50", "I54"), "environment": ("I53", "I55"), "medical": ("I55",),
                             "machinery": ("I54", "I53"), "consumer": ("I51", "I55"), "food": ("I52",)},
                 markets={"domestic": 0.5, "asean": 0.25, "asia": 0.1, "europe": 0.08, "americas": 0.07}, **common),
        RoleSpec(role="buyer", kind="buyer-overseas", prefix="ovs", share=share_overseas,
                 offers=((("procurement", "wholesale", "overseas-sales"), 1.0),), n_offers=(1, 2),
                 areas={"asean": 0.5, "asia": 0.2, "europe": 0.15, "americas": 0.15}, employees=(60, 1.2, 3, 20000),
                 name_style="en", cores=_OVERSEAS_CORES, languages="overseas", p_ja=0.12,
                 industries={s: ("I50", "I55") for s in SECTOR_NAMES}, **common),
    )


PRESETS: Mapping[str, PresetSpec] = MappingProxyType(
    {
        "design": PresetSpec(
            name="design",
            title_ja="デザイン・コラボマッチング",
            title_en="Design collaboration matching",
            summary="SMEs with a technology, material or product meet designers willing to collaborate.",
            n_left=300,
            n_right=300,
            left=(
                RoleSpec(role="sme", kind="maker", prefix="sme", share=1.0,
                         sectors={"machinery": 0.35, "consumer": 0.35, "food": 0.15, "medical": 0.08, "environment": 0.07},
                         offers=(("sector", 1.0), (("prototyping", "oem", "new-materials"), 0.1)), n_offers=(1, 3),
                         seeks=(*_DESIGN_SOURCES, (("joint-development", "crowdfunding", "retail-channel"), 0.2)), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.7, "tama": 0.25, "japan": 0.05}, employees=(25, 1.0, 1, 300),
                         capacity=(1, 2, 3), capacity_p=(0.6, 0.3, 0.1), name_style="ja", p_en=0.35,
                         budget=(1_000_000, 0.6)),
            ),
            right=(
                RoleSpec(role="designer", kind="designer", prefix="des", share=1.0,
                         sectors={"machinery": 0.3, "consumer": 0.4, "food": 0.15, "medical": 0.08, "environment": 0.07},
                         offers=_DESIGN_SOURCES, n_offers=(1, 3),
                         seeks=(("sector", 1.0), (("joint-development", "traditional-craft"), 0.15)), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.8, "tama": 0.15, "japan": 0.05}, employees=(2, 0.8, 1, 30),
                         capacity=(1, 2, 3), capacity_p=(0.5, 0.35, 0.15), name_style="designer", cores=_DESIGNER_CORES,
                         industries={s: ("L726",) for s in SECTOR_NAMES}, p_en=0.45, price=(600_000, 0.6)),
            ),
            weights={"topic_left": 1.0, "topic_right": 0.7, "sector": 0.4, "distance": 0.15, "budget": 0.3},
            payer="left",
            left_capacity=(0, 1),
            right_capacity=(0, 1),
            p_wish=(0.2, 0.1),
        ),
        "reskilling": PresetSpec(
            name="reskilling",
            title_ja="チーム・デジタル・プラクティス（リスキリング）",
            title_en="Team Digital Practice (reskilling startups)",
            summary="SMEs not yet digitalised (maturity stage 1-4, about 1M yen of support each) are assigned to "
                    "reskilling/SaaS startups with capacities.",
            n_left=100,
            n_right=8,
            left=(
                RoleSpec(role="sme", kind="reskill-sme", prefix="sme", share=1.0,
                         sectors={"retail": 0.3, "food": 0.2, "machinery": 0.25, "consumer": 0.15, "medical": 0.1},
                         offers=(("sector", 1.0),), n_offers=(1, 2), seeks=(("stage", 1.0),), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.65, "tama": 0.35}, employees=(15, 0.9, 1, 300),
                         capacity=(1,), capacity_p=(1.0,), capacity_min=1, name_style="ja", p_en=0.15,
                         budget=(1_000_000, 0.0), stage=True),
            ),
            right=(
                RoleSpec(role="startup", kind="saas", prefix="stu", share=1.0,
                         sectors={"retail": 0.25, "food": 0.2, "machinery": 0.25, "consumer": 0.15, "medical": 0.15},
                         offers=(("stage", 1.0), (("dx-consulting", "reskilling"), 0.2)), n_offers=(2, 4),
                         seeks=(("sector", 1.0),), n_seeks=(1, 2),
                         areas={"tokyo-shibuya": 0.3, "tokyo-minato": 0.3, "tokyo-chiyoda": 0.2, "tokyo-shinagawa": 0.2},
                         employees=(30, 0.8, 3, 300), capacity=(13,), capacity_p=(1.0,), name_style="ja-startup",
                         cores=_STARTUP_CORES, industries={s: ("G39", "G391", "G40") for s in SECTOR_NAMES}, p_en=0.5,
                         price=(850_000, 0.25), serves=True),
            ),
            weights={"topic_left": 1.0, "topic_right": 0.4, "sector": 0.2, "stage": 0.8, "budget": 0.4},
            payer="left",
            left_capacity=(1, 1),
            right_capacity=(0, 13),
            cover_left=True,
            p_wish=(0.1, 0.0),
            p_veto=(0.02, 0.0),
            p_conflict=(0.0, 0.0),
        ),
        "industry-fair": PresetSpec(
            name="industry-fair",
            title_ja="産業交流展 マッチング商談会",
            title_en="Industry exchange fair business matching",
            summary="Exhibiting SMEs in four fields meet domestic buyers, trading companies and some overseas buyers "
                    "in 12 twenty-minute slots at tables.",
            n_left=647,
            n_right=2000,
            left=(
                RoleSpec(role="sme", kind="exhibitor", prefix="exh", share=1.0, sectors=_FOUR_FIELDS,
                         offers=(("sector", 1.0),), n_offers=(1, 3),
                         seeks=(("market", 1.0), (("oem", "trade-fair"), 0.25)), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.6, "tama": 0.3, "japan": 0.1}, employees=(30, 1.0, 1, 300),
                         capacity=(6, 8, 10, 12), capacity_p=(0.2, 0.3, 0.3, 0.2), name_style="ja", p_en=0.3,
                         markets={"domestic": 0.8, "asean": 0.1, "asia": 0.05, "europe": 0.03, "americas": 0.02},
                         p_full_availability=0.85),
            ),
            right=_fair_buyers(0.6, 0.3, 0.1, _FOUR_FIELDS, (1, 2, 3, 4, 6), (0.25, 0.3, 0.2, 0.15, 0.1), 0.3),
            weights={"topic_left": 0.6, "topic_right": 1.0, "sector": 0.6, "language": 0.4, "market": 0.5},
            interpreter_languages=("en", "zh"),
            slots=SlotSpec(day=date(2026, 11, 18),
                           starts=tuple(time(h, m) for h in (10, 11) for m in (0, 20, 40))
                           + tuple(time(h, m) for h in (13, 14) for m in (0, 20, 40)),
                           minutes=20, utc_offset_hours=9, tz_name="JST", tables=120, base_size=647),
            left_capacity=(0, 12),
            right_capacity=(0, 6),
            p_wish=(0.3, 0.2),
        ),
        "overseas": PresetSpec(
            name="overseas",
            title_ja="海外展開支援 海外見本市 事前マッチング",
            title_en="Overseas expansion: pre-matched meetings at an overseas fair",
            summary="SMEs with export potential meet overseas buyers and specialised trading companies; "
                    "languages and interpreters matter.",
            n_left=25,
            n_right=60,
            left=(
                RoleSpec(role="sme", kind="exporter", prefix="sme", share=1.0,
                         sectors={"medical": 0.3, "environment": 0.3, "consumer": 0.2, "food": 0.1, "machinery": 0.1},
                         offers=(("sector", 1.0),), n_offers=(1, 3),
                         seeks=(("market", 1.0), (("trade-fair", "oem"), 0.2)), n_seeks=(1, 2),
                         areas={"tokyo-23": 0.6, "tama": 0.3, "japan": 0.1}, employees=(40, 0.9, 3, 300),
                         capacity=(4, 6, 8), capacity_p=(0.3, 0.4, 0.3), name_style="ja", p_en=0.4,
                         markets={"asean": 0.45, "asia": 0.15, "europe": 0.25, "americas": 0.15}),
            ),
            right=(
                RoleSpec(role="buyer", kind="buyer-overseas", prefix="ovs", share=0.8,
                         sectors={"medical": 0.3, "environment": 0.3, "consumer": 0.2, "food": 0.1, "machinery": 0.1},
                         offers=((("procurement", "wholesale", "overseas-sales"), 1.0),), n_offers=(1, 2),
                         seeks=(("sector", 1.0),), n_seeks=(1, 3),
                         areas={"asean": 0.55, "asia": 0.1, "europe": 0.2, "americas": 0.15}, employees=(60, 1.2, 3, 20000),
                         capacity=(2, 4, 6, 8), capacity_p=(0.25, 0.35, 0.25, 0.15), name_style="en", cores=_OVERSEAS_CORES,
                         languages="overseas", p_ja=0.1, industries={s: ("I50", "I55") for s in SECTOR_NAMES},
                         p_full_availability=0.5),
                RoleSpec(role="buyer", kind="trading", prefix="trd", share=0.2,
                         sectors={"medical": 0.3, "environment": 0.3, "consumer": 0.2, "food": 0.1, "machinery": 0.1},
                         offers=(("market", 1.0), (("wholesale",), 0.5)), n_offers=(1, 3), seeks=(("sector", 1.0),),
                         n_seeks=(1, 3), areas={"tokyo-23": 1.0}, employees=(80, 1.0, 5, 5000),
                         capacity=(2, 4, 6), capacity_p=(0.3, 0.4, 0.3), name_style="ja", cores=_TRADING_CORES, p_en=0.8,
                         industries={"environment": ("I53", "I55"), "medical": ("I55",), "machinery": ("I54",),
                                     "consumer": ("I51", "I55"), "food": ("I52",)},
                         markets={"asean": 0.45, "asia": 0.15, "europe": 0.25, "americas": 0.15}, p_full_availability=0.6),
            ),
            weights={"topic_left": 0.5, "topic_right": 1.0, "sector": 0.5, "language": 0.8, "market": 0.8},
            interpreter_languages=("en",),
            slots=SlotSpec(day=date(2026, 9, 9), starts=tuple(time(h, m) for h in (10, 11, 14, 15) for m in (0, 30)),
                           minutes=30, utc_offset_hours=7, tz_name="ICT", tables=15, base_size=25),
            left_capacity=(0, 8),
            right_capacity=(0, 8),
            p_wish=(0.4, 0.3),
        ),
        "succession": PresetSpec(
            name="succession",
            title_ja="事業承継・M&Aマッチング",
            title_en="Business succession (M&A) matching",
            summary="Owners selling a business are recommended one acquirer each, avoiding conflicts of interest "
                    "(competitors, existing ties).",
            n_left=200,
            n_right=200,
            left=(
                RoleSpec(role="seller", kind="seller", prefix="sel", share=1.0,
                         sectors={"machinery": 0.3, "consumer": 0.15, "food": 0.15, "retail": 0.25, "medical": 0.1,
                                  "environment": 0.05},
                         offers=(("sector", 1.0), (("business-succession",), 0.6)), n_offers=(2, 3),
                         seeks=((("m-and-a", "management-talent", "funding"), 1.0),), n_seeks=(1, 2),
                         areas={"tokyo-23": 0.5, "tama": 0.3, "japan": 0.2}, employees=(12, 0.9, 2, 150),
                         capacity=(1,), capacity_p=(1.0,), name_style="ja", p_en=0.05,
                         price=(8_000_000, 0.6), price_per_employee=True),
            ),
            right=(
                RoleSpec(role="acquirer", kind="acquirer", prefix="acq", share=1.0,
                         sectors={"machinery": 0.3, "consumer": 0.15, "food": 0.15, "retail": 0.25, "medical": 0.1,
                                  "environment": 0.05},
                         offers=((("funding", "management-talent", "m-and-a"), 1.0),), n_offers=(1, 2),
                         seeks=(("sector", 1.0), (("acquisition",), 0.6)), n_seeks=(2, 3),
                         areas={"tokyo-23": 0.6, "tama": 0.2, "japan": 0.2}, employees=(60, 1.2, 3, 5000),
                         capacity=(1,), capacity_p=(1.0,), name_style="ja", p_en=0.2, budget=(120_000_000, 1.0)),
            ),
            weights={"topic_left": 0.4, "topic_right": 0.8, "sector": 0.9, "distance": 0.4, "budget": 0.7},
            payer="right",
            distance_km=50.0,
            p_wish=(0.1, 0.1),
            p_veto=(0.03, 0.02),
            p_conflict=(0.15, 0.05),
            extra={"conflict_same_sector": True},
        ),
        "open-innovation": PresetSpec(
            name="open-innovation",
            title_ja="オープンイノベーション・社会課題解決型スタートアップ支援",
            title_en="Open innovation and social-issue startups",
            summary="Startups meet SMEs offering test fields, municipalities and large corporates; many-to-many.",
            n_left=50,
            n_right=60,
            left=(
                RoleSpec(role="startup", kind="oi-startup", prefix="stu", share=1.0,
                         sectors={"mobility": 0.2, "agri": 0.15, "disaster": 0.15, "medical": 0.2, "environment": 0.2,
                                  "information": 0.1},
                         offers=(("sector", 1.0), (("ai", "iot", "data-analytics"), 0.15)), n_offers=(1, 3),
                         seeks=((("test-field", "poc"), 1.0), (("joint-development", "funding"), 0.6)), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.8, "tama": 0.2}, employees=(10, 0.8, 2, 200),
                         capacity=(1, 2, 3, 4, 5), capacity_p=(0.2, 0.3, 0.25, 0.15, 0.1), name_style="ja-startup",
                         cores=_STARTUP_CORES, p_en=0.6),
            ),
            right=(
                RoleSpec(role="sme", kind="oi-sme", prefix="sme", share=0.35,
                         sectors={"mobility": 0.2, "agri": 0.2, "disaster": 0.1, "medical": 0.2, "environment": 0.3},
                         offers=((("test-field", "joint-development"), 1.0), (("procurement",), 0.3)), n_offers=(1, 2),
                         seeks=(("sector", 1.0), (("social-issue",), 0.3)), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.5, "tama": 0.4, "japan": 0.1}, employees=(40, 0.9, 3, 300),
                         capacity=(1, 2, 3), capacity_p=(0.4, 0.4, 0.2), name_style="ja", p_en=0.2),
                RoleSpec(role="municipality", kind="municipality", prefix="mun", share=0.25,
                         sectors={"mobility": 0.25, "agri": 0.15, "disaster": 0.3, "medical": 0.2, "environment": 0.1},
                         offers=((("test-field", "poc"), 1.0),), n_offers=(1, 2),
                         seeks=(("sector", 1.0), (("social-issue", "smart-city"), 0.4)), n_seeks=(1, 3),
                         areas={"tokyo-23": 0.6, "tama": 0.4}, employees=(1500, 0.6, 200, 20000),
                         capacity=(1, 2, 3, 4), capacity_p=(0.2, 0.4, 0.3, 0.1), name_style="municipality",
                         industries={s: ("S98",) for s in SECTOR_NAMES}, p_en=0.1),
                RoleSpec(role="corporate", kind="corporate", prefix="cor", share=0.4,
                         sectors={"mobility": 0.25, "agri": 0.1, "disaster": 0.15, "medical": 0.25, "environment": 0.25},
                         offers=((("joint-development", "funding", "poc"), 1.0), (("procurement",), 0.4)), n_offers=(1, 3),
                         seeks=(("sector", 1.0),), n_seeks=(1, 3), areas={"tokyo-23": 0.9, "japan": 0.1},
                         employees=(3000, 0.8, 300, 100000), capacity=(2, 3, 4, 5), capacity_p=(0.3, 0.3, 0.25, 0.15),
                         name_style="ja", cores=_CORP_CORES, p_en=0.7),
            ),
            weights={"topic_left": 0.8, "topic_right": 1.0, "sector": 0.4, "distance": 0.2},
            left_capacity=(0, 3),
            right_capacity=(0, 3),
            p_wish=(0.3, 0.2),
        ),
    }
)


def get_preset(name: str) -> PresetSpec:
    """The preset called ``name``; an unknown name lists the known ones."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        known = ", ".join(PRESETS)
        raise InvalidInput(
            [FieldError("preset", name, f"is not a known preset{vocab.suggest(str(name), PRESETS)}; known presets: {known}")],
            f"unknown preset {name!r}; known presets: {known}",
        ) from None


def _check() -> None:
    """Import-time sanity: every tag, sector and area named above exists."""
    for preset in PRESETS.values():
        assert set(preset.weights) <= set(COMPONENTS), preset.name
        for spec in (*preset.left, *preset.right):
            assert set(spec.sectors) <= set(SECTORS), (preset.name, spec.kind)
            for source, _ in (*spec.offers, *spec.seeks):
                if not isinstance(source, str):
                    assert all(t in vocab.TAGS for t in source), (preset.name, source)
                else:
                    assert source in ("sector", "stage", "market"), source
            for area in spec.areas:
                assert area in vocab.REGIONS or any(r.area == area for r in vocab.REGIONS.values()), area
    for sector in SECTORS.values():
        assert all(t in vocab.TAGS for t in sector.tags), sector
    for tags in (*STAGE_TAGS.values(), *MARKET_TAGS.values()):
        assert all(t in vocab.TAGS for t in tags), tags


_check()
