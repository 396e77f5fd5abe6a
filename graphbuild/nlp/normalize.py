"""Text folding shared by the vocabulary matcher, entity resolution and the scorer.

Folding follows the gold guidelines: Unicode NFKC, lower case, and no spaces, hyphens,
middle dots or underscores, so "NTT データ", "NTTデータ" and "ｎｔｔデータ" are one key.
"""

from __future__ import annotations

import re
import unicodedata

# characters that writers insert or leave out freely inside names
_IGNORED = set(" \t\u3000-_・･‐‑–—―ー") - {"ー"}  # the long vowel mark is part of katakana words
_IGNORED_RE = re.compile(r"[\s\-_・･‐‑–—―]+")
_HALF_WIDTH_MARKS = "\uff9e\uff9f"  # ﾞ ﾟ
_VENDOR_PREFIX = re.compile(r"^(amazon|aws)\s+", re.IGNORECASE)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """The matching key of a name: NFKC, lower case, separators dropped."""
    return _IGNORED_RE.sub("", nfkc(text).lower())


def fold_label(label: str) -> str:
    """The gold guidelines' normalisation: `fold` after dropping a leading "Amazon " or "AWS "."""
    return fold(_VENDOR_PREFIX.sub("", nfkc(label).strip()))


def fold_with_offsets(text: str, lower: bool = True) -> tuple[str, list[int]]:
    """Fold `text` and return, for each folded character, the index of the original one."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch in _IGNORED or ch.isspace() or ch in _HALF_WIDTH_MARKS and i > 0:
            continue  # a half-width voiced mark was folded with the kana before it
        if i + 1 < len(text) and text[i + 1] in _HALF_WIDTH_MARKS:
            ch += text[i + 1]  # "ﾃﾞ" is one letter, デ
        normal = unicodedata.normalize("NFKC", ch)
        for f in normal.lower() if lower else normal:
            if f in _IGNORED or f.isspace():
                continue
            out.append(f)
            origin.append(i)
    return "".join(out), origin


_SENTENCE_END = re.compile(r"[。！？!?]+[」』）)]*|\n")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a line, or a part of a line ending in 。！？.

    Blank stretches are skipped and the bounds exclude surrounding white space, so
    `text[start:end]` is the sentence a reader would quote.
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end() if m.group() != "\n" else m.start()
        _append_trimmed(text, start, end, bounds)
        start = m.end()
    _append_trimmed(text, start, len(text), bounds)
    return bounds


def _append_trimmed(text: str, start: int, end: int, bounds: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        bounds.append((start, end))
