"""The message catalogue: what the engine and the service say, in Japanese and English.

Every message has an id and one template per language (:data:`MESSAGES`);
:func:`render` fills a template's ``{name}`` placeholders from parameters.
Both languages of a message take the same parameters (tested), and a
parameter named ``side``, ``other`` or ``kind`` also gives ``side_t`` /
``other_t`` / ``kind_t``, the word in the asked language (``left`` → 左側);
a parameter given as ``{"en": ..., "ja": ...}`` is taken in the asked language.

Who uses it
-----------
* The engine's errors carry a message id and parameters beside their
  English text: :class:`~matching.errors.FieldError` (``code``,
  ``params``), :class:`~matching.errors.InvalidInput` and
  :class:`~matching.errors.Infeasible` (``code``, ``params``).  Their
  English ``str()`` is what it always was; :meth:`FieldError.message_in`
  and :meth:`Infeasible.message_in` give the text in another language.
* The service's problem documents (:mod:`api.problems`): the title of each
  problem type (``title.<slug>``), the detail of each error family, and the
  field messages of request validation (``pydantic.<error type>``).

An error without a message id keeps its English text; a problem whose
detail has no id gets the generic sentence of its type (``detail.<slug>``)
with the English detail in brackets.

Examples
--------
>>> render("not_found", "ja", {"kind": "event", "id": "ev_1"})
'イベント「ev_1」が見つかりません'
>>> render("not_found", "en", {"kind": "event", "id": "ev_1"})
"event 'ev_1' not found"
"""

from __future__ import annotations

import string
from types import MappingProxyType
from typing import Any, Mapping

__all__ = ["LANGUAGES", "MESSAGES", "render", "placeholders", "word", "pydantic_message_id"]

#: The languages of every message; the first is the engine's own (its errors' ``str()``).
LANGUAGES: tuple[str, ...] = ("en", "ja")

_T = dict[str, str]

_WORDS: dict[str, _T] = {
    "word.left": {"en": "left", "ja": "左側"},
    "word.right": {"en": "right", "ja": "右側"},
    "word.event": {"en": "event", "ja": "イベント"},
    "word.participant": {"en": "participant", "ja": "参加者"},
    "word.job": {"en": "job", "ja": "ジョブ"},
    "word.result": {"en": "result", "ja": "結果"},
    "word.lock": {"en": "lock", "ja": "固定・禁止ペア"},
    "word.token": {"en": "token", "ja": "トークン"},
    "word.link": {"en": "link", "ja": "個人ページのリンク"},
    "word.organizer": {"en": "organizer", "ja": "運営者"},
    "word.agenda": {"en": "agenda", "ja": "アジェンダ"},
    "word.round": {"en": "round", "ja": "ラウンド"},
}

_TITLES: dict[str, _T] = {
    "title.not-found": {"en": "Not found", "ja": "見つかりません"},
    "title.unauthorized": {"en": "Missing or invalid API token", "ja": "API トークンがないか、正しくありません"},
    "title.forbidden": {"en": "The token lacks the scope this needs", "ja": "トークンにこの操作の権限がありません"},
    "title.invalid-input": {"en": "Invalid input", "ja": "入力が正しくありません"},
    "title.import-rejected": {"en": "Import refused: nothing was imported", "ja": "取り込みを中止しました（何も取り込まれていません）"},
    "title.infeasible": {"en": "The rules cannot all hold", "ja": "ルールをすべて満たすことはできません"},
    "title.conflict": {"en": "Conflict with the current state", "ja": "現在の状態と矛盾します"},
    "title.limit-exceeded": {"en": "A limit of the service was exceeded", "ja": "サービスの上限を超えました"},
    "title.idempotency-mismatch": {"en": "Idempotency-Key reused for a different request",
                                   "ja": "Idempotency-Key が別のリクエストに使われています"},
    "title.too-many-failures": {"en": "Too many failed authentication attempts from this address",
                                "ja": "このアドレスからの認証の失敗が多すぎます"},
    "title.method-not-allowed": {"en": "Method not allowed", "ja": "このメソッドは使えません"},
    "title.unsupported-media-type": {"en": "Unsupported media type", "ja": "対応していない形式です"},
    "title.bad-request": {"en": "Bad request", "ja": "リクエストが正しくありません"},
    "title.job-interrupted": {"en": "Job interrupted", "ja": "ジョブが中断されました"},
    "title.verification-failed": {"en": "A result failed its independent check and was not published",
                                  "ja": "結果が独立した検証に通らなかったため、公開していません"},
    "title.internal-error": {"en": "Internal server error", "ja": "サーバー内部のエラー"},
}

