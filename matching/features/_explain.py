"""Why a pair scores what it scores, in words an organizer can show a participant.

:func:`explain` lists each component's value, weight and contribution, and
sentences in Japanese or English: the shared tags (by their vocabulary
labels), matching keywords of the descriptions, the common languages, the
regions and distance, stage and budget fit, wishes — and, for an impossible
pair, which rule forbids it and who triggered it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .. import vocabulary as vocab
from ._geo import distance_km, utc_offset_hours
from ._industry import IndustryEncoder
from ._language import bridged, common_languages
from ._numeric import stage_distance
from ._rules import Violation
from ._scorer import COMPONENTS, Contribution, Scorer
from ._text import document, matching_keywords

__all__ = ["Explanation", "explain", "explain_pairs", "LANGS"]

#: Languages explanations are written in.
LANGS: tuple[str, ...] = ("ja", "en")


@dataclass(frozen=True)
class Explanation:
    """A pair's score, its parts and the reasons, in one language.

    Attributes
    ----------
    left_id, right_id : str
    lang : {"ja", "en"}
    score : float
        Sum of the contributions.
    impossible : bool
    contributions : tuple of Contribution
        Every component plus ``"wish"``, in component order.
    labels : tuple of str
        The component labels in ``lang`` (aligned with ``contributions``).
    reasons : tuple of str
        Sentences, strongest contribution first.
    impossible_reasons : tuple of str
        Why the pair cannot meet (empty when it can).
    violations : tuple of Violation
    """

    left_id: str
    right_id: str
    lang: str
    score: float
    impossible: bool
    contributions: tuple[Contribution, ...]
    labels: tuple[str, ...]
    reasons: tuple[str, ...]
    impossible_reasons: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return {
            "left_id": self.left_id,
            "right_id": self.right_id,
            "lang": self.lang,
            "score": self.score,
            "impossible": self.impossible,
            "contributions": [dict(c.as_dict(), label=label) for c, label in zip(self.contributions, self.labels)],
            "reasons": list(self.reasons),
            "impossible_reasons": list(self.impossible_reasons),
            "violations": [v.as_dict() for v in self.violations],
        }

    def text(self) -> str:
        """The explanation as a few lines of text."""
        head = f"{self.left_id} × {self.right_id}: " + (
            f"スコア {self.score:.3f}" if self.lang == "ja" else f"score {self.score:.3f}"
        )
        lines = [head]
        lines += [f"  ✗ {r}" for r in self.impossible_reasons]
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)

    __str__ = text


def _q(items: list[str], lang: str) -> str:
    if lang == "ja":
        return "".join(f"「{x}」" for x in items)
    return ", ".join(items)


def _tag_label(tag: str, lang: str) -> str:
    t = vocab.TAGS.get(tag)
    return tag if t is None else (t.ja if lang == "ja" else t.en)


def _language_name(code: str, lang: str) -> str:
    names = vocab.LANGUAGES.get(code)
    return code if names is None else names[0 if lang == "ja" else 1]


def _yen(low: int | None, high: int | None) -> str:
    low = high if low is None else low
    high = low if high is None else high
    return f"¥{low:,}" if low == high else f"¥{low:,}–¥{high:,}"


def _tags_reason(scorer: Scorer, name: str, i: int, j: int, who: Mapping[str, str], lang: str) -> str | None:
    left, right = scorer.left_records_[i], scorer.right_records_[j]
    if name == "tags_left_seeks":
        seeker, offerer, sought, offered = who["left"], who["right"], left["seeks"], right["offers"]
    else:
        seeker, offerer, sought, offered = who["right"], who["left"], right["seeks"], left["offers"]
    vectorizer = scorer.transformers_[name][0]
    shared = sorted(set(sought) & set(offered), key=lambda t: (-vectorizer.idf_[vectorizer.vocabulary_[t]], t))
    if not shared:
        return None
    labels = [_tag_label(t, lang) for t in shared]
    if lang == "ja":
        return f"{offerer}は{seeker}が求める{_q(labels, lang)}を提供しています"
    return f"{offerer} offers {_q(labels, lang)}, which {seeker} is looking for"


#: Below this text similarity (and with no shared keyword) the descriptions are not given as a reason.
MIN_TEXT_SIMILARITY = 0.1


class _Keywords:
    """The keywords pairs' descriptions share (:func:`matching_keywords`), for many pairs of one scorer.

    The fitted IDF view is taken once and each term's rarity computed once
    (terms recur across pairs); the last pair's keywords are kept for its
    other language.
    """

    def __init__(self, scorer: Scorer):
        self.scorer, self.idf, self.rarities, self.last = scorer, None, {}, None

    def __call__(self, i: int, j: int) -> list[str]:
        if self.last is not None and self.last[0] == (i, j):
            return self.last[1]
        if self.idf is None:
            self.idf = self.scorer.transformers_["text"][0].ngram_idf()
        words = matching_keywords(document(self.scorer.left_records_[i]), document(self.scorer.right_records_[j]),
                                  self.idf, rarities=self.rarities)
        self.last = ((i, j), words)
        return words


def _text_reason(scorer: Scorer, i: int, j: int, value: float, lang: str, words: list[str] | None = None) -> str | None:
    if words is None:
        words = _Keywords(scorer)(i, j)
    if words:
        return f"説明文に共通するキーワード：{_q(words, 'ja')}" if lang == "ja" else f"Their descriptions share the keywords {_q(words, 'en')}"
    if value < MIN_TEXT_SIMILARITY:
        return None  # too faint to tell a participant
    return f"説明文が似ています（類似度 {value:.2f}）" if lang == "ja" else f"Their descriptions are similar (similarity {value:.2f})"


def _industry_reason(scorer: Scorer, i: int, j: int, lang: str) -> str | None:
    a, b = scorer.left_records_[i]["industry"], scorer.right_records_[j]["industry"]
    level = IndustryEncoder.level(a, b)
    if level == "code":
        return f"同じ業種（{a}）です" if lang == "ja" else f"Same industry ({a})"
    if level == "group":
        return f"同じ業種中分類（{a[:3]}）です" if lang == "ja" else f"Same industry group ({a[:3]})"
    if level == "division":
        d = vocab.DIVISIONS[a[0]]
        return f"同じ産業大分類（{d.ja}）です" if lang == "ja" else f"Same industry division ({d.en})"
    return None


def _region_name(code: str, lang: str) -> str:
    r = vocab.REGIONS[code]
    return r.ja if lang == "ja" else r.en


def _region_reason(scorer: Scorer, i: int, j: int, lang: str) -> str | None:
    left, right = scorer.left_records_[i], scorer.right_records_[j]
    ra, rb = left["region"], right["region"]
    if ra and rb:
        if ra == rb:
            return f"同じ地域（{_region_name(ra, lang)}）です" if lang == "ja" else f"Both in {_region_name(ra, lang)}"
        km = distance_km(ra, rb)
        oa, ob = utc_offset_hours(vocab.REGIONS[ra].timezone), utc_offset_hours(vocab.REGIONS[rb].timezone)
        hours = None if oa is None or ob is None else abs(oa - ob)
        na, nb = _region_name(ra, lang), _region_name(rb, lang)
        if lang == "ja":
            tail = "" if not hours else f"、時差{hours:g}時間"
            return f"{na}と{nb}（約{km:,.0f}km{tail}）"
        tail = "" if not hours else f", {hours:g} h time difference"
        return f"{na} and {nb}: about {km:,.0f} km apart{tail}"
    ca = left["country"] or (vocab.REGIONS[ra].country if ra else None)
    cb = right["country"] or (vocab.REGIONS[rb].country if rb else None)
    if ca and ca == cb:
        return f"同じ国（{ca}）です" if lang == "ja" else f"Both in the same country ({ca})"
    return None


def _language_reason(scorer: Scorer, i: int, j: int, lang: str) -> str | None:
    a, b = scorer.left_records_[i]["languages"], scorer.right_records_[j]["languages"]
    common = common_languages(a, b)
    if common:
        names = "、".join(_language_name(c, "ja") for c in common) if lang == "ja" else ", ".join(_language_name(c, "en") for c in common)
        return f"共通言語：{names}" if lang == "ja" else f"Common language: {names}"
    via = bridged(a, b, scorer.interpreter_languages)
    if via:
        name = _language_name(via, lang)
        return f"{name}の通訳を介して話せます" if lang == "ja" else f"They can talk through a {name} interpreter"
    return None


def _stage_reason(scorer: Scorer, i: int, j: int, who: Mapping[str, str], lang: str) -> str | None:
    left, right = scorer.left_records_[i], scorer.right_records_[j]
    for sme, partner, rec_s, rec_p in (("left", "right", left, right), ("right", "left", right, left)):
        stage, served = rec_s["maturity_stage"], rec_p["serves_stages"]
        if stage is None or not served:
            continue
        distance = stage_distance(stage, served)
        label = vocab.MATURITY_STAGES[stage][0 if lang == "ja" else 1]
        if distance == 0:
            if lang == "ja":
                return f"{who[sme]}の成熟度（段階{stage}：{label}）は{who[partner]}の支援対象です"
            return f"{who[partner]} serves {who[sme]}'s maturity stage (stage {stage}: {label})"
        if distance == 1:
            if lang == "ja":
                return f"{who[sme]}の成熟度（段階{stage}：{label}）は{who[partner]}の支援対象に近い段階です"
            return f"{who[sme]}'s maturity stage (stage {stage}: {label}) is next to the stages {who[partner]} serves"
    return None


def _budget_reason(scorer: Scorer, i: int, j: int, who: Mapping[str, str], value: float, lang: str) -> str | None:
    left, right = scorer.left_records_[i], scorer.right_records_[j]
    for buyer, seller, rb, rs in (("left", "right", left, right), ("right", "left", right, left)):
        if (rb["budget_min"] is None and rb["budget_max"] is None) or (rs["price_min"] is None and rs["price_max"] is None):
            continue
        budget, price = _yen(rb["budget_min"], rb["budget_max"]), _yen(rs["price_min"], rs["price_max"])
        top_budget = rb["budget_max"] if rb["budget_max"] is not None else rb["budget_min"]
        lowest_price = rs["price_min"] if rs["price_min"] is not None else rs["price_max"]
        highest_price = rs["price_max"] if rs["price_max"] is not None else rs["price_min"]
        ja = lang == "ja"
        if top_budget >= highest_price > lowest_price:
            if ja:
                return f"{who[buyer]}の予算（{budget}）は{who[seller]}の価格帯（{price}）を十分に満たしています"
            return f"{who[buyer]}'s budget ({budget}) covers {who[seller]}'s price range ({price})"
        if top_budget >= lowest_price:
            if ja:
                return f"{who[buyer]}の予算（{budget}）が{who[seller]}の価格帯（{price}）に合っています"
            return f"{who[buyer]}'s budget ({budget}) fits {who[seller]}'s price range ({price})"
        if top_budget * 1.5 >= lowest_price:
            if ja:
                return f"{who[buyer]}の予算（{budget}）は{who[seller]}の価格帯（{price}）をやや下回ります"
            return f"{who[buyer]}'s budget ({budget}) is slightly below {who[seller]}'s price range ({price})"
        return None  # well below the price range: no reason to give
    return None


def _size_reason(scorer: Scorer, i: int, j: int, lang: str) -> str | None:
    a, b = scorer.left_records_[i]["employees"], scorer.right_records_[j]["employees"]
    if a is None or b is None:
        return None
    ca, cb = vocab.size_class(a), vocab.size_class(b)
    if ca == cb:
        return f"企業規模が同じ区分（{ca}）です" if lang == "ja" else f"Same company size class ({ca})"
    return None


def _wish_reason(scorer: Scorer, i: int, j: int, who: Mapping[str, str], lang: str) -> str | None:
    a, b = bool(scorer.wishes_[0][i, j]), bool(scorer.wishes_[1][i, j])
    if a and b:
        return "双方が面談を希望しています" if lang == "ja" else "Both asked to meet each other"
    if a or b:
        wisher, other = (who["left"], who["right"]) if a else (who["right"], who["left"])
        return f"{wisher}が{other}との面談を希望しています" if lang == "ja" else f"{wisher} asked to meet {other}"
    return None


def _violation_text(v: Violation, scorer: Scorer, i: int, j: int, who: Mapping[str, str], lang: str) -> str:
    by = {"left": who["left"], "right": who["right"]}.get(v.by)
    if v.rule == "veto":
        if v.by == "both":
            return "双方が相手との面談を辞退しています" if lang == "ja" else "Both declined to meet each other"
        other = who["right"] if v.by == "left" else who["left"]
        return f"{by}が{other}との面談を辞退しています" if lang == "ja" else f"{by} declined to meet {other}"
    if v.rule == "conflict":
        if lang == "ja":
            subject = "双方" if v.by == "both" else by
            return f"{subject}が利害関係（競合・既存の取引関係など）を申告しています"
        subject = "both sides" if v.by == "both" else by
        return f"Conflict of interest declared by {subject} (a competitor or an existing tie)"
    if v.rule == "never":
        return "主催者がこの組み合わせを除外しました" if lang == "ja" else "The organizer excluded this pair"
    if v.rule == "self":
        return "同じ参加者どうしの組み合わせです" if lang == "ja" else "Both sides are the same participant"
    if v.rule == "language":
        a, b = scorer.left_records_[i]["languages"], scorer.right_records_[j]["languages"]
        la = "、".join(_language_name(x, lang) for x in a) if lang == "ja" else ", ".join(_language_name(x, lang) for x in a)
        lb = "、".join(_language_name(x, lang) for x in b) if lang == "ja" else ", ".join(_language_name(x, lang) for x in b)
        if lang == "ja":
            return f"共通の言語がなく、通訳もいません（{who['left']}：{la}／{who['right']}：{lb}）"
        return f"No common language and no interpreter ({who['left']}: {la}; {who['right']}: {lb})"
    if v.rule == "role":
        ra, rb = v.detail
        if lang == "ja":
            na = vocab.DEFAULT_ROLES.get(ra, (ra, ra))[0]
            nb = vocab.DEFAULT_ROLES.get(rb, (rb, rb))[0]
            return f"この回は{na}と{nb}の組み合わせを対象としていません"
        na = vocab.DEFAULT_ROLES.get(ra, (ra, ra))[1]
        nb = vocab.DEFAULT_ROLES.get(rb, (rb, rb))[1]
        return f"This round does not pair a {na} with a {nb}"
    raise ValueError(f"unknown rule {v.rule!r}")  # pragma: no cover


def explain(
    scorer: Scorer,
    left: int | str,
    right: int | str,
    *,
    lang: str = "ja",
    names: Mapping[str, str] | None = None,
) -> Explanation:
    """Explain one pair's score.

    Parameters
    ----------
    scorer : Scorer
        A fitted scorer.
    left, right : int or str
        Index or id of the left and right participant.
    lang : {"ja", "en"}, default="ja"
    names : mapping of id to str, optional
        Display names (e.g. organisation names) to use instead of ids.

    Returns
    -------
    Explanation

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGS`.
    KeyError, IndexError
        If a participant does not exist.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {lang!r}")
    return _explanation(scorer, scorer.contributions(left, right), lang, names, _Keywords(scorer))


def explain_pairs(
    scorer: Scorer,
    left_idx: Any,
    right_idx: Any,
    *,
    langs: tuple[str, ...] = LANGS,
    names: Mapping[str, str] | None = None,
) -> dict[str, list[Explanation]]:
    """:func:`explain` for many pairs and languages at once: ``{lang: [explanation of pair k, ...]}``.

    The same explanations as one :func:`explain` call per pair and
    language, computed together (:meth:`Scorer.pair_scores`) and with each
    pair's keywords found once for all languages.

    Raises
    ------
    ValueError
        If a language is not one of :data:`LANGS`.
    """
    unknown = [lang for lang in langs if lang not in LANGS]
    if unknown:
        raise ValueError(f"lang must be one of {list(LANGS)}, got {unknown[0]!r}")
    out: dict[str, list[Explanation]] = {lang: [] for lang in langs}
    keywords = _Keywords(scorer)
    for pair in scorer.pair_scores(left_idx, right_idx):
        for lang in langs:
            out[lang].append(_explanation(scorer, pair, lang, names, keywords))
    return out


def _explanation(scorer: Scorer, pair: Any, lang: str, names: Mapping[str, str] | None,
                 keywords: _Keywords) -> Explanation:
    """The explanation of a scored pair (``keywords`` finds the shared keywords, once per pair for every language)."""
    i, j = pair.left, pair.right
    left_id, right_id = scorer.left_ids_[i], scorer.right_ids_[j]
    names = names or {}
    who = {"left": names.get(left_id, left_id), "right": names.get(right_id, right_id)}
    ranked = sorted(
        (c for c in pair.contributions if c.contribution > 0 and not c.neutral),
        key=lambda c: (-c.contribution, c.component),
    )
    reasons = []
    for c in ranked:
        name = c.component
        if name in ("tags_left_seeks", "tags_right_seeks"):
            text = _tags_reason(scorer, name, i, j, who, lang)
        elif name == "text":
            text = _text_reason(scorer, i, j, c.value, lang, keywords(i, j))
        elif name == "industry":
            text = _industry_reason(scorer, i, j, lang)
        elif name == "region":
            text = _region_reason(scorer, i, j, lang)
        elif name == "language":
            text = _language_reason(scorer, i, j, lang)
        elif name == "stage":
            text = _stage_reason(scorer, i, j, who, lang)
        elif name == "budget":
            text = _budget_reason(scorer, i, j, who, c.value, lang)
        elif name == "size":
            text = _size_reason(scorer, i, j, lang)
        elif name == "wish":
            text = _wish_reason(scorer, i, j, who, lang)
        else:  # pragma: no cover - every component has a reason
            raise AssertionError(name)
        if text:
            reasons.append(text)
    labels = tuple(
        (COMPONENTS[c.component].ja if lang == "ja" else COMPONENTS[c.component].en)
        if c.component in COMPONENTS
        else ("面談希望" if lang == "ja" else "wish")
        for c in pair.contributions
    )
    violations = pair.impossible
    return Explanation(
        left_id=left_id,
        right_id=right_id,
        lang=lang,
        score=pair.score,
        impossible=bool(violations),
        contributions=pair.contributions,
        labels=labels,
        reasons=tuple(reasons),
        impossible_reasons=tuple(_violation_text(v, scorer, i, j, who, lang) for v in violations),
        violations=tuple(violations),
    )
