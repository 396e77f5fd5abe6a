"""What is checked in a SPARQL query before any parser sees it: nesting depth and SERVICE.

The SPARQL parser recurses once per nested group, bracket or unary operator: 2,500 nested
`{` or 10,000 nested `(` or `!` in a 5 KB query overflow its stack and kill the process.
SERVICE makes the endpoint send HTTP requests to any address and port.  Both are found
here by a scanner that knows strings, IRIs, comments, variables and prefixed names (so the
word inside `"a SERVICE"`, `<http://x/service>`, `?service` or `ex:SERVICE` is not the
keyword), after `\\u` escapes are decoded as SPARQL does before parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_NESTING = 64  # saved queries nest 6 deep at most

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_NAME_CHARS = re.compile(r"[\w.\-:%\\]*", re.UNICODE)


@dataclass(frozen=True)
class QueryShape:
    depth: int  # deepest nesting of brackets and chained unary operators
    uses_service: bool


class UnsafeQuery(ValueError):
    """A query refused before parsing: `reason` says why, in one line."""

    def __init__(self, reason: str, forbidden: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.forbidden = forbidden  # True: allowed by an option (SERVICE), not malformed


def _decode_escapes(query: str) -> str:
    def char(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    return _ESCAPE.sub(char, query)


def query_shape(query: str) -> QueryShape:
    """The nesting depth of `query` and whether it calls SERVICE, without parsing it."""
    q = _decode_escapes(query)
    n = len(q)
    i = depth = deepest = chain = 0
    service = False
    while i < n:
        c = q[i]
        if c == "#":
            end = q.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c in "\"'":
            i = _skip_string(q, i)
            chain = 0
            continue
        if c == "<":
            m = _IRI.match(q, i)
            if m:
                i = m.end()
                chain = 0
                continue
        if c in "({[":
            depth += 1
            deepest = max(deepest, depth + chain)
            chain = 0
        elif c in ")}]":
            depth = max(0, depth - 1)
            chain = 0
        elif c in "!+-" and not q.startswith("!=", i):
            chain += 1  # !!!!x and - - - x nest like brackets in the parser
            deepest = max(deepest, depth + chain)
        elif c in "?$":
            i = _NAME_CHARS.match(q, i + 1).end()
            chain = 0
            continue
        elif c.isalpha() or c == "_" or c == ":":
            end = _NAME_CHARS.match(q, i).end()
            word = q[i:end]
            if word.upper() == "SERVICE" and (i == 0 or q[i - 1] not in ":\\"):
                service = True
            i = max(end, i + 1)
            chain = 0
            continue
        elif not c.isspace():
            chain = 0
        i += 1
    return QueryShape(deepest, service)


def _skip_string(q: str, i: int) -> int:
    """The index after the string literal starting at `i` (short or long form, with escapes)."""
    quote = q[i]
    if q.startswith(quote * 3, i):
        end = i + 3
        while end < len(q):
            if q[end] == "\\":
                end += 2
            elif q.startswith(quote * 3, end):
                return end + 3
            else:
                end += 1
        return len(q)
    end = i + 1
    while end < len(q):
        if q[end] == "\\":
            end += 2
        elif q[end] == quote or q[end] == "\n":
            return end + 1
        else:
            end += 1
    return len(q)


def check_query(query: str, allow_service: bool = False, max_nesting: int = MAX_NESTING) -> None:
    """Raise `UnsafeQuery` for a query nested deeper than `max_nesting` or (unless allowed) using SERVICE."""
    shape = query_shape(query)
    if shape.depth > max_nesting:
        raise UnsafeQuery(f"the query nests {shape.depth} levels deep; at most {max_nesting} are accepted")
    if shape.uses_service and not allow_service:
        raise UnsafeQuery("SERVICE (federated query) is refused: this endpoint makes no requests to other "
                          "servers unless started with --allow-service", forbidden=True)
