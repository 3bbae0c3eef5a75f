"""Word lists and templates: organisation names, contacts and descriptions.

Everything here is plain data plus small functions that draw from a
``random.Random``; the calling code decides which latent topics a
text talks about, so the free text and the tags tell the same story.
All people and companies are invented; e-mail addresses use the reserved
``example.jp`` / ``example.com`` domains.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Mapping, Sequence

from matching import vocabulary as vocab

__all__ = [
    "SECTOR_WORDS",
    "offer_phrase",
    "tag_label",
    "join_ja",
    "join_en",
    "company_name",
    "person",
    "phone",
    "MARKET_WORDS",
    "describe",
]

# --------------------------------------------------------------------------- sectors
#: sector -> (company types (ja, en), products (ja, en), name cores (ja, en))
SECTOR_WORDS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "machinery": {
        "types": [("金属加工メーカー", "metal-processing manufacturer"), ("精密部品メーカー", "precision-parts maker"),
                  ("産業機械メーカー", "industrial-machinery maker"), ("町工場", "small machine shop"),
                  ("金型メーカー", "mould maker")],
        "products": [("自動車部品", "automotive parts"), ("半導体製造装置の部品", "parts for semiconductor equipment"),
                     ("精密ねじ", "precision screws"), ("金型", "moulds"), ("ステンレス製キッチン用品", "stainless kitchenware")],
        "cores": [("精工", "Precision"), ("精機", "Seiki"), ("金属工業", "Metal Industries"), ("製作所", "Works"),
                  ("工業", "Industries"), ("技研", "Engineering")],
    },
    "consumer": {
        "types": [("家具メーカー", "furniture maker"), ("繊維メーカー", "textile maker"), ("陶磁器の窯元", "ceramics kiln"),
                  ("伝統工芸の工房", "traditional-craft workshop"), ("革製品メーカー", "leather-goods maker")],
        "products": [("家具", "furniture"), ("食器", "tableware"), ("タオル", "towels"), ("江戸切子", "Edo kiriko cut glass"),
                     ("革小物", "small leather goods"), ("木製玩具", "wooden toys")],
        "cores": [("木工所", "Woodcraft"), ("織物", "Textiles"), ("窯業", "Ceramics"), ("工芸", "Crafts"), ("製作所", "Works")],
    },
    "food": {
        "types": [("食品メーカー", "food manufacturer"), ("老舗の和菓子店", "long-established confectioner"),
                  ("調味料メーカー", "seasoning maker"), ("製茶会社", "tea producer")],
        "products": [("和菓子", "Japanese sweets"), ("調味料", "seasonings"), ("冷凍食品", "frozen foods"),
                     ("日本茶", "Japanese tea"), ("佃煮", "tsukudani preserves")],
        "cores": [("食品", "Foods"), ("製菓", "Confectionery"), ("醸造", "Brewing"), ("製茶", "Tea")],
    },
    "information": {
        "types": [("ソフトウェア開発会社", "software developer"), ("IoTベンチャー", "IoT venture"),
                  ("システムインテグレーター", "systems integrator"), ("ITサービス企業", "IT services company")],
        "products": [("業務アプリ", "business apps"), ("在庫管理システム", "inventory-management systems"),
                     ("IoTセンサー", "IoT sensors"), ("予約管理サービス", "booking services")],
        "cores": [("システムズ", "Systems"), ("ソフト", "Soft"), ("テクノロジー", "Technology"), ("ラボ", "Labs")],
    },
    "environment": {
        "types": [("環境機器メーカー", "environmental-equipment maker"), ("リサイクル事業者", "recycling company"),
                  ("省エネ設備メーカー", "energy-saving equipment maker")],
        "products": [("太陽光パネル架台", "solar-panel mounts"), ("排水処理装置", "wastewater-treatment units"),
                     ("再生樹脂", "recycled resin"), ("LED照明", "LED lighting")],
        "cores": [("環境", "Environment"), ("エコテック", "Ecotech"), ("エナジー", "Energy"), ("化成", "Chemical")],
    },
    "medical": {
        "types": [("医療機器メーカー", "medical-device maker"), ("福祉用具メーカー", "welfare-equipment maker"),
                  ("介護サービス事業者", "nursing-care provider")],
        "products": [("手術用器具", "surgical instruments"), ("車椅子", "wheelchairs"), ("見守りセンサー", "monitoring sensors"),
                     ("リハビリ機器", "rehabilitation equipment")],
        "cores": [("メディカル", "Medical"), ("医科工業", "Medical Industries"), ("ケア", "Care"), ("ライフ", "Life")],
    },
    "retail": {
        "types": [("小売店", "retailer"), ("卸売業者", "wholesaler"), ("飲食店", "restaurant operator"), ("物流会社", "logistics company")],
        "products": [("日用品", "daily goods"), ("地元の特産品", "local specialities"), ("外食サービス", "dining services")],
        "cores": [("商店", "Store"), ("商事", "Trading"), ("物流", "Logistics"), ("フーズ", "Foods")],
    },
    "mobility": {
        "types": [("モビリティ関連企業", "mobility company"), ("自動車部品メーカー", "auto-parts maker")],
        "products": [("電動モビリティ", "e-mobility"), ("オンデマンド交通", "on-demand transport")],
        "cores": [("モビリティ", "Mobility"), ("オート", "Auto"), ("交通", "Transit")],
    },
    "agri": {
        "types": [("農業法人", "agricultural corporation"), ("アグリテック企業", "agritech company")],
        "products": [("野菜", "vegetables"), ("スマート農業機器", "smart-farming equipment")],
        "cores": [("ファーム", "Farm"), ("アグリ", "Agri"), ("農園", "Farms")],
    },
    "disaster": {
        "types": [("防災機器メーカー", "disaster-prevention equipment maker"), ("防災テック企業", "disaster-tech company")],
        "products": [("防災用品", "emergency supplies"), ("浸水センサー", "flood sensors")],
        "cores": [("防災", "Safety"), ("レジリエンス", "Resilience"), ("セーフティ", "Safety Systems")],
    },
}

#: sector -> for each company type (by position), the positions of the products it plausibly makes
_MADE: dict[str, list[list[int]]] = {
    "machinery": [[0, 4], [1, 2], [1], [0, 2, 3], [3]],
    "consumer": [[0, 5], [2], [1], [1, 3], [4]],
    "food": [[1, 2, 4], [0], [1], [3]],
    "environment": [[0, 1, 3], [2], [0, 3]],
    "medical": [[0, 3], [1, 3], [2]],
    "retail": [[0, 1], [0, 1], [2], [0]],
}

#: market index -> (ja, en) words; the order is the market order of _profiles.
MARKET_WORDS: list[tuple[str, str]] = [
    ("国内市場", "the Japanese market"),
    ("タイ・ベトナムなどASEAN市場", "ASEAN markets such as Thailand and Vietnam"),
    ("台湾・韓国・中国市場", "Taiwan, Korea and China"),
    ("ドイツなど欧州市場", "European markets such as Germany"),
    ("米国市場", "the US market"),
]

# --------------------------------------------------------------------------- tags
_OFFER_PHRASES: dict[str, list[tuple[str, str]]] = {
    "precision-machining": [("精密切削技術", "precision cutting"), ("ミクロン単位の精密加工", "micron-level machining")],
    "metal-processing": [("板金・溶接加工", "sheet-metal and welding work"), ("金属プレス加工", "metal stamping")],
    "plastic-molding": [("射出成形技術", "injection moulding"), ("樹脂成形のノウハウ", "plastic-moulding know-how")],
    "textile": [("天然素材の織物技術", "natural-fibre weaving"), ("染色技術", "dyeing techniques")],
    "ceramics": [("有田焼の焼成技術", "Arita-style firing"), ("陶磁器の絵付け", "hand-painted ceramics")],
    "woodworking": [("無垢材の木工技術", "solid-wood joinery"), ("曲木加工", "bent-wood processing")],
    "electronics-assembly": [("電子基板の実装", "PCB assembly"), ("小ロットの電子機器組立", "small-lot electronics assembly")],
    "prototyping": [("短納期の試作対応", "fast prototyping"), ("3Dプリンタによる試作", "3D-printed prototypes")],
    "traditional-craft": [("江戸の伝統技法", "traditional Edo techniques"), ("職人の手仕事", "artisan handwork")],
    "food-processing": [("独自の発酵技術", "in-house fermentation"), ("無添加の製法", "additive-free recipes")],
    "product-design": [("プロダクトデザイン", "product design")],
    "package-design": [("パッケージデザイン", "package design")],
    "branding": [("ブランド戦略の立案", "brand strategy")],
    "ux-design": [("UX・UIデザイン", "UX and UI design")],
    "industrial-design": [("工業デザイン", "industrial design")],
    "saas": [("中小企業向けSaaS", "SaaS for small firms")],
    "ai": [("AIによる需要予測", "AI demand forecasting"), ("画像認識AI", "image-recognition AI")],
    "iot": [("IoTセンサーによる遠隔監視", "remote monitoring with IoT sensors")],
    "recycling": [("廃プラスチックの再資源化", "plastic-waste recycling")],
    "energy-saving": [("工場の省エネ診断", "factory energy audits")],
    "medical-devices": [("医療機器の設計・製造", "medical-device design and manufacturing")],
    "welfare-equipment": [("福祉用具の開発", "welfare-equipment development")],
}


_LABELS = {name: (tag.ja, tag.en) for name, tag in vocab.TAGS.items()}


def tag_label(tag: str, lang: str) -> str:
    """The vocabulary label of a tag in ``"ja"`` or ``"en"``."""
    return _LABELS[tag][0 if lang == "ja" else 1]


def offer_phrase(tag: str, rng: random.Random) -> tuple[str, str]:
    """A (ja, en) phrase describing a strength in ``tag``."""
    options = _OFFER_PHRASES.get(tag)
    if options:
        return _pick(rng, options)
    return _LABELS[tag]


def join_ja(words: Sequence[str]) -> str:
    """「A」「AとB」「A、BとC」."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return "、".join(words[:-1]) + "と" + words[-1]


