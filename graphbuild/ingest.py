"""Read posts (.txt, .md, .html) from files and folders into `Document`s.

Offsets everywhere else in graphbuild refer to `Document.text`, the cleaned text
made here, so it is built once and never changed afterwards.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Iterator

from charset_normalizer import from_bytes

from graphbuild.errors import InputError

POST_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
# Sudachi refuses input over 49,149 bytes; stay well under it.
MAX_CHUNK_BYTES = 40_000
# A longer "post" is a dump: GiNZA would spend many minutes on it.
MAX_POST_CHARS = 1_000_000
MAX_POST_BYTES = 8 * MAX_POST_CHARS


@dataclass(frozen=True)
class Document:
    """One post: `id` is derived from the text, so the same post always has the same id."""

    id: str
    name: str
    title: str
    source: str
    text: str


def find_posts(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of post files below them.

    Anything in a folder with a post's suffix is listed, even when it cannot be read (a
    broken link, a pipe), so that `read_document` reports it rather than it vanishing.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*"))
                         if p.suffix.lower() in POST_SUFFIXES and not p.is_dir() and not _hidden(p, path))
        elif path.exists() or path.is_symlink():
            found.append(path)
        else:
            raise InputError(path, "no such file or folder")
    return found


def snapshot(paths: Iterable[str | Path]) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every post under `paths`; equal snapshots: nothing was added, changed or removed."""
    found = {}
    for path in find_posts(paths):
        try:
            info = path.stat()
        except OSError:
            continue  # removed while we looked
        found[str(path)] = (info.st_mtime_ns, info.st_size)
    return found


def _hidden(path: Path, root: Path) -> bool:
    """Dot files and dot folders (editor backups, .git) are not posts."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read_document(path: str | Path) -> Document:
    """Read one post; raise `InputError` naming the file when it cannot be used."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, "is not a regular file (a pipe, device or socket)")
        if info.st_size > MAX_POST_BYTES:
            raise InputError(path, f"is {info.st_size:,} bytes, over the {MAX_POST_BYTES:,}-byte limit for one post")
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise InputError(path, "is a broken link" if path.is_symlink() else "no longer exists") from e
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    text = decode(data, path)
    if path.suffix.lower() in (".html", ".htm") or looks_like_html(text):
        title, text = html_to_text(text)
    else:
        title = ""
    text = clean_text(text)
    if not text.strip():
        raise InputError(path, "contains no text")
    if len(text) > MAX_POST_CHARS:
        raise InputError(path, f"is {len(text):,} characters, over the {MAX_POST_CHARS:,}-character limit for one post "
                               "(at about 2,500 characters a second it would take "
                               f"{len(text) / 2500 / 60:.0f} minutes; split it into posts)")
    title = title or first_line(text)
    return Document(id=document_id(text), name=path.stem, title=title, source=str(path), text=text)


def read_documents(paths: Iterable[str | Path]) -> Iterator[Document]:
    """Read every post under `paths`; stops at the first unreadable one (see `build` for skipping)."""
    for path in find_posts(paths):
        yield read_document(path)


def document_from_text(text: str, name: str = "text", source: str = "<string>") -> Document:
    """Make a `Document` from a string, for tests and notebooks."""
    text = clean_text(text)
    return Document(id=document_id(text), name=name, title=first_line(text), source=source, text=text)


def document_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM) first, then whatever charset-normalizer detects."""
    if not data:
        raise InputError(path, "is empty")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "looks like a binary file (it contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    # UTF-8 with a few broken bytes (a cut-off last character, a stray byte) is still the post
    text = data.decode("utf-8-sig", errors="replace")
    if text.count("\ufffd") <= max(10, len(text) // 1000):
        return text
    raise InputError(path, "looks like a binary file (it is not text in any encoding graphbuild can detect)")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Unify newlines and drop control characters; everything else is kept as written."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL.sub("", text)


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def looks_like_html(text: str) -> bool:
    head = text[:1000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html"))


class _TextExtractor(HTMLParser):
    """Visible text of an HTML page, one line per block element; scripts and styles dropped."""

    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
             "header", "footer", "blockquote", "pre", "dt", "dd", "table", "ul", "ol", "title"}
    SKIP = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, text) of an HTML page."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return " ".join("".join(parser.title).split()), text


def split_for_sudachi(text: str, max_bytes: int = MAX_CHUNK_BYTES) -> list[tuple[int, int]]:
    """Cut `text` into contiguous (start, end) pieces of at most `max_bytes` UTF-8 bytes.

    Cuts fall on a paragraph break if one is near, else a line break, else a sentence
    end, else any character; the pieces together are exactly `text`.
    """
    pieces: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        end = _longest_prefix_within(text, start, max_bytes)
        if end < len(text):
            window = text[start:end]
            for sep in ("\n\n", "\n", "。", "．", ". ", "！", "？", " "):
                cut = window.rfind(sep)
                if cut > len(window) // 4:
                    end = start + cut + len(sep)
                    break
        pieces.append((start, end))
        start = end
    return pieces


def _longest_prefix_within(text: str, start: int, max_bytes: int) -> int:
    """The largest end such that text[start:end] encodes to at most max_bytes."""
    # every character is at most 4 bytes, so this many are always safe
    end = min(len(text), start + max_bytes // 4)
    size = len(text[start:end].encode("utf-8"))
    while end < len(text):
        step = len(text[end].encode("utf-8"))
        if size + step > max_bytes:
            break
        size += step
        end += 1
    return end
