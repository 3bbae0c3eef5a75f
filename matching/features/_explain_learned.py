"""Why the learned part of a pair's score is what it is, in Japanese or English.

:func:`explain_learned` turns a :class:`~._reciprocal.LearnedPart` into
short sentences an organizer can read next to the profile reasons: the
chance of a mutual yes from the profile alone, the chance with what the
earlier rounds taught, and which learned effect moved it (a participant
who says yes readily or rarely, one many partners wanted, tastes that fit).
"""

from __future__ import annotations

from ..errors import FieldError, InvalidInput
from ._reciprocal import LearnedPart

__all__ = ["explain_learned", "LEARNED_EFFECT_THRESHOLD"]

#: Learned effects (logit scale) smaller than this in size are not mentioned.
LEARNED_EFFECT_THRESHOLD = 0.2

_TEXT = {
    "en": {
        "summary": "Chance that both say yes: {profile:.0%} from the profiles alone, {probability:.0%} with what earlier rounds taught ({delta:+.0f} points).",
        "eager+": "{name} said yes more often than most in earlier meetings.",
        "eager-": "{name} said yes less often than most in earlier meetings.",
        "appeal+": "Earlier partners wanted to continue with {name} more often than with most.",
        "appeal-": "Earlier partners wanted to continue with {name} less often than with most.",
        "taste+": "Judging by whom each said yes to before, their tastes fit.",
        "taste-": "Judging by whom each said yes to before, their tastes differ.",
        "new": "{name} has no earlier meetings, so the profile decides for them.",
    },
    "ja": {
        "summary": "双方が「続けたい」と答える確率: プロフィールのみで {profile:.0%}、これまでのラウンドの回答から学習すると {probability:.0%}（{delta:+.0f} ポイント）。",
        "eager+": "{name} はこれまでの面談で、平均より多く「はい」と答えている。",
        "eager-": "{name} はこれまでの面談で、平均より少なく「はい」と答えている。",
        "appeal+": "これまでの相手は、平均より多く {name} との継続を希望した。",
        "appeal-": "これまでの相手は、平均より少なく {name} との継続を希望した。",
        "taste+": "これまで誰に「はい」と答えたかから見て、互いの好みが合っている。",
        "taste-": "これまで誰に「はい」と答えたかから見て、互いの好みが異なる。",
        "new": "{name} はこれまでの面談がないため、プロフィールで判断している。",
    },
}


def explain_learned(part: LearnedPart, left_name: str, right_name: str, *, lang: str = "ja") -> list[str]:
    """Sentences on the learned part of one pair's score.

    Parameters
    ----------
    part : LearnedPart
        From :meth:`ReciprocalModel.learned_part`.
    left_name, right_name : str
        How to name the two participants (their ids or organisations).
    lang : {"ja", "en"}, default="ja"

    Returns
    -------
    list of str
        The summary first, then each learned effect of at least
        :data:`LEARNED_EFFECT_THRESHOLD` in size, strongest first.

    Raises
    ------
    InvalidInput
        For a language other than ``ja`` and ``en``.

    Examples
    --------
    >>> part = LearnedPart(0.30, 0.45, 0.9, 0.5, 0.8, 0.0, 0.0, 0.1, 0.0, 2, 0)
    >>> explain_learned(part, "s1", "d1", lang="en")[1]
    's1 said yes more often than most in earlier meetings.'
    """
    if lang not in _TEXT:
        raise InvalidInput([FieldError("lang", lang, f"expected one of {sorted(_TEXT)}")])
    text = _TEXT[lang]
    lines = [text["summary"].format(profile=part.profile_probability, probability=part.probability,
                                    delta=100 * (part.probability - part.profile_probability))]
    effects = [
        (part.left_eager, "eager", left_name), (part.right_eager, "eager", right_name),
        (part.left_appeal, "appeal", left_name), (part.right_appeal, "appeal", right_name),
        (part.taste, "taste", ""),
    ]
    for value, key, name in sorted(effects, key=lambda e: -abs(e[0])):
        if abs(value) >= LEARNED_EFFECT_THRESHOLD:
            lines.append(text[key + ("+" if value > 0 else "-")].format(name=name))
    for history, name in ((part.left_history, left_name), (part.right_history, right_name)):
        if history == 0:
            lines.append(text["new"].format(name=name))
    return lines
