"""Text encoding of uploaded files: detected from the bytes, never the name.

Japanese organisers export CSV from Excel as Shift_JIS (really Microsoft's
cp932, which adds NEC and IBM extensions such as ①, ㈱ and 髙), as UTF-8
with a byte-order mark, or as plain UTF-8.  :func:`detect_encoding` tells
them apart; :func:`decode` turns bytes into text or refuses the file.
"""

from __future__ import annotations

import codecs

from ..errors import FieldError
from ._check import refused

__all__ = ["detect_encoding", "decode"]

#: Codecs charset-normalizer may report for Japanese Shift_JIS text; cp932
#: is a superset of all of them, so it is what we decode with.
_SHIFT_JIS_FAMILY = frozenset({"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213", "ms932", "sjis"})
_EUC_JP_FAMILY = frozenset({"euc_jp", "euc_jis_2004", "euc_jisx0213"})


def _strict(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(data: bytes) -> str:
    """The text encoding of ``data``, as a Python codec name.

    UTF-8 with a byte-order mark gives ``'utf-8-sig'``, UTF-16 with one
    ``'utf-16'``, strictly valid UTF-8 ``'utf-8'``; anything else is
    detected with charset-normalizer, preferring ``'cp932'`` whenever the
    bytes are valid cp932 and the detector sees Japanese (Shift_JIS or a
    relative) among its candidates.

    Parameters
    ----------
    data : bytes
        The raw file content.

    Returns
    -------
    str
        A codec name accepted by :meth:`bytes.decode`.

    Raises
    ------
    ValueError
        If no encoding decodes the bytes.

    Examples
    --------
    >>> detect_encoding("組織名".encode("utf-8"))
    'utf-8'
    >>> detect_encoding(codecs.BOM_UTF8 + b"id")
    'utf-8-sig'
    >>> detect_encoding("id,組織名\\nS001,株式会社テスト製作所\\n".encode("cp932"))
    'cp932'
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _strict(data, "utf-8"):
        return "utf-8"
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    candidates = [m.encoding for m in results]
    if _strict(data, "cp932") and (
        not candidates or any(c in _SHIFT_JIS_FAMILY for c in candidates) or _mostly_japanese(data.decode("cp932"))
    ):
        return "cp932"
    if _strict(data, "euc_jp") and _mostly_japanese(data.decode("euc_jp"), need_kana=True):
        return "euc_jp"
    best = results.best()
    if best is None:
        raise ValueError("the bytes are not text in any encoding the detector knows (is this a binary file?)")
    return "euc_jp" if best.encoding in _EUC_JP_FAMILY else best.encoding


def _is_kana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff"


def _is_japanese(ch: str) -> bool:
    """Full-width Japanese: kana, kanji, CJK symbols, full-width forms, ①, ㈱.

    Half-width katakana are left out on purpose: Chinese GBK bytes decoded
    as cp932 come out as a stream of them.
    """
    return (
        "\u3000" <= ch <= "\u30ff"
        or "\u4e00" <= ch <= "\u9fff"
        or "\uff01" <= ch <= "\uff60"
        or "\u3200" <= ch <= "\u33ff"
        or "\u2460" <= ch <= "\u24ff"
        or "\u2160" <= ch <= "\u217f"
    )


def _mostly_japanese(text: str, *, need_kana: bool = False) -> bool:
    """True when at least 80% of the non-ASCII characters are Japanese."""
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return False
    if need_kana and not any(_is_kana(ch) for ch in non_ascii):
        return False
    if all("\uff61" <= ch <= "\uff9f" for ch in non_ascii):
        return True  # only half-width katakana: old Japanese systems, never GBK noise
    return sum(1 for ch in non_ascii if _is_japanese(ch)) >= 0.8 * len(non_ascii)


def decode(data: bytes, *, source: str) -> tuple[str, str]:
    """Decode a text file; returns ``(text, encoding)``.

    Raises
    ------
    ImportRejected
        If the encoding cannot be detected or the bytes do not decode.
    """
    try:
        encoding = detect_encoding(data)
        return data.decode(encoding), encoding
    except (ValueError, LookupError) as exc:  # UnicodeDecodeError is a ValueError
        raise refused(
            source,
            [
                FieldError(
                    "(encoding)",
                    None,
                    f"cannot decode the file as text: {exc}; save it as UTF-8 (or Shift_JIS/cp932) CSV",
                )
            ],
            f"{source}: import refused, nothing was imported: the file is not readable text",
        ) from None
