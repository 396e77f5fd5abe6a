"""What a post says about itself (authors, date, url, site, tags, language), as read from its
page, front matter or blog export; shared by every reader so each normalises values the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable


@dataclass(frozen=True)
class Metadata:
    """A post's own metadata; `date` is an ISO 8601 date (YYYY-MM-DD) as the post gives it (its own time zone)."""

    authors: tuple[str, ...] = ()
    date: str | None = None
    url: str | None = None
    site: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None
    publisher: str | None = None  # the organisation the page says publishes it

    def to_dict(self) -> dict:
        return {"authors": list(self.authors), "date": self.date, "url": self.url, "site": self.site,
                "tags": list(self.tags), "language": self.language,
                "publisher": self.publisher}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Metadata":
        data = data or {}
        return cls(tuple(data.get("authors") or ()), data.get("date"), data.get("url"), data.get("site"),
                   tuple(data.get("tags") or ()), data.get("language"), data.get("publisher"))


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{6})?$")  # Movable Type's 20240314100000 and 20240314


def iso_date(value: Any) -> str | None:
    """The calendar date of `value` (a date, datetime, "2024-03-14T10:00:00+09:00", "2024/3/14",
    "2024年3月14日", "20240314"), as written, without converting time zones; None when it has none."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    match = _DATE.search(text) or _COMPACT.match(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


_TAGLINE = re.compile(r"\s*(?:｜|\s\|\s|\s/\s)\s*")


def clean_names(values: Iterable[Any]) -> tuple[str, ...]:
    """Author names as people read them: whitespace folded, a display name's tagline
    ("ミナト｜福岡のWebエンジニア") cut, "@" kept, urls and empty values dropped, duplicates once."""
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            continue
        name = " ".join(value.split())
        name = _TAGLINE.split(name, maxsplit=1)[0].strip()
        if name and not re.match(r"https?://", name) and name not in out:
            out.append(name)
    return tuple(out)


def clean_tags(values: Iterable[Any]) -> tuple[str, ...]:
    """Tags as a tuple of distinct non-empty strings; "a,b" in one value (a keywords meta tag) is two tags."""
    out: list[str] = []
    for value in values:
        if value is None or isinstance(value, (dict, list)):
            continue
        for tag in re.split(r"\s*[,、，]\s*", str(value)):
            tag = " ".join(tag.split()).lstrip("#")
            if tag and tag not in out:
                out.append(tag)
    return tuple(out)


def listify(value: Any) -> list:
    """A front matter or JSON-LD value that may be one item or a list of them, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