def join_en(words: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --------------------------------------------------------------------------- names
_SURNAMES = [
    ("山田", "yamada"), ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("伊藤", "ito"),
    ("渡辺", "watanabe"), ("中村", "nakamura"), ("小林", "kobayashi"), ("加藤", "kato"), ("吉田", "yoshida"),
    ("山本", "yamamoto"), ("松本", "matsumoto"), ("井上", "inoue"), ("木村", "kimura"), ("清水", "shimizu"),
    ("山崎", "yamazaki"), ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"), ("阿部", "abe"), ("石川", "ishikawa"),
    ("前田", "maeda"), ("藤田", "fujita"), ("小川", "ogawa"), ("岡田", "okada"), ("後藤", "goto"), ("長谷川", "hasegawa"),
    ("村上", "murakami"), ("近藤", "kondo"), ("坂本", "sakamoto"), ("遠藤", "endo"), ("青木", "aoki"), ("藤井", "fujii"),
    ("西村", "nishimura"), ("福田", "fukuda"), ("太田", "ota"), ("三浦", "miura"), ("藤原", "fujiwara"), ("岡本", "okamoto"),
]
_GIVEN = [
    ("太郎", "taro"), ("健一", "kenichi"), ("大輔", "daisuke"), ("翔太", "shota"), ("誠", "makoto"), ("浩", "hiroshi"),
    ("直樹", "naoki"), ("拓也", "takuya"), ("修", "osamu"), ("隆", "takashi"), ("花子", "hanako"), ("美咲", "misaki"),
    ("陽子", "yoko"), ("恵", "megumi"), ("由美", "yumi"), ("愛", "ai"), ("真由美", "mayumi"), ("さくら", "sakura"),
    ("智子", "tomoko"), ("結衣", "yui"),
]
_BRANDS = [
    ("東和", "Towa"), ("大和", "Yamato"), ("富士", "Fuji"), ("昭和", "Showa"), ("三栄", "Sanei"), ("日進", "Nisshin"),
    ("丸善", "Maruzen"), ("共栄", "Kyoei"), ("協和", "Kyowa"), ("旭", "Asahi"), ("新光", "Shinko"), ("千代田", "Chiyoda"),
    ("武蔵", "Musashi"), ("多摩", "Tama"), ("城南", "Jonan"), ("京浜", "Keihin"), ("大東", "Daito"), ("明和", "Meiwa"),
    ("太陽", "Taiyo"), ("朝日", "Asahi"), ("日東", "Nitto"), ("三協", "Sankyo"), ("興和", "Kowa"), ("隅田", "Sumida"),
    ("江戸", "Edo"), ("葛飾", "Katsushika"), ("本所", "Honjo"), ("桜", "Sakura"), ("若葉", "Wakaba"), ("光", "Hikari"),
]
_KATAKANA = [
    ("ミライ", "Mirai"), ("ネクスト", "Next"), ("アルファ", "Alpha"), ("サンライズ", "Sunrise"), ("ブリッジ", "Bridge"),
    ("リンク", "Link"), ("フォレスト", "Forest"), ("ノード", "Node"), ("エール", "Yell"), ("ルーツ", "Roots"),
    ("シフト", "Shift"), ("ハーベスト", "Harvest"), ("クレスト", "Crest"), ("ユニゾン", "Unison"), ("ソラ", "Sora"),
]
_WESTERN_SURNAMES = [
    "Miller", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Smith", "Johnson", "Brown", "Taylor", "Garcia",
    "Martin", "Dubois", "Rossi", "Jansen", "Clarke", "Walker", "Hughes", "Bauer", "Richter",
]
_WESTERN_GIVEN = ["Anna", "Lukas", "Emma", "Jonas", "Sophie", "Daniel", "Laura", "Michael", "Sarah", "David", "Julia", "Thomas"]
_ASIAN_NAMES = {
    "TH": (["Somchai", "Suda", "Anan", "Malee", "Niran"], ["Wongsakul", "Srisuk", "Chaiyaporn", "Boonmee"]),
    "VN": (["An", "Minh", "Lan", "Hung", "Thao"], ["Nguyen", "Tran", "Le", "Pham"]),
    "ID": (["Budi", "Siti", "Agus", "Dewi", "Rizky"], ["Santoso", "Wijaya", "Pratama", "Hidayat"]),
    "MY": (["Aiman", "Nurul", "Wei Ming", "Farah"], ["Abdullah", "Tan", "Lim", "Rahman"]),
    "SG": (["Wei Jie", "Mei Ling", "Arjun", "Hui Min"], ["Tan", "Lim", "Ng", "Koh"]),
    "PH": (["Jose", "Maria", "Paolo", "Angelica"], ["Santos", "Reyes", "Cruz", "Bautista"]),
    "TW": (["Chih-Wei", "Yu-Ting", "Chia-Hao", "Hsin-Yi"], ["Chen", "Lin", "Huang", "Chang"]),
    "KR": (["Min-jun", "Seo-yeon", "Ji-hoon", "Ha-eun"], ["Kim", "Lee", "Park", "Choi"]),
    "CN": (["Wei", "Fang", "Lei", "Jing"], ["Wang", "Li", "Zhang", "Liu"]),
}
_PLACE_BRANDS = {
    "TH": ["Siam", "Chao Phraya", "Bangkok", "Thai Union"], "VN": ["Saigon", "Mekong", "Hanoi", "Lotus"],
    "ID": ["Nusantara", "Jaya", "Garuda", "Archipelago"], "MY": ["Malaysia", "Petaling", "Straits"],
    "SG": ["Lion City", "Marina", "Straits"], "PH": ["Manila Bay", "Luzon", "Pacific"],
    "TW": ["Formosa", "Taipei", "Jade"], "KR": ["Hanil", "Daehan", "Seoul"], "CN": ["Huaxia", "Pudong", "Oriental"],
    "DE": ["Rhein", "Bavaria", "Nord", "Main"], "FR": ["Seine", "Lumière", "Provence"], "GB": ["Thames", "Albion", "Crown"],
    "NL": ["Holland", "Delta", "Amstel"], "IT": ["Lombardia", "Milano", "Adriatica"],
    "US": ["Pacific Rim", "Golden Gate", "Liberty", "Lakeshore", "Hudson"],
}
_LEGAL_FORMS = {
    "TH": "Co., Ltd.", "VN": "JSC", "ID": "PT", "MY": "Sdn. Bhd.", "SG": "Pte. Ltd.", "PH": "Inc.", "TW": "Co., Ltd.",
    "KR": "Co., Ltd.", "CN": "Co., Ltd.", "DE": "GmbH", "FR": "SAS", "GB": "Ltd", "NL": "B.V.", "IT": "S.r.l.", "US": "Inc.",
}
_DEPARTMENTS = [" 産業振興課", " 商工観光課", " DX推進課", " 防災課", " 環境政策課", " 福祉政策課", " 都市計画課", " 経済課",
                " 子育て支援課", " 交通政策課"]
_LOCAL_PHONE = {
    "JP": "+81 3", "TH": "+66 2", "VN": "+84 28", "ID": "+62 21", "MY": "+60 3", "SG": "+65 6", "PH": "+63 2",
    "TW": "+886 2", "KR": "+82 2", "CN": "+86 21", "DE": "+49 89", "FR": "+33 1", "GB": "+44 20", "NL": "+31 20",
    "IT": "+39 02", "US": "+1 212",
}


def _pick(rng: random.Random, items: Sequence) -> Any:
    return items[int(rng.random() * len(items))]


def company_name(style: str, cores: Sequence[tuple[str, str]], country: str, rng: random.Random, taken: set[str]) -> str:
    """A plausible, unique organisation name.

    ``style`` is ``"ja"`` (株式会社○○精工), ``"ja-startup"`` (株式会社ミライワークス),
    ``"en"`` (an overseas company; ``country`` picks the legal form),
    ``"designer"`` (山田デザイン事務所) or ``"municipality"`` (``country``
    then holds the ward or city name, 八王子市 産業振興課).
    Collisions are resolved by combining two brand words, then by a branch
    number, so names stay unique at any size.
    """
    for attempt in range(6):
        if style == "ja":
            source = _SURNAMES if rng.random() < 0.45 else _BRANDS
            brand = _pick(rng, source)[0]
            if attempt >= 2:
                brand = _pick(rng, _BRANDS)[0] + brand
            core = _pick(rng, cores)[0]
            form = _pick(rng, ["株式会社", "株式会社", "株式会社", "有限会社"])
            name = f"{form}{brand}{core}" if rng.random() < 0.6 else f"{brand}{core}{form}"
        elif style == "ja-startup":
            brand = _pick(rng, _KATAKANA)[0]
            if attempt >= 2 or rng.random() < 0.5:
                brand = brand + _pick(rng, _KATAKANA)[0]
            core = _pick(rng, cores)[0]
            name = f"株式会社{brand}{core}"
        elif style == "designer":
            roll = rng.random()
            core = _pick(rng, cores)[0]
            if roll < 0.45:
                brand = _pick(rng, _SURNAMES)[0] + (_pick(rng, _BRANDS)[0] if attempt >= 2 else "")
                name = f"{brand}{core}"
            elif roll < 0.75:
                brand = _pick(rng, _KATAKANA)[0] + (_pick(rng, _KATAKANA)[0] if attempt >= 2 else "")
                name = f"{core}{brand}"
            else:
                brand = _pick(rng, _KATAKANA)[0] + (_pick(rng, _KATAKANA)[0] if attempt >= 2 else "")
                name = f"株式会社{brand}{core}"
        elif style == "municipality":
            name = f"{country}{_pick(rng, _DEPARTMENTS)}"
        else:
            places = _PLACE_BRANDS.get(country, _PLACE_BRANDS["US"])
            brand = _pick(rng, places) if rng.random() < 0.6 else _pick(rng, _WESTERN_SURNAMES)
            if attempt >= 2:
                brand = f"{brand} {_pick(rng, _WESTERN_SURNAMES)}"
            core = _pick(rng, cores)[1]
            form = _LEGAL_FORMS.get(country, "Inc.")
            name = f"PT {brand} {core}" if form == "PT" else f"{brand} {core} {form}"
        if name not in taken:
            taken.add(name)
            return name
    number = 2
    while f"{name} {number}" in taken:
        number += 1
    name = f"{name} {number}"
    taken.add(name)
    return name


def person(country: str, rng: random.Random) -> tuple[str, str]:
    """A fake (display name, ASCII e-mail local part) for a contact person."""
    if country == "JP":
        surname, s_romaji = _pick(rng, _SURNAMES)
        given, g_romaji = _pick(rng, _GIVEN)
        return f"{surname} {given}", f"{g_romaji}.{s_romaji}"
    if country in _ASIAN_NAMES:
        givens, surnames = _ASIAN_NAMES[country]
        given, surname = _pick(rng, givens), _pick(rng, surnames)
    else:
        given, surname = _pick(rng, _WESTERN_GIVEN), _pick(rng, _WESTERN_SURNAMES)
    if country in ("VN", "TW", "KR", "CN"):
        display = f"{surname} {given}"
    else:
        display = f"{given} {surname}"
    local = f"{given}.{surname}".lower().replace(" ", "").replace("-", "")
    return display, local


def phone(country: str, rng: random.Random) -> str:
    """A fake phone number in the country's format (the 555 exchange)."""
    return f"{_LOCAL_PHONE.get(country, '+1 212')} 555 {int(rng.random() * 10000):04d}"


# --------------------------------------------------------------------------- descriptions
def _labels(tags: Sequence[str], lang: str) -> list[str]:
    k = 0 if lang == "ja" else 1
    return [_LABELS[t][k] for t in tags]


def describe(kind: str, ctx: Mapping[str, Any], rng: random.Random) -> tuple[str, str]:
    """A (Japanese, English) description of one participant.

    ``ctx`` holds ``sector`` (a key of :data:`SECTOR_WORDS`), ``region`` (a
    :class:`matching.vocabulary.Region`), ``offers`` and ``seeks`` (the
    participant's strongest latent topics, as tag names), ``employees``,
    ``age`` (years since founding), ``market`` (index into
    :data:`MARKET_WORDS`), ``stage`` and ``serves`` (digital maturity).
    """
    try:
        template = _TEMPLATES[kind]
    except KeyError:
        raise KeyError(f"no description template for kind {kind!r}; known: {sorted(_TEMPLATES)}") from None
    return template(ctx, rng)


def _common(ctx: Mapping[str, Any], rng: random.Random) -> dict[str, Any]:
    words = SECTOR_WORDS[ctx["sector"]]
    k = int(rng.random() * len(words["types"]))
    ctype = words["types"][k]
    made = _MADE.get(ctx["sector"])
    product = words["products"][_pick(rng, made[k])] if made else _pick(rng, words["products"])
    strengths = [offer_phrase(t, rng) for t in ctx["offers"]]
    return {
        "ctype_ja": ctype[0], "ctype_en": ctype[1], "product_ja": product[0], "product_en": product[1],
        "str_ja": join_ja([s[0] for s in strengths]), "str_en": join_en([s[1] for s in strengths]),
        "offer_ja": join_ja(_labels(ctx["offers"], "ja")), "offer_en": join_en(_labels(ctx["offers"], "en")),
        "seek_ja": join_ja(_labels(ctx["seeks"], "ja")), "seek_en": join_en(_labels(ctx["seeks"], "en")),
        "region_ja": ctx["region"].ja, "region_en": ctx["region"].en, "age": ctx["age"], "emp": ctx["employees"],
        "market_ja": MARKET_WORDS[ctx["market"]][0], "market_en": MARKET_WORDS[ctx["market"]][1],
        "field_ja": _SECTOR_FIELD[ctx["sector"]][0], "field_en": _SECTOR_FIELD[ctx["sector"]][1],
    }


_SECTOR_FIELD = {
    "machinery": ("機械・金属", "machinery and metal"), "consumer": ("生活用品・工芸", "consumer goods and crafts"),
    "food": ("食品", "food"), "information": ("情報・IT", "information technology"), "environment": ("環境・エネルギー", "environment and energy"),
    "medical": ("医療・福祉", "medical and welfare"), "retail": ("小売・サービス", "retail and services"),
    "mobility": ("モビリティ", "mobility"), "agri": ("農業・食", "agriculture and food"), "disaster": ("防災", "disaster prevention"),
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _maker(ctx, rng):
    c = _common(ctx, rng)
    if rng.random() < 0.5:
        ja = (f"{c['region_ja']}で創業{c['age']}年の{c['ctype_ja']}。{c['str_ja']}を強みに{c['product_ja']}を製造しています。"
              f"{c['seek_ja']}に協力いただけるデザイナーを求めています。")
    else:
        ja = f"創業{c['age']}年の{c['ctype_ja']}。{c['str_ja']}を活かした新製品の共同開発と{c['seek_ja']}を求めています。"
    en = (f"{_cap(c['ctype_en'])} in {c['region_en']}, founded {c['age']} years ago. Known for {c['str_en']}, we make "
          f"{c['product_en']}; we are looking for a designer to help with {c['seek_en']}.")
    return ja, en


def _designer(ctx, rng):
    c = _common(ctx, rng)
    role_ja, role_en = _pick(rng, [("フリーランスのデザイナー", "Freelance designer"), ("デザイン事務所", "Design studio"),
                                   ("クリエイティブディレクター", "Creative director")])
    ja = (f"{c['offer_ja']}を得意とする{role_ja}（{c['region_ja']}）。{c['field_ja']}分野の実績があり、"
          f"{c['seek_ja']}を手がける町工場・メーカーとの協業を希望しています。")
    en = (f"{role_en} in {c['region_en']} specialising in {c['offer_en']}, with past work in {c['field_en']}. "
          f"Keen to collaborate with makers working in {c['seek_en']}.")
    return ja, en


def _reskill_sme(ctx, rng):
    c = _common(ctx, rng)
    stage_ja, stage_en = vocab.MATURITY_STAGES[ctx["stage"]]
    ja = (f"{c['region_ja']}の{c['ctype_ja']}（従業員{c['emp']}名）。デジタル化は「{stage_ja}」の段階です。"
          f"{c['seek_ja']}に取り組み、社員のスキルを高めたいと考えています。")
    en = (f"{_cap(c['ctype_en'])} in {c['region_en']} with {c['emp']} employees, at the '{stage_en}' stage of "
          f"digitalisation; wants to introduce {c['seek_en']} and upskill its staff.")
    return ja, en


def _saas(ctx, rng):
    c = _common(ctx, rng)
    stages = ctx["serves"]
    st_ja = "・".join(f"ステージ{s}" for s in stages)
    st_en = ", ".join(str(s) for s in stages)
    ja = (f"{st_ja}の中小企業向けに{c['offer_ja']}を提供するスタートアップ。{c['field_ja']}業界での伴走支援の実績が豊富です。")
    en = (f"Startup providing {c['offer_en']} for SMEs at digital-maturity stage {st_en}, with a track record of hands-on "
          f"support in {c['field_en']}.")
    return ja, en


def _exhibitor(ctx, rng):
    c = _common(ctx, rng)
    ja = (f"{c['field_ja']}分野の{c['ctype_ja']}。{c['str_ja']}の技術で{c['product_ja']}を提供しています。"
          f"{c['market_ja']}での{c['seek_ja']}の開拓を目指しています。")
    en = (f"{_cap(c['ctype_en'])} in {c['field_en']}, offering {c['product_en']} built on {c['str_en']}; "
          f"looking for {c['seek_en']} in {c['market_en']}.")
    return ja, en


def _exporter(ctx, rng):
    c = _common(ctx, rng)
    ja = (f"{c['str_ja']}を強みとする{c['ctype_ja']}（{c['region_ja']}）。{c['product_ja']}の{c['market_ja']}への輸出を計画しており、"
          f"{c['seek_ja']}のパートナーを探しています。")
    en = (f"{_cap(c['ctype_en'])} from {c['region_en']} known for {c['str_en']}. Plans to export {c['product_en']} to "
          f"{c['market_en']} and seeks partners for {c['seek_en']}.")
    return ja, en


def _buyer_domestic(ctx, rng):
    c = _common(ctx, rng)
    dept_ja, dept_en = _pick(rng, [("調達部門", "procurement department"), ("購買部", "purchasing department"),
                                   ("新規事業部", "new-business unit")])
    ja = f"{c['field_ja']}関連の{dept_ja}。{c['seek_ja']}に関する新規取引先を探しています。"
    en = f"{_cap(dept_en)} in {c['field_en']}, looking for new suppliers of {c['seek_en']}."
    return ja, en


def _trading(ctx, rng):
    c = _common(ctx, rng)
    ja = f"{c['field_ja']}分野の専門商社。{c['seek_ja']}の製品を取り扱い、{c['market_ja']}向けの{c['offer_ja']}に強みがあります。"
    en = (f"Specialised trading company in {c['field_en']}, handling {c['seek_en']} products, strong in {c['offer_en']} "
          f"for {c['market_en']}.")
    return ja, en


def _buyer_overseas(ctx, rng):
    c = _common(ctx, rng)
    ja = f"{c['region_ja']}を拠点とするバイヤー。日本の{c['seek_ja']}製品の輸入先を探しています。"
    en = (f"Buyer based in {c['region_en']}, importing {c['field_en']} products for the local market. "
          f"Looking for Japanese suppliers of {c['seek_en']}; interested in {c['offer_en']}.")
    return ja, en


def _seller(ctx, rng):
    c = _common(ctx, rng)
    ja = (f"{c['region_ja']}の{c['ctype_ja']}（従業員{c['emp']}名、創業{c['age']}年）。後継者不在のため、{c['str_ja']}を"
          f"引き継いでいただける譲受先を探しています。{c['seek_ja']}を希望。")
    en = (f"{_cap(c['ctype_en'])} in {c['region_en']} ({c['emp']} employees, founded {c['age']} years ago). The owner has no "
          f"successor and seeks an acquirer to carry on its {c['str_en']}; open to {c['seek_en']}.")
    return ja, en


def _acquirer(ctx, rng):
    c = _common(ctx, rng)
    who_ja, who_en = _pick(rng, [("事業会社", "Operating company"), ("中堅メーカー", "Mid-sized manufacturer"),
                                 ("投資ファンド", "Investment fund")])
    ja = f"{who_ja}。{c['field_ja']}分野で{c['seek_ja']}を検討しています。{c['offer_ja']}の提供が可能です。"
    en = f"{who_en} considering {c['seek_en']} in {c['field_en']}; can provide {c['offer_en']}."
    return ja, en


def _oi_startup(ctx, rng):
    c = _common(ctx, rng)
    ja = f"{c['offer_ja']}で{c['field_ja']}の社会課題に取り組むスタートアップ。{c['seek_ja']}の機会を求めています。"
    en = f"Startup tackling social issues in {c['field_en']} with {c['offer_en']}; looking for {c['seek_en']}."
    return ja, en


def _oi_sme(ctx, rng):
    c = _common(ctx, rng)
    ja = f"{c['region_ja']}の{c['ctype_ja']}。自社の現場を{c['offer_ja']}として提供し、{c['seek_ja']}のスタートアップと連携したい。"
    en = (f"{_cap(c['ctype_en'])} in {c['region_en']} offering its site for {c['offer_en']}; wants to work with startups on "
          f"{c['seek_en']}.")
    return ja, en


def _municipality(ctx, rng):
    c = _common(ctx, rng)
    ja = f"{c['region_ja']}。{c['seek_ja']}に関する地域課題の解決に向け、{c['offer_ja']}の場を提供します。"
    en = f"{c['region_en']} city office: offers {c['offer_en']} to solve local challenges in {c['seek_en']}."
    return ja, en


def _corporate(ctx, rng):
    c = _common(ctx, rng)
    unit_ja, unit_en = _pick(rng, [("新規事業開発部", "New-business development unit"), ("CVC", "Corporate venture capital arm"),
                                   ("オープンイノベーション推進室", "Open-innovation office")])
    ja = f"大手企業の{unit_ja}。{c['seek_ja']}領域のスタートアップとの{c['offer_ja']}を検討しています。"
    en = f"{unit_en} of a large company, seeking startups in {c['seek_en']} for {c['offer_en']}."
    return ja, en


_TEMPLATES: dict[str, Callable[[Mapping[str, Any], random.Random], tuple[str, str]]] = {
    "maker": _maker, "designer": _designer, "reskill-sme": _reskill_sme, "saas": _saas, "exhibitor": _exhibitor,
    "exporter": _exporter, "buyer-domestic": _buyer_domestic, "trading": _trading, "buyer-overseas": _buyer_overseas,
    "seller": _seller, "acquirer": _acquirer, "oi-startup": _oi_startup, "oi-sme": _oi_sme,
    "municipality": _municipality, "corporate": _corporate,
}
