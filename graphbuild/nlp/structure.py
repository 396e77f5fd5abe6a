"""spaCy component `graphbuild_structure`: a post as blocks (headings, list items, table rows, lines, code).

Talks, speaker lines and tables of contents are read from these blocks rather than
from raw lines.  Markdown (and HTML, which ingest renders as Markdown) is parsed with
markdown-it-py; plain text by its layout (``#``/``■`` headings, ``・``/``-`` bullets,
``|`` tables, rules, fenced code).  Each block is one non-blank line; `start`/`end`
are the offsets of its content (markers stripped) in `doc.text`, so every later stage
quotes the text the reader sees.  Results: `doc._.graphbuild_blocks`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from spacy.language import Language
from spacy.tokens import Doc

HEADING, ITEM, ROW, LINE, CODE, QUOTE, RULE, CHROME = "heading", "item", "row", "line", "code", "quote", "rule", "chrome"

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+")
_MARK_HEADING = re.compile(r"^\s*([■□◆◇▼▽●○★☆▶▷◎])\s*")
# writers use ■ for the top heading and ▼ or ● under it
_MARK_LEVEL = {"■": 2, "□": 2, "◆": 2, "◇": 3, "●": 3, "○": 3, "▼": 3, "▽": 3, "▶": 3, "▷": 3, "★": 3, "☆": 3, "◎": 3}
_BRACKET_HEADING = re.compile(r"^\s*【[^】]{1,30}】\s*$")
_BULLET = re.compile(r"^(\s*)(?:[・•\-*+‣◦]|\d{1,2}[.)．]|[(（]\d{1,2}[)）]|[①-⑳])\s+|^(\s*)[・•①-⑳]\s*")
_RULE = re.compile(r"^\s*(?:[-=_*━─═～~―]\s*){3,}$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QUOTE = re.compile(r"^\s*>\s?")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_EMPHASIS = re.compile(r"^(\*\*|__)(.+?)\1")
# page chrome kept in a saved or copied post: share buttons, tag and category lines, navigation, counters
_SHARE = re.compile(r"シェア|ツイート|はてなブックマーク|はてブ|このエントリー|Pocket|B!")
_SHARE_TARGETS = re.compile(r"Twitter|Facebook|はてな|はてブ|LINE|Pocket|\bX\b|B!|ツイート")
_TAG_LINE = re.compile(r"^\s*(?:この記事の)?(?:タグ|Tags?|カテゴリー?|Categor(?:y|ies)|ハッシュタグ)\s*[:：]|^\s*(?:#[^\s#]+[\s\u3000]*){2,}$"
                       r"|^\s*(?:`[^`]+`[\s\u3000]*){2,}$")
_NAVIGATION = re.compile(r"^\s*(?:[«»‹›]|前の記事|次の記事|関連記事|人気記事|おすすめ記事|最新記事|ホーム\s*[>＞]|トップ\s*[>＞]|"
                         r"コメントを書く|Share this|Related posts)")
_COUNTERS = re.compile(r"(?:いいね|ストック|LGTM|👍|📁)\s*\d+")


@dataclass(frozen=True)
class Block:
    """One non-blank line of a post and what it is: its content is `text[start:end]`."""

    kind: str  # heading, item, row, line, code, quote or rule
    start: int
    end: int
    line_start: int  # where the line begins, markers included
    level: int = 0  # heading level (1-6) or list depth (0 for a top-level item)
    header: bool = False  # a table's header row
    cells: tuple[tuple[int, int], ...] = ()  # a table row's cells
    paragraph: int = 0  # blocks with the same number are not separated by a blank line

    def content(self, text: str) -> str:
        return text[self.start:self.end]


if not Doc.has_extension("graphbuild_blocks"):
    Doc.set_extension("graphbuild_blocks", default=None)
if not Doc.has_extension("graphbuild_format"):
    Doc.set_extension("graphbuild_format", default="text")  # how the post is marked up (ingest.Document.format)
if not Doc.has_extension("graphbuild_authors"):
    Doc.set_extension("graphbuild_authors", default=())  # the writers the post's metadata names
if not Doc.has_extension("graphbuild_title"):
    Doc.set_extension("graphbuild_title", default="")  # the post's title (ingest.Document.title)
if not Doc.has_extension("graphbuild_site"):
    Doc.set_extension("graphbuild_site", default=(None, None))  # the page's (site name, publisher)


@Language.factory("graphbuild_structure", assigns=["doc._.graphbuild_blocks"])
def make_structure_reader(nlp: Language, name: str) -> "StructureReader":
    return StructureReader()


class StructureReader:
    """Reads a `Doc`'s blocks; Markdown when `doc._.graphbuild_format` says markdown or html."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.graphbuild_blocks = read_blocks(doc.text, doc._.graphbuild_format)
        return doc


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    """Non-blank lines, stripped, with their offsets in `text`."""
    lines = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + raw.index(stripped)
            lines.append(Line(start, start + len(stripped), stripped))
        pos += len(raw) + 1
    return lines