#: The generic detail of each problem type, for a detail that has no message id of its own.
_DETAILS: dict[str, _T] = {
    f"detail.{slug}": {"en": "{detail}", "ja": ja + "（{detail}）"}
    for slug, ja in {
        "not-found": "見つかりません",
        "unauthorized": "API トークンを確認してください",
        "forbidden": "この操作の権限がありません",
        "invalid-input": "入力が正しくありません",
        "import-rejected": "取り込みを中止しました。何も取り込まれていません",
        "infeasible": "ルールをすべて満たす組み合わせはありません。条件を緩めてください",
        "conflict": "現在の状態ではこの操作はできません",
        "limit-exceeded": "サービスの上限を超えました",
        "idempotency-mismatch": "同じ Idempotency-Key が別の内容のリクエストに使われています",
        "too-many-failures": "認証の失敗が多すぎます。しばらく待ってからやり直してください",
        "method-not-allowed": "このメソッドは使えません",
        "unsupported-media-type": "対応していない形式です",
        "bad-request": "リクエストが正しくありません",
        "job-interrupted": "ジョブが中断されました",
        "verification-failed": "結果が検証に通りませんでした",
        "internal-error": "予期しないエラーが発生しました。記録済みです",
    }.items()
}

_SERVICE: dict[str, _T] = {
    "not_found": {"en": "{kind} {id!r} not found", "ja": "{kind_t}「{id}」が見つかりません"},
    "no_route": {"en": "no route {path!r}", "ja": "{path} というアドレスはありません"},
    "auth_missing": {"en": "send 'Authorization: Bearer mt_...' with an organizer API token",
                     "ja": "運営者の API トークンを「Authorization: Bearer mt_...」ヘッダーで送ってください"},
    "auth_unknown": {"en": "the API token is unknown or revoked", "ja": "API トークンが正しくないか、無効になっています"},
    "scope_missing": {"en": "this needs the {scope!r} scope; the token has {scopes}",
                      "ja": "この操作には {scope} 権限が必要です（このトークンの権限: {scopes}）"},
    "scope_grant": {"en": "a token cannot grant scopes it does not have: {missing}",
                    "ja": "トークンは自分にない権限を与えられません: {missing}"},
    "too_many_failures": {"en": "{count} failed token or link attempts from this address within {window} s; try again in {retry} s",
                          "ja": "このアドレスから {window} 秒以内にトークンまたはリンクの認証に {count} 回失敗しました。{retry} 秒後にやり直してください"},
    "limit_exceeded": {"en": "the service's limit {name} ({value}) was exceeded: {detail}",
                       "ja": "サービスの上限 {name}（{value}）を超えました（{detail}）"},
    "invalid_values": {"en": "{count} invalid value(s)", "ja": "{count} 件の値が正しくありません"},
    "import_refused": {"en": "{source}: import refused, nothing was imported: {count} error(s)",
                       "ja": "{source}: 取り込みを中止しました。誤りが {count} 件あり、何も取り込まれていません"},
    "request_invalid": {"en": "{fields}", "ja": "リクエストの値が正しくありません: {fields}"},
    "job_finished": {"en": "job {job!r} has already finished ({state}); nothing to cancel",
                     "ja": "ジョブ「{job}」は既に終了しています（{state}）。取り消すものはありません"},
    "result_not_match": {"en": "result {result!r} is a {kind} result; quality is reported for match results",
                         "ja": "結果「{result}」は {kind} の結果です。品質はマッチングの結果についてのみ報告します"},
    "result_no_timetable": {"en": "result {result!r} is a {kind} result without a timetable; submit a plan job with this result_id to get one",
                            "ja": "結果「{result}」は時間割のない {kind} の結果です。この result_id で plan ジョブを実行してください"},
    "idempotency_mismatch": {"en": "Idempotency-Key {key!r} was first used for {method} {path} with another body; use a new key for a new request",
                             "ja": "Idempotency-Key「{key}」は {method} {path} に別の内容で使われています。新しいリクエストには新しいキーを使ってください"},
}

