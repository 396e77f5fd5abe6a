"""Text shown to people: names printed to a terminal cannot forge lines or send escape
sequences, and labels carry no invisible direction or zero-width controls.

A file name may hold anything but `/` and NUL: an `ESC]0;...` sequence retitles the
terminal, a newline forges a line of the build report, and a right-to-left override shows
`txt.exe` as `exe.txt`.  Printed names have these escaped (`\\x1b`, `\\n`, `\\u202e`);
labels have the invisible ones removed; evidence keeps the text as written (its offsets
point into it) and the map shows them escaped.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL: what a terminal acts on
_CONTROLS = "\x00-\x1f\x7f-\x9f"
# direction marks, embeddings, overrides and isolates; zero-width space, joiners, word joiner,
# invisible operators, byte order mark
_INVISIBLE = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_UNPRINTABLE = re.compile(f"[{_CONTROLS}{_INVISIBLE}]")
_INVISIBLE_ONLY = re.compile(f"[{_INVISIBLE}]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control and invisible formatting character written as an escape, for a terminal."""
    return _UNPRINTABLE.sub(_escape, str(text))


def escape_invisible(text: str) -> str:
    """`text` with direction and zero-width controls written as escapes, other characters as they are."""
    return _INVISIBLE_ONLY.sub(_escape, text)


def clean_label(text: str) -> str:
    """A label without direction and zero-width controls (they only serve to spoof what it looks like)."""
    return _INVISIBLE_ONLY.sub("", text)