def read_blocks(text: str, format: str = "text") -> list[Block]:
    """The blocks of `text`, in order."""
    kinds = _markdown_kinds(text) if format in ("markdown", "html") else _layout_kinds(text)
    blocks = []
    paragraph = 0
    pos = 0
    previous_blank = False
    for number, raw in enumerate(text.split("\n")):
        line_start, pos = pos, pos + len(raw) + 1
        if not raw.strip():
            if not previous_blank:
                paragraph += 1
            previous_blank = True
            continue
        previous_blank = False
        kind, level, header = kinds.get(number, (LINE, 0, False))
        if kind in (LINE, ITEM, HEADING, QUOTE) and is_chrome(raw):
            kind = CHROME
        blocks.append(_block(text, kind, line_start, raw, level, header, paragraph))
    return _related_lists_as_chrome(text, blocks)


# a list of other posts under its own heading: "関連記事", "あわせて読みたい", "Related posts"
_RELATED = re.compile(r"^[#■●◆【\s]*(?:関連記事|関連する記事|関連エントリー?|あわせて読みたい|合わせて読みたい|おすすめ記事|"
                      r"こちらもおすすめ|人気記事|新着記事|最近の(?:投稿|記事)|過去の記事|前回の記事|この記事を読んだ人|"
                      r"Related (?:posts|articles|entries)|Recommended|Popular posts)[】\s:：]*$", re.IGNORECASE)
RELATED_ITEMS = 15


def _related_lists_as_chrome(text: str, blocks: list[Block]) -> list[Block]:
    """The items listed under a related-articles heading are page chrome, like the heading."""
    out = list(blocks)
    for i, block in enumerate(blocks):
        if block.kind in (HEADING, LINE, CHROME) and _RELATED.match(block.content(text)):
            out[i] = dataclasses.replace(block, kind=CHROME)
            for j in range(i + 1, min(len(blocks), i + 1 + RELATED_ITEMS)):
                b = blocks[j]
                if b.kind == HEADING or b.kind not in (ITEM, LINE, CHROME) or "。" in b.content(text):
                    break
                out[j] = dataclasses.replace(b, kind=CHROME)
    return out


def is_chrome(line: str) -> bool:
    """A line of page chrome: share buttons, tags, categories, navigation, like and stock counters."""
    line = line.strip()
    if len(line) > 120:
        return False
    if _SHARE.search(line) and len(_SHARE_TARGETS.findall(line)) >= 2:
        return True
    return bool(_TAG_LINE.search(line) or _NAVIGATION.match(line) or _COUNTERS.search(line) and len(line) <= 40)


def _block(text: str, kind: str, line_start: int, raw: str, level: int, header: bool, paragraph: int) -> Block:
    """Strip the line's markers: '## ', '- ', '> ', '| ... |', '**...**' around a whole line."""
    start, end = line_start, line_start + len(raw.rstrip())
    start += len(raw) - len(raw.lstrip())
    cells: tuple[tuple[int, int], ...] = ()
    if kind == HEADING:
        m = _MD_HEADING.match(raw) or _MARK_HEADING.match(raw)
        if m:
            start = line_start + m.end()
        end = line_start + len(raw.rstrip().rstrip("#").rstrip()) if raw.rstrip().endswith(" #") else end
    elif kind == ITEM:
        m = _BULLET.match(raw)
        if m:
            start = line_start + m.end()
    elif kind == QUOTE:
        start = line_start + _QUOTE.match(raw).end() if _QUOTE.match(raw) else start
    elif kind == ROW:
        cells = _cells(raw, line_start)
        if cells:
            start, end = cells[0][0], cells[-1][1]
    line = text[start:end]
    m = _EMPHASIS.match(line)
    if m and m.end() == len(line):  # "**a bold line**" reads as its words
        start, end = start + len(m.group(1)), end - len(m.group(1))
    return Block(kind, start, max(start, end), line_start, level, header, cells, paragraph)