_FIELDS: dict[str, _T] = {
    "field.required": {"en": "is required but missing or empty", "ja": "必須ですが、空欄か項目がありません"},
    "field.duplicate_id": {"en": "duplicate id (first used on line {first_row})", "ja": "ID が重複しています（最初は {first_row} 行目）"},
    "field.unknown_participant": {"en": "names no participant of this file", "ja": "このファイルにいない参加者を指しています"},
    "field.not_integer": {"en": "is not an integer (expected whole digits such as 12)", "ja": "整数ではありません（12 のような数字で書いてください）"},
    "field.unknown_column": {"en": "unknown column (#{position}); expected columns from: {columns}",
                             "ja": "不明な列です（{position} 列目）。使える列: {columns}"},
    "field.duplicate_column": {"en": "column given twice (as {first!r} and {second!r})", "ja": "同じ列が 2 回あります（「{first}」と「{second}」）"},
    "field.missing_columns": {"en": "missing required column(s) {missing}; a participant file needs at least {required}",
                              "ja": "必須の列 {missing} がありません。参加者ファイルには少なくとも {required} の列が必要です"},
    "field.malformed_csv": {"en": "malformed CSV: {reason} (check the quotes of the record)",
                            "ja": "CSV の形式が正しくありません: {reason}（引用符を確認してください）"},
    "field.empty_file": {"en": "the file is empty: no header row and no participants", "ja": "ファイルが空です（見出し行も参加者もありません）"},
    "field.email": {"en": "is not an e-mail address (expected name@domain.tld)",
                    "ja": "メールアドレスではありません（name@domain.tld の形で書いてください）"},
    "field.phone": {"en": "is not a phone number (digits, spaces, '-', '(', ')', optional leading '+')",
                    "ja": "電話番号ではありません（数字、空白、'-'、'('、')'、先頭の '+' が使えます）"},
    "field.repeats": {"en": "repeats {item!r}", "ja": "「{item}」が重複しています"},
    "field.not_tag": {"en": "tag {tag!r} is not a tag name (lower-case letters, digits and '-')",
                      "ja": "「{tag}」はタグ名ではありません（小文字の英字・数字・'-' で書いてください）"},
    "field.unknown_tag": {"en": "unknown tag {tag!r}; tags come from the shared vocabulary",
                          "ja": "不明なタグ「{tag}」です。タグは共通の語彙から選んでください"},
    "field.unknown_region": {"en": "unknown region {region!r}", "ja": "不明な地域「{region}」です"},
    "field.unknown_language": {"en": "unknown language {language!r}; use ISO 639-1 codes such as 'ja', 'en'",
                               "ja": "不明な言語「{language}」です。'ja'、'en' のような ISO 639-1 のコードを使ってください"},
    "field.not_stage": {"en": "stage {stage} is not a maturity stage (1-4)", "ja": "{stage} はデジタル化の段階（1〜4）ではありません"},
    "field.at_least": {"en": "must be >= {other} ({minimum})", "ja": "{other}（{minimum}）以上にしてください"},
    "field.self_reference": {"en": "names the participant itself", "ja": "参加者自身を指しています"},
    "field.wish_and_veto": {"en": "is also in wishes: a participant cannot both wish and veto the same partner",
                            "ja": "会いたい相手にも入っています。同じ相手を「会いたい」と「会いたくない」の両方にはできません"},
    "field.page_min": {"en": "must be >= {minimum}", "ja": "{minimum} 以上にしてください"},
    "field.one_of": {"en": "expected {expected}", "ja": "次のいずれかにしてください: {expected}"},
    "field.some_of": {"en": "expected some of {expected}", "ja": "次の中から 1 つ以上選んでください: {expected}"},
}

