"""When and where an event took place, from the words near its mention: "2019/06/12〜14 に幕張メッセで開催された
AWS Summit Tokyo 2019", "会場: 池袋", "2024年3月2日(土)".

Dates are read in the paragraph of the mention (a date written without a year takes the
event's year, from its name, or the nearest year written); the venue is the name
before "で開催" / "で行われ" or after "会場" / "場所".  What the text does not say is left out.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Iterable

from graphbuild.nlp.records import EventDetails

_SEP = r"\s*[〜~～\-–—・]\s*"
_FULL = r"(?P<y>\d{4})\s*[年/.\-]\s*(?P<m>\d{1,2})\s*[月/.\-]\s*(?P<d>\d{1,2})\s*日?"
_SHORT = r"(?P<sm>\d{1,2})\s*(?:月|/)\s*(?P<sd>\d{1,2})\s*日?"
_WEEKDAY = r"(?:\s*[(（][^)）]{1,6}[)）])?"
_END = r"(?:(?:(?P<y2>\d{4})\s*[年/.\-]\s*)?(?P<m2>\d{1,2})\s*(?:月|/)\s*)?(?P<d2>\d{1,2})\s*日?" + _WEEKDAY
_DATE = re.compile(rf"(?:{_FULL}|(?<![\d/]){_SHORT}(?![\d/]|\s*\d{{2}}:)){_WEEKDAY}(?:{_SEP}{_END})?")
_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)")
_NAME = r"[\u30A0-\u30FF\u4E00-\u9FFFA-Za-z0-9ー・&＆\- ]*[\u30A0-\u30FF\u4E00-\u9FFFA-Za-z0-9ー]"
_VENUE = re.compile(rf"(?P<before>{_NAME})\s*(?:にて|で)(?:開催|行われ|実施)|(?:会場|場所)\s*(?:は|[:：])\s*(?P<after>{_NAME})")
_NOT_A_PLACE = {"オンライン", "現地", "ハイブリッド", "リアル", "オフライン", "本番", "社内", "今年", "今回"}
_TIME_WORDS = re.compile(r"^(?:現在|今年|今回|昨年|去年|先日|先週|本日|当日|毎年|例年|来年)")
# an information line after the mention: "- 日時：2024/12/19(木)", "| 会場 | 幕張メッセ |"
_INFO_LINE = re.compile(r"^[\s|*・\-]*(?:日時|日程|開催日|日付|会場|場所)\s*[|:：]")
_INFO_REACH = 400  # characters after a mention within which its information lines may follow
_SPECIFIC = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|#\s*\d+|vol\.?\s*\d+|第\s*\d+\s*回", re.I)


def find_event_details(text: str, mentions: Iterable[tuple[int, int, str]]) -> tuple[EventDetails, ...]:
    """Dates and venue of each event key in `mentions` ((start, end, key) of its mentions in `text`).

    Only one edition of an event has a date and a place: a series without a year or number in
    its name ("JAWS-UG") gets none.  In a sentence, a date or venue belongs to the event named
    right after it ("6/20〜21 に幕張メッセで開催された AWS Summit Japan 2024"), else to the one
    before it; information lines ("日時：", "会場：") belong to the first event named above them.
    """
    mentions = sorted((s, e, k) for s, e, k in mentions if _SPECIFIC.search(k))
    found: dict[str, dict] = {}
    for lo, hi in _sentences(text, mentions):
        inside = [m for m in mentions if lo <= m[0] < hi]
        window = text[lo:hi]
        for at, value, kind in _items(window, inside, lo):
            after = [m for m in inside if m[0] >= at]
            owner = after[0] if after else inside[-1]
            _keep(found, owner[2], kind, value)
    for start, end, key in mentions:
        block = text[end:end + _INFO_REACH]
        for line_start, line in _lines(block):
            if not _INFO_LINE.match(line):
                continue
            first = next(m for m in mentions if m[0] >= max(0, end + line_start - _INFO_REACH))
            for _, value, kind in _items(line, [(0, 0, first[2])], 0):
                _keep(found, first[2], kind, value)
    out = []
    for key in sorted(found):
        dates, venue = found[key].get("dates"), found[key].get("venue")
        out.append(EventDetails(key, dates[0] if dates else None, dates[1] if dates else None, venue))
    return tuple(out)


def _keep(found: dict, key: str, kind: str, value) -> None:
    if kind == "dates" and _year_of(key) is not None and int(value[0][:4]) != _year_of(key):
        return  # "2025/1/18 の re:Invent 2024 振り返り会": not the conference's own date
    found.setdefault(key, {}).setdefault(kind, value)


def _items(window: str, inside: list, offset: int) -> list[tuple[int, object, str]]:
    """The dates and venues of `window`, at their offsets in the text."""
    year = _year_of(inside[0][2]) if inside else None
    year = year or _nearest_year(window, 0)
    items = [(offset + at, value, "dates") for at, value in _dates(window, year)]
    items += [(offset + at, value, "venue") for at, value in _venues(window)]
    return sorted(items, key=lambda item: item[0])


def _sentences(text: str, mentions: list) -> list[tuple[int, int]]:
    """The sentences (up to 。！？ or a line end) that hold a mention, each once."""
    out: list[tuple[int, int]] = []
    for start, end, _ in mentions:
        lo = max(text.rfind(c, 0, start) for c in "。！？\n") + 1
        ends = [i for i in (text.find(c, end) for c in "。！？\n") if i >= 0]
        hi = min(ends) + 1 if ends else len(text)
        if not out or out[-1] != (lo, hi):
            out.append((lo, hi))
    return out


def _lines(block: str) -> list[tuple[int, str]]:
    out, at = [], 0
    for line in block.split("\n"):
        out.append((at, line))
        at += len(line) + 1
    return out[1:]  # the rest of the mention's own line is its sentence


def _year_of(key: str) -> int | None:
    years = _YEAR.findall(key)
    return int(years[-1]) if years else None


def _nearest_year(window: str, at: int) -> int | None:
    years = [(abs(m.start() - at), int(m.group(1))) for m in _YEAR.finditer(window)]
    return min(years)[1] if years else None


def _dates(window: str, year: int | None) -> list[tuple[int, tuple[str, str | None]]]:
    out = []
    for m in _DATE.finditer(window):
        y = int(m.group("y")) if m.group("y") else year
        if y is None:
            continue
        month = m.group("m") or m.group("sm")
        first = _iso(y, month, m.group("d") or m.group("sd"))
        if first is None:
            continue
        last = None
        if m.group("d2"):
            last = _iso(int(m.group("y2") or y), m.group("m2") or month, m.group("d2"))
            if last is not None and last < first:
                last = None
        out.append((m.start(), (first, last or first)))
    return out


def _venues(window: str) -> list[tuple[int, str]]:
    out = []
    for m in _VENUE.finditer(window):
        name = (m.group("before") or m.group("after") or "").strip(" -・")
        name = re.sub(r"^.*\d+\s+", "", name).strip()  # "6/20〜21 幕張メッセ": the dates are not the place
        name = re.split(r"\s+(?=\d)", name)[0]  # "渋谷ヒカリエ 12/19": nor what follows it
        name = _TIME_WORDS.sub("", name).strip()  # "現在ラスベガスで開催中"
        if len(name) >= 2 and name not in _NOT_A_PLACE and not name.isdigit():
            out.append((m.start(), name))
    return out


def _iso(year: int, month: str, day: str) -> str | None:
    try:
        return date(year, int(month), int(day)).isoformat()
    except ValueError:
        return None
