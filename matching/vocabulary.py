"""The shared vocabulary every profile draws from.

Tags, industries (JSIC-like codes), regions, languages and the default
participant roles live here as plain data.  Roles are data: a programme may
use any role name that matches :data:`ROLE_PATTERN`; :data:`DEFAULT_ROLES`
are the ones the six programmes in ``CONTEXT.md`` use.

Everything is immutable and looked up through the helpers at the bottom,
which raise ``KeyError`` for unknown names (no silent fall-backs).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

__all__ = [
    "DEFAULT_ROLES",
    "ROLE_PATTERN",
    "Tag",
    "TAGS",
    "TAG_THEMES",
    "Division",
    "DIVISIONS",
    "division_of",
    "Region",
    "REGIONS",
    "LANGUAGES",
    "MATURITY_STAGES",
    "SIZE_CLASSES",
    "size_class",
    "suggest",
]

#: Role names are lower-case identifiers; any such name is a valid role.
ROLE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"

#: The roles of the programmes in CONTEXT.md (Japanese label, English label).
DEFAULT_ROLES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "sme": ("中小企業", "SME"),
        "startup": ("スタートアップ", "startup"),
        "designer": ("デザイナー", "designer"),
        "buyer": ("バイヤー", "buyer"),
        "corporate": ("大企業", "corporate"),
        "municipality": ("自治体", "municipality"),
        "seller": ("譲渡希望企業", "business seller"),
        "acquirer": ("譲受希望企業", "acquirer"),
    }
)


@dataclass(frozen=True)
class Tag:
    """One offer/seek tag of the shared vocabulary."""

    name: str
    theme: str
    ja: str
    en: str


def _tags(theme: str, rows: list[tuple[str, str, str]]) -> list[Tag]:
    return [Tag(name, theme, ja, en) for name, ja, en in rows]


_TAG_LIST: list[Tag] = [
    *_tags(
        "digital",
        [
            ("saas", "SaaS導入", "SaaS adoption"),
            ("dx-consulting", "DXコンサルティング", "DX consulting"),
            ("ai", "AI活用", "applied AI"),
            ("iot", "IoT", "IoT"),
            ("erp", "基幹システム", "ERP systems"),
            ("ec-platform", "ECサイト構築", "e-commerce platform"),
            ("cloud-accounting", "クラウド会計", "cloud accounting"),
            ("rpa", "業務自動化(RPA)", "process automation (RPA)"),
            ("data-analytics", "データ分析", "data analytics"),
            ("cybersecurity", "情報セキュリティ", "cybersecurity"),
            ("reskilling", "リスキリング研修", "reskilling training"),
            ("digital-marketing", "デジタルマーケティング", "digital marketing"),
        ],
    ),
    *_tags(
        "design",
        [
            ("product-design", "プロダクトデザイン", "product design"),
            ("package-design", "パッケージデザイン", "package design"),
            ("branding", "ブランディング", "branding"),
            ("ux-design", "UXデザイン", "UX design"),
            ("graphic-design", "グラフィックデザイン", "graphic design"),
            ("industrial-design", "工業デザイン", "industrial design"),
            ("interior-design", "インテリアデザイン", "interior design"),
            ("web-design", "ウェブデザイン", "web design"),
        ],
    ),
    *_tags(
        "manufacturing",
        [
            ("precision-machining", "精密加工", "precision machining"),
            ("metal-processing", "金属加工", "metal processing"),
            ("plastic-molding", "樹脂成形", "plastic molding"),
            ("textile", "繊維・テキスタイル", "textiles"),
            ("ceramics", "陶磁器", "ceramics"),
            ("woodworking", "木工", "woodworking"),
            ("electronics-assembly", "電子機器組立", "electronics assembly"),
            ("prototyping", "試作", "prototyping"),
            ("traditional-craft", "伝統工芸", "traditional crafts"),
            ("food-processing", "食品加工", "food processing"),
        ],
    ),
    *_tags(
        "environment",
        [
            ("energy-saving", "省エネ", "energy saving"),
            ("renewable-energy", "再生可能エネルギー", "renewable energy"),
            ("recycling", "リサイクル", "recycling"),
            ("decarbonization", "脱炭素", "decarbonisation"),
            ("water-treatment", "水処理", "water treatment"),
            ("new-materials", "新素材", "new materials"),
        ],
    ),
    *_tags(
        "medical",
        [
            ("medical-devices", "医療機器", "medical devices"),
            ("welfare-equipment", "福祉機器", "welfare equipment"),
            ("healthcare-it", "ヘルスケアIT", "healthcare IT"),
            ("nursing-care", "介護", "nursing care"),
            ("biotech", "バイオ", "biotechnology"),
        ],
    ),
    *_tags(
        "market",
        [
            ("export", "輸出", "export"),
            ("overseas-sales", "海外販路", "overseas sales channels"),
            ("domestic-distribution", "国内流通", "domestic distribution"),
            ("oem", "OEM受託", "OEM manufacturing"),
            ("wholesale", "卸売", "wholesale"),
            ("retail-channel", "小売販路", "retail channels"),
            ("crowdfunding", "クラウドファンディング", "crowdfunding"),
            ("procurement", "調達", "procurement"),
            ("trade-fair", "展示会出展", "trade-fair exhibiting"),
        ],
    ),
    *_tags(
        "succession",
        [
            ("business-succession", "事業承継", "business succession"),
            ("m-and-a", "M&A", "M&A"),
            ("acquisition", "事業買収", "acquisition"),
            ("funding", "資金調達", "funding"),
            ("management-talent", "経営人材", "management talent"),
        ],
    ),
    *_tags(
        "open-innovation",
        [
            ("test-field", "実証フィールド", "test field"),
            ("poc", "PoC(実証実験)", "proof of concept"),
            ("joint-development", "共同開発", "joint development"),
            ("social-issue", "社会課題解決", "social-issue solutions"),
            ("smart-city", "スマートシティ", "smart city"),
            ("mobility", "モビリティ", "mobility"),
            ("agritech", "アグリテック", "agritech"),
            ("disaster-prevention", "防災", "disaster prevention"),
        ],
    ),
]

TAGS: Mapping[str, Tag] = MappingProxyType({t.name: t for t in _TAG_LIST})
TAG_THEMES: tuple[str, ...] = tuple(dict.fromkeys(t.theme for t in _TAG_LIST))


@dataclass(frozen=True)
class Division:
    """A JSIC division (大分類): a letter and its two-digit major groups."""

    code: str
    ja: str
    en: str
    first_group: int
    last_group: int


DIVISIONS: Mapping[str, Division] = MappingProxyType(
    {
        d.code: d
        for d in [
            Division("A", "農業，林業", "agriculture and forestry", 1, 2),
            Division("B", "漁業", "fisheries", 3, 4),
            Division("C", "鉱業，採石業，砂利採取業", "mining and quarrying", 5, 5),
            Division("D", "建設業", "construction", 6, 8),
            Division("E", "製造業", "manufacturing", 9, 32),
            Division("F", "電気・ガス・熱供給・水道業", "electricity, gas, heat and water", 33, 36),
            Division("G", "情報通信業", "information and communications", 37, 41),
            Division("H", "運輸業，郵便業", "transport and postal activities", 42, 49),
            Division("I", "卸売業，小売業", "wholesale and retail trade", 50, 61),
            Division("J", "金融業，保険業", "finance and insurance", 62, 67),
            Division("K", "不動産業，物品賃貸業", "real estate and goods rental", 68, 70),
            Division("L", "学術研究，専門・技術サービス業", "scientific research, professional and technical services", 71, 74),
            Division("M", "宿泊業，飲食サービス業", "accommodations, eating and drinking services", 75, 77),
            Division("N", "生活関連サービス業，娯楽業", "living-related and personal services, amusement", 78, 80),
            Division("O", "教育，学習支援業", "education, learning support", 81, 82),
            Division("P", "医療，福祉", "medical, health care and welfare", 83, 85),
            Division("Q", "複合サービス事業", "compound services", 86, 87),
            Division("R", "サービス業（他に分類されないもの）", "services, n.e.c.", 88, 96),
            Division("S", "公務", "government", 97, 98),
            Division("T", "分類不能の産業", "industries unable to classify", 99, 99),
        ]
    }
)

#: JSIC-like industry codes: a division letter, optionally followed by the
#: two-digit major group and one or two more digits ("E", "E25", "E259", "E2592").
INDUSTRY_PATTERN = r"^[A-T](\d{2}(\d{1,2})?)?$"


def division_of(code: str) -> str:
    """The division letter of a JSIC-like industry code (``"E2592"`` → ``"E"``)."""
    if not code or code[0] not in DIVISIONS:
        raise KeyError(f"unknown industry code {code!r}")
    return code[0]


@dataclass(frozen=True)
class Region:
    """A region participants come from: where it is and which clock it keeps."""

    code: str
    ja: str
    en: str
    country: str
    lat: float
    lon: float
    timezone: str
    area: str  # tokyo-23, tama, japan, asean, europe, americas, asia


def _regions(area: str, rows: list[tuple]) -> list[Region]:
    return [Region(code, ja, en, country, lat, lon, tz, area) for code, ja, en, country, lat, lon, tz in rows]


_JST = "Asia/Tokyo"
_REGION_LIST: list[Region] = [
    *_regions(
        "tokyo-23",
        [
            ("tokyo-chiyoda", "千代田区", "Chiyoda", "JP", 35.694, 139.754, _JST),
            ("tokyo-chuo", "中央区", "Chuo", "JP", 35.671, 139.772, _JST),
            ("tokyo-minato", "港区", "Minato", "JP", 35.658, 139.751, _JST),
            ("tokyo-shinjuku", "新宿区", "Shinjuku", "JP", 35.694, 139.703, _JST),
            ("tokyo-shibuya", "渋谷区", "Shibuya", "JP", 35.664, 139.698, _JST),
            ("tokyo-taito", "台東区", "Taito", "JP", 35.713, 139.780, _JST),
            ("tokyo-sumida", "墨田区", "Sumida", "JP", 35.711, 139.801, _JST),
            ("tokyo-koto", "江東区", "Koto", "JP", 35.673, 139.817, _JST),
            ("tokyo-shinagawa", "品川区", "Shinagawa", "JP", 35.609, 139.730, _JST),
            ("tokyo-ota", "大田区", "Ota", "JP", 35.561, 139.716, _JST),
            ("tokyo-setagaya", "世田谷区", "Setagaya", "JP", 35.646, 139.653, _JST),
            ("tokyo-itabashi", "板橋区", "Itabashi", "JP", 35.751, 139.709, _JST),
            ("tokyo-adachi", "足立区", "Adachi", "JP", 35.775, 139.804, _JST),
            ("tokyo-katsushika", "葛飾区", "Katsushika", "JP", 35.743, 139.847, _JST),
            ("tokyo-edogawa", "江戸川区", "Edogawa", "JP", 35.707, 139.868, _JST),
        ],
    ),
    *_regions(
        "tama",
        [
            ("tokyo-hachioji", "八王子市", "Hachioji", "JP", 35.666, 139.316, _JST),
            ("tokyo-tachikawa", "立川市", "Tachikawa", "JP", 35.698, 139.414, _JST),
            ("tokyo-mitaka", "三鷹市", "Mitaka", "JP", 35.684, 139.560, _JST),
            ("tokyo-fuchu", "府中市", "Fuchu", "JP", 35.669, 139.478, _JST),
            ("tokyo-machida", "町田市", "Machida", "JP", 35.548, 139.439, _JST),
            ("tokyo-ome", "青梅市", "Ome", "JP", 35.788, 139.276, _JST),
        ],
    ),
    *_regions(
        "japan",
        [
            ("kanagawa", "神奈川県", "Kanagawa", "JP", 35.448, 139.643, _JST),
            ("saitama", "埼玉県", "Saitama", "JP", 35.857, 139.649, _JST),
            ("chiba", "千葉県", "Chiba", "JP", 35.605, 140.123, _JST),
            ("osaka", "大阪府", "Osaka", "JP", 34.686, 135.520, _JST),
            ("aichi", "愛知県", "Aichi", "JP", 35.180, 136.907, _JST),
            ("fukuoka", "福岡県", "Fukuoka", "JP", 33.607, 130.418, _JST),
        ],
    ),
    *_regions(
        "asean",
        [
            ("th-bangkok", "バンコク", "Bangkok", "TH", 13.756, 100.502, "Asia/Bangkok"),
            ("vn-hanoi", "ハノイ", "Hanoi", "VN", 21.028, 105.834, "Asia/Ho_Chi_Minh"),
            ("vn-hcmc", "ホーチミン", "Ho Chi Minh City", "VN", 10.823, 106.630, "Asia/Ho_Chi_Minh"),
            ("id-jakarta", "ジャカルタ", "Jakarta", "ID", -6.208, 106.846, "Asia/Jakarta"),
            ("sg-singapore", "シンガポール", "Singapore", "SG", 1.352, 103.820, "Asia/Singapore"),
            ("my-kuala-lumpur", "クアラルンプール", "Kuala Lumpur", "MY", 3.139, 101.687, "Asia/Kuala_Lumpur"),
            ("ph-manila", "マニラ", "Manila", "PH", 14.600, 120.984, "Asia/Manila"),
        ],
    ),
    *_regions(
        "asia",
        [
            ("tw-taipei", "台北", "Taipei", "TW", 25.033, 121.565, "Asia/Taipei"),
            ("kr-seoul", "ソウル", "Seoul", "KR", 37.567, 126.978, "Asia/Seoul"),
            ("cn-shanghai", "上海", "Shanghai", "CN", 31.230, 121.474, "Asia/Shanghai"),
        ],
    ),
    *_regions(
        "europe",
        [
            ("de-munich", "ミュンヘン", "Munich", "DE", 48.135, 11.582, "Europe/Berlin"),
            ("de-dusseldorf", "デュッセルドルフ", "Düsseldorf", "DE", 51.228, 6.774, "Europe/Berlin"),
            ("fr-paris", "パリ", "Paris", "FR", 48.857, 2.352, "Europe/Paris"),
            ("gb-london", "ロンドン", "London", "GB", 51.507, -0.128, "Europe/London"),
            ("nl-amsterdam", "アムステルダム", "Amsterdam", "NL", 52.368, 4.904, "Europe/Amsterdam"),
            ("it-milan", "ミラノ", "Milan", "IT", 45.464, 9.190, "Europe/Rome"),
        ],
    ),
    *_regions(
        "americas",
        [
            ("us-san-francisco", "サンフランシスコ", "San Francisco", "US", 37.775, -122.419, "America/Los_Angeles"),
            ("us-los-angeles", "ロサンゼルス", "Los Angeles", "US", 34.052, -118.244, "America/Los_Angeles"),
            ("us-new-york", "ニューヨーク", "New York", "US", 40.713, -74.006, "America/New_York"),
            ("us-chicago", "シカゴ", "Chicago", "US", 41.878, -87.630, "America/Chicago"),
        ],
    ),
]

REGIONS: Mapping[str, Region] = MappingProxyType({r.code: r for r in _REGION_LIST})

#: ISO 639-1 codes the engine knows, with their Japanese and English names.
LANGUAGES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "ja": ("日本語", "Japanese"),
        "en": ("英語", "English"),
        "zh": ("中国語", "Chinese"),
        "ko": ("韓国語", "Korean"),
        "th": ("タイ語", "Thai"),
        "vi": ("ベトナム語", "Vietnamese"),
        "id": ("インドネシア語", "Indonesian"),
        "ms": ("マレー語", "Malay"),
        "tl": ("タガログ語", "Tagalog"),
        "de": ("ドイツ語", "German"),
        "fr": ("フランス語", "French"),
        "it": ("イタリア語", "Italian"),
        "nl": ("オランダ語", "Dutch"),
        "es": ("スペイン語", "Spanish"),
    }
)

#: Digital-maturity stages of an SME (Team Digital Practice).
MATURITY_STAGES: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        1: ("デジタルツール未導入", "no digital tools yet"),
        2: ("ツール導入段階", "tools adopted"),
        3: ("効率化・データ活用段階", "efficiency and data use"),
        4: ("事業変革段階", "business transformation"),
    }
)

#: Company size classes by headcount (upper bound inclusive), as in the
#: Japanese SME Basic Act's rough manufacturing thresholds.
SIZE_CLASSES: tuple[tuple[str, int | None], ...] = (
    ("micro", 20),
    ("small", 50),
    ("medium", 300),
    ("large", None),
)


def size_class(employees: int) -> str:
    """The size class of a company with ``employees`` people."""
    if employees < 0:
        raise ValueError(f"employees must be >= 0, got {employees}")
    for name, upper in SIZE_CLASSES:
        if upper is None or employees <= upper:
            return name
    raise AssertionError("unreachable: the last size class has no upper bound")


def suggest(name: str, known: Mapping[str, object] | tuple[str, ...]) -> str:
    """A " (did you mean 'x'?)" hint for an unknown name, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