#: Field messages of request and record validation, by pydantic error type (the English is pydantic's own).
_PYDANTIC: dict[str, _T] = {
    "pydantic.missing": {"en": "Field required", "ja": "必須です"},
    "pydantic.extra_forbidden": {"en": "Extra inputs are not permitted", "ja": "この項目は使えません（未知の項目）"},
    "pydantic.string_type": {"en": "Input should be a valid string", "ja": "文字列にしてください"},
    "pydantic.string_too_short": {"en": "String should have at least {min_length} character(s)", "ja": "{min_length} 文字以上にしてください"},
    "pydantic.string_too_long": {"en": "String should have at most {max_length} character(s)", "ja": "{max_length} 文字以下にしてください"},
    "pydantic.string_pattern_mismatch": {"en": "String should match pattern '{pattern}'", "ja": "形式が正しくありません（パターン {pattern}）"},
    "pydantic.int_type": {"en": "Input should be a valid integer", "ja": "整数にしてください"},
    "pydantic.int_parsing": {"en": "Input should be a valid integer, unable to parse string as an integer", "ja": "整数にしてください"},
    "pydantic.int_from_float": {"en": "Input should be a valid integer, got a number with a fractional part", "ja": "小数ではなく整数にしてください"},
    "pydantic.float_type": {"en": "Input should be a valid number", "ja": "数値にしてください"},
    "pydantic.float_parsing": {"en": "Input should be a valid number, unable to parse string as a number", "ja": "数値にしてください"},
    "pydantic.finite_number": {"en": "Input should be a finite number", "ja": "有限の数値にしてください"},
    "pydantic.bool_type": {"en": "Input should be a valid boolean", "ja": "true または false にしてください"},
    "pydantic.bool_parsing": {"en": "Input should be a valid boolean, unable to interpret input", "ja": "true または false にしてください"},
    "pydantic.greater_than": {"en": "Input should be greater than {gt}", "ja": "{gt} より大きくしてください"},
    "pydantic.greater_than_equal": {"en": "Input should be greater than or equal to {ge}", "ja": "{ge} 以上にしてください"},
    "pydantic.less_than": {"en": "Input should be less than {lt}", "ja": "{lt} 未満にしてください"},
    "pydantic.less_than_equal": {"en": "Input should be less than or equal to {le}", "ja": "{le} 以下にしてください"},
    "pydantic.too_short": {"en": "should have at least {min_length} item(s) after validation, not {actual_length}",
                           "ja": "{min_length} 個以上にしてください（{actual_length} 個です）"},
    "pydantic.too_long": {"en": "should have at most {max_length} item(s) after validation, not {actual_length}",
                          "ja": "{max_length} 個以下にしてください（{actual_length} 個です）"},
    "pydantic.literal_error": {"en": "Input should be {expected}", "ja": "次のいずれかにしてください: {expected}"},
    "pydantic.enum": {"en": "Input should be {expected}", "ja": "次のいずれかにしてください: {expected}"},
    "pydantic.list_type": {"en": "Input should be a valid list", "ja": "リストにしてください"},
    "pydantic.dict_type": {"en": "Input should be a valid dictionary", "ja": "オブジェクトにしてください"},
    "pydantic.model_type": {"en": "Input should be a valid dictionary or instance of {class_name}", "ja": "オブジェクトにしてください"
                            "（{class_name}）"},
    "pydantic.model_attributes_type": {"en": "Input should be a valid dictionary or object to extract fields from",
                                       "ja": "オブジェクトにしてください"},
    "pydantic.json_invalid": {"en": "Invalid JSON: {error}", "ja": "JSON として読めません: {error}"},
    "pydantic.datetime_from_date_parsing": {"en": "Input should be a valid datetime or date, {error}",
                                            "ja": "日時または日付にしてください（{error}）"},
    "pydantic.date_from_datetime_parsing": {"en": "Input should be a valid date or datetime, {error}",
                                            "ja": "日付にしてください（{error}）"},
}

