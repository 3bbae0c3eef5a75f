"""Encoding detection: from the bytes, never the file name."""

from __future__ import annotations

import codecs

import pytest

from matching.errors import ImportRejected
from matching.io import detect_encoding, read_participants_bytes

JAPANESE_ROWS = "id,role,organization\nS1,sme,株式会社テスト製作所\nS2,sme,ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞ\nS3,sme,①㈱髙橋\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"id,role,organization\n", "utf-8"),
        ("組織名".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "組織名".encode(), "utf-8-sig"),
        ("組織名".encode("utf-16"), "utf-16"),
        (JAPANESE_ROWS.encode("cp932"), "cp932"),
        ("①㈱髙橋,x\n".encode("cp932"), "cp932"),
        ("ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞ\n".encode("cp932"), "cp932"),
        ("山田製作所,金属加工,ありがとうございます\n".encode("euc_jp"), "euc_jp"),
    ],
)
def test_detect_encoding(data: bytes, expected: str) -> None:
    assert detect_encoding(data) == expected


def test_chinese_gbk_is_not_mistaken_for_shift_jis() -> None:
    data = "北京科技有限公司,机械加工,中国\n上海贸易公司,我们提供精密零件的出口服务\n".encode("gbk")
    assert detect_encoding(data) not in {"cp932", "utf-8"}


def test_the_file_name_plays_no_part() -> None:
    data = JAPANESE_ROWS.encode("cp932")
    names = {p.organization for p in read_participants_bytes(data, format="csv", source="utf8-export.csv")}
    assert names == {"株式会社テスト製作所", "ｶﾌﾞｼｷｶﾞｲｼｬ ﾔﾏﾀﾞ", "①㈱髙橋"}


def test_binary_garbage_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ImportRejected, match=r"the file is not readable text") as info:
        read_participants_bytes(bytes(range(256)) * 4, format="csv", source="photo.csv")
    [error] = info.value.errors
    assert error.field == "(encoding)"
    assert "cannot decode the file as text" in error.message