def _cells(raw: str, line_start: int) -> tuple[tuple[int, int], ...]:
    cells = []
    pos = 0
    parts = raw.split("|")
    for i, part in enumerate(parts):
        begin = pos
        pos += len(part) + 1
        if (i == 0 or i == len(parts) - 1) and not part.strip():
            continue
        stripped = part.strip()
        offset = begin + (part.index(stripped) if stripped else 0)
        cells.append((line_start + offset, line_start + offset + len(stripped)))
    return tuple(cells)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _markdown_kinds(text: str) -> dict[int, tuple[str, int, bool]]:
    """Line number -> (kind, level, header) from markdown-it-py's block tokens and their line maps."""
    kinds: dict[int, tuple[str, int, bool]] = {}
    depth = -1
    quote = 0
    in_header = False
    for token in _parser().parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "blockquote_open":
            quote += 1
        elif token.type == "blockquote_close":
            quote -= 1
        elif token.type == "thead_open":
            in_header = True
        elif token.type == "thead_close":
            in_header = False
        if token.map is None:
            continue
        first, last = token.map
        if token.type == "heading_open":
            kind = (HEADING, int(token.tag[1]), False)
        elif token.type in ("fence", "code_block"):
            kind = (CODE, 0, False)
        elif token.type == "hr":
            kind = (RULE, 0, False)
        elif token.type == "tr_open":
            kind = (ROW, 0, in_header)
        elif token.type == "list_item_open":
            kind = (ITEM, depth, False)
        elif token.type == "paragraph_open":
            kind = (QUOTE, 0, False) if quote else None
            if depth >= 0:  # a list item's continuation lines stay part of the item
                continue
        else:
            continue
        if kind is None:
            continue
        for number in range(first, last):
            if kind[0] == ITEM and number != first and number in kinds:
                continue
            if kind[0] == ITEM and number != first:
                kinds[number] = (LINE, depth, False)
                continue
            kinds[number] = kind
    for number, line in enumerate(text.split("\n")):
        if kinds.get(number, (None,))[0] is None and _TABLE_SEPARATOR.match(line) and "|" in line:
            kinds[number] = (RULE, 0, False)
    return kinds


def _layout_kinds(text: str) -> dict[int, tuple[str, int, bool]]:
    """Line number -> (kind, level, header) of plain text, from the marks writers type."""
    kinds: dict[int, tuple[str, int, bool]] = {}
    lines = text.split("\n")
    in_code = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            kinds[number] = (CODE, 0, False)
            in_code = not in_code
            continue
        if in_code:
            kinds[number] = (CODE, 0, False)
        elif _TABLE_SEPARATOR.match(line) and "|" in line:
            kinds[number] = (RULE, 0, False)
        elif _RULE.match(line):
            kinds[number] = (RULE, 0, False)
        elif (m := _MD_HEADING.match(line)):
            kinds[number] = (HEADING, len(m.group(1)), False)
        elif (m := _MARK_HEADING.match(line)) and len(line.strip()) <= 80:
            kinds[number] = (HEADING, _MARK_LEVEL[m.group(1)], False)
        elif _BRACKET_HEADING.match(line):
            kinds[number] = (HEADING, 2, False)
        elif line.strip().startswith("|") and line.strip().endswith("|"):
            header = number + 1 < len(lines) and bool(_TABLE_SEPARATOR.match(lines[number + 1]))
            kinds[number] = (ROW, 0, header)
        elif (m := _BULLET.match(line)):
            indent = len(m.group(1) or m.group(2) or "")
            kinds[number] = (ITEM, indent // 2, False)
        elif _QUOTE.match(line):
            kinds[number] = (QUOTE, 0, False)
    return kinds