#: Why a round or a fair cannot be solved: engine :class:`~matching.errors.Infeasible` reasons.
_INFEASIBLE: dict[str, _T] = {
    "infeasible.must_pair_impossible": {
        "en": "must pair ({left}, {right}) is impossible: {reasons}; drop the must pair or the rule",
        "ja": "必須ペア（{left}, {right}）は組めません: {reasons}。必須ペアかルールを外してください"},
    "infeasible.required_over_capacity": {
        "en": "{side} participant {participant} has {required} required partner(s) but capacity {capacity}",
        "ja": "{side_t}の参加者 {participant} には必須の相手が {required} 件ありますが、上限は {capacity} 件です"},
    "infeasible.too_few_allowed": {
        "en": "{side} participant {participant} needs at least {minimum} partner(s) but only {allowed} allowed partner(s) exist",
        "ja": "{side_t}の参加者 {participant} は最低 {minimum} 件の相手が必要ですが、組める相手は {allowed} 件しかありません"},
    "infeasible.minimums_over_capacities": {
        "en": "sum of {side} minimums ({minimums}) exceeds sum of {other} capacities ({capacities})",
        "ja": "{side_t}の最低件数の合計（{minimums}）が{other_t}の上限の合計（{capacities}）を超えています"},
    "infeasible.group_short": {
        "en": "{side} participant(s) {participants} need(s) at least {need} partner(s) in total, but at most {possible} are possible",
        "ja": "{side_t}の参加者 {participants} には合計で最低 {need} 件の相手が必要ですが、組めるのは最大 {possible} 件です"},
    "infeasible.pairs_over_possible": {
        "en": "{need} pairs are required but the capacities and allowed pairs admit at most {most}",
        "ja": "{need} 組が必要ですが、上限と組めるペアでは最大 {most} 組しか組めません"},
    "infeasible.no_feasible_matching": {
        "en": "no matching satisfies the capacities and required pairs ({reason})",
        "ja": "上限と必須ペアをすべて満たす組み合わせはありません（{reason}）"},
    "infeasible.min_pairs": {
        "en": "at least {min_pairs} pairs are required but the capacities and allowed pairs admit fewer",
        "ja": "最低 {min_pairs} 組が必要ですが、上限と組めるペアではそれより少なくしか組めません"},
    "infeasible.fair_minimums": {
        "en": "no timetable meets every minimum, lock and table count; relax the minimum number of meetings "
              "(left_min/right_min) or the locks{culprits}",
        "ja": "最低面談数・固定した面談・テーブル数をすべて満たす時間割はありません。最低面談数（left_min/right_min）"
              "か固定した面談を緩めてください{culprits}"},
    "infeasible.fair_no_partner": {
        "en": "{side} participant {participant} needs at least {minimum} meetings but has no possible partner; relax its minimum",
        "ja": "{side_t}の参加者 {participant} は最低 {minimum} 件の面談が必要ですが、組める相手がいません。最低面談数を下げてください"},
}

MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {key: MappingProxyType(value) for part in (_WORDS, _TITLES, _DETAILS, _SERVICE, _FIELDS, _PYDANTIC, _INFEASIBLE)
     for key, value in part.items()}
)

_TRANSLATED_PARAMS = ("side", "other", "kind")


def placeholders(template: str) -> set[str]:
    """The parameter names a template uses (``{name}``, ``{name!r}``, ``{name:spec}``).

    Examples
    --------
    >>> sorted(placeholders("{kind} {id!r} not found"))
    ['id', 'kind']
    """
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def word(value: str, lang: str) -> str:
    """A catalogued word (``left``, ``event``...) in ``lang``; other values unchanged."""
    entry = MESSAGES.get(f"word.{value}")
    return entry[lang] if entry is not None else value


def render(code: str, lang: str, params: Mapping[str, Any] | None = None) -> str:
    """The message ``code`` in ``lang`` with ``params`` filled in.

    Raises
    ------
    KeyError
        If ``code`` is not in the catalogue or ``lang`` not one of
        :data:`LANGUAGES`, or a parameter the template needs is missing.
    """
    if lang not in LANGUAGES:
        raise KeyError(f"unknown message language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    if code not in MESSAGES:
        raise KeyError(f"unknown message id {code!r}")
    values = {name: value[lang] if isinstance(value, Mapping) and lang in value else value
              for name, value in (params or {}).items()}
    for name in _TRANSLATED_PARAMS:
        if isinstance(values.get(name), str):
            values[f"{name}_t"] = word(values[name], lang)
    return MESSAGES[code][lang].format_map(values)


def pydantic_message_id(error: Mapping[str, Any]) -> str | None:
    """The catalogue id of one error of a pydantic ``ValidationError.errors()`` list, if it has one.

    ``value_error`` (the engine's own validators, worded in English) has none.
    """
    code = f"pydantic.{error.get('type')}"
    return code if code in MESSAGES else None
