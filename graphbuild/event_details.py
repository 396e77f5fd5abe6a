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

from graphbuild.records import EventDetails

_SEP = r"\s*[〜~～\-–—]\s*"
_FULL = r"(?P<y>\d{4})\s*[年/.\-]\s*(?P<m>\d{1,2})\s*[月/.\-]\s*(?P<d>\d{1,2})\s*日?"
_SHORT = r"(?P<sm>\d{1,2})\s*(?:月|/)\s*(?P<sd>\d{1,2})\s*日?"
_WEEKDAY = r"(?:\s*[(（][^)）]{1,6}[)）])?"
_END = r"(?:(?:(?P<y2>\d{4})\s*[年/.\-]\s*)?(?P<m2>\d{1,2})\s*(?:月|/)\s*)?(?P<d2>\d{1,2})\s*日?" + _WEEKDAY
_DATE = re.compile(rf"(?:{_FULL}|(?<![\d/]){_SHORT}(?![\d/]|\s*\d{{2}}:)){_WEEKDAY}(?:{_SEP}{_END})?")
_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)")
_NAME = r"[\u30A0-\u30FF\u4E00-\u9FFFA-Za-z0-9ー・&＆\- ]*[\u30A0-\u30FF\u4E00-\u9FFFA-Za-z0-9ー]"
_VENUE = re.compile(rf"(?P<before>{_NAME})\s*(?:にて|で)(?:開催|行われ|実施)|(?:会場|場所)\s*(?:は|[:：])\s*(?P<after>{_NAME})")
_NOT_A_PLACE = {"オンライン", "現地", "ハイブリッド", "リアル", "オフライン", "本番", "社内", "今年", "今回"}
_WINDOW = 200  # characters after the mention that may still speak of it


def find_event_details(text: str, mentions: Iterable[tuple[int, int, str]]) -> tuple[EventDetails, ...]:
    """Dates and venue of each event key in `mentions` ((start, end, key) of its mentions in `text`)."""
    found: dict[str, EventDetails] = {}
    for start, end, key in sorted(mentions):
        if key in found and found[key].start_date and found[key].location:
            continue
        window_start, window_end = _paragraph(text, start, end)
        window = text[window_start:window_end]
        at = start - window_start
        year = _year_of(key) or _nearest_year(window, at)
        dates = _nearest(_dates(window, year), at)
        venue = _nearest(_venues(window), at)
        old = found.get(key, EventDetails(key))
        found[key] = EventDetails(key, old.start_date or (dates[0] if dates else None),
                                  old.end_date or (dates[1] if dates else None), old.location or venue)
    return tuple(d for _, d in sorted(found.items()) if d.start_date or d.location)


def _paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    lo = text.rfind("\n\n", 0, start)
    hi = text.find("\n\n", end)
    lo = 0 if lo < 0 else lo + 2
    hi = len(text) if hi < 0 else hi
    return max(lo, start - _WINDOW), min(hi, end + _WINDOW)


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
        if len(name) >= 2 and name not in _NOT_A_PLACE and not name.isdigit():
            out.append((m.start(), name))
    return out


def _nearest(items: list[tuple[int, object]], at: int):
    return min(items, key=lambda item: abs(item[0] - at))[1] if items else None


def _iso(year: int, month: str, day: str) -> str | None:
    try:
        return date(year, int(month), int(day)).isoformat()
    except ValueError:
        return None
