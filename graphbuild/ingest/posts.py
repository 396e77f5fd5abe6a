"""Read posts (.txt, .md, .html, blog exports) from files and folders into `Document`s.

Offsets everywhere else in graphbuild refer to `Document.text`, the cleaned text
made here, so it is built once and never changed afterwards.  HTML pages become their
article body in Markdown (`html_page`), Markdown loses its front matter (`front_matter`),
and a blog export becomes one document per entry (`blog_exports`).  A post's name is its
path relative to the folder given, without the suffix ("a/index"), so names never collide.
"""

from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

from charset_normalizer import from_bytes

from graphbuild.ingest.blog_exports import export_kind, read_export
from graphbuild.errors import InputError
from graphbuild.ingest.front_matter import split_front_matter
from graphbuild.ingest.html_page import read_html
from graphbuild.ingest.post_metadata import Metadata

POST_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".xml", ".atom", ".rss")
EXPORT_SUFFIXES = (".xml", ".atom", ".rss")
MARKDOWN_SUFFIXES = (".md", ".markdown")
# Sudachi refuses input over 49,149 bytes; stay well under it.
MAX_CHUNK_BYTES = 40_000
# A longer "post" is a dump: GiNZA would spend many minutes on it.
MAX_POST_CHARS = 1_000_000
MAX_POST_BYTES = 8 * MAX_POST_CHARS


@dataclass(frozen=True)
class Document:
    """One post: `id` is derived from the text, so the same post always has the same id.

    `format` says what `text` is: "text", "markdown" (front matter removed) or "html"
    (the article body of a page, rendered as Markdown).  `metadata` is what the post
    says about itself (authors, date, url, site, tags, language)."""

    id: str
    name: str
    title: str
    source: str
    text: str
    format: str = "text"
    metadata: Metadata = field(default_factory=Metadata)


def find_posts(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the sorted list of post files below them.

    Anything in a folder with a post's suffix is listed, even when it cannot be read (a
    broken link, a pipe), so that `read_document` reports it rather than it vanishing.
    """
    return [path for path, _ in list_posts(paths)]


def list_posts(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """`find_posts` with each file's post name: its path relative to the folder given, without
    the suffix ("a/index"); a file given by itself is named by its stem.  When two files would
    get one name ("a/x.md" and "a/x.html"), the later keeps its suffix ("a/x.html")."""
    found: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend((p, PurePosixPath(*p.relative_to(path).with_suffix("").parts).as_posix())
                         for p in sorted(path.rglob("*"))
                         if p.suffix.lower() in POST_SUFFIXES and not p.is_dir() and not _hidden(p, path))
        elif path.exists() or path.is_symlink():
            found.append((path, path.stem))
        else:
            raise InputError(path, "no such file or folder")
    taken: set[str] = set()
    named = []
    for path, name in found:
        if name in taken:
            base, n = f"{name}{path.suffix}", 1
            name = base
            while name in taken:
                n += 1
                name = f"{base}~{n}"
        taken.add(name)
        named.append((path, name))
    return named


def extraction_file_name(name: str) -> str:
    """The file name of a post's extraction JSON: the name with "/" and characters that file
    systems refuse written as %XX (reversible, so two names never share a file)."""
    safe = "".join(c if c not in '%/\\:*?"<>|' and c.isprintable() else "".join(f"%{b:02X}" for b in c.encode())
                   for c in name)
    if safe.startswith("."):
        safe = "%2E" + safe[1:]
    if len(safe.encode("utf-8")) > 200:  # file names stop at 255 bytes
        safe = safe.encode("utf-8")[:180].decode("utf-8", "ignore") + "~" + hashlib.sha256(name.encode()).hexdigest()[:12]
    return f"{safe}.json"


def source_path(document: Document) -> str:
    """Where the post lives relative to the folder given: "a/index.md", or "blog.xml#slug" for a
    blog export's entry (whose `source` is "PATH#slug" and name "blog/slug"): the last parts of
    `source`, as many as the name has."""
    source, name, fragment = document.source.replace("\\", "/"), document.name, ""
    base, sep, slug = source.rpartition("#")
    if sep and name.endswith("/" + slug):
        source, name, fragment = base, name[: -len(slug) - 1], "#" + slug
    parts = PurePosixPath(source).parts
    return "/".join(parts[-len(PurePosixPath(name).parts):]) + fragment


def _hidden(path: Path, root: Path) -> bool:
    """Dot files and dot folders (editor backups, .git) are not posts."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def read_document(path: str | Path, name: str | None = None) -> Document:
    """Read one post; raise `InputError` naming the file when it cannot be used (a blog
    export holds many posts: read it with `read_posts`)."""
    documents = read_posts(path, name)
    if len(documents) != 1:
        raise InputError(path, f"is a blog export of {len(documents)} posts; build it, or read it with read_posts")
    return documents[0]


def read_posts(path: str | Path, name: str | None = None) -> list[Document]:
    """The posts of one file: one for a page or text, one per entry for a blog export.
    `name` is the post's name (see `list_posts`; the file's stem by default)."""
    path = Path(path)
    name = name or path.stem
    text = decode(_read_bytes(path), path)
    kind = export_kind(text) if path.suffix.lower() in EXPORT_SUFFIXES + (".txt",) else None
    if kind is not None:
        return [_document(path, f"{name}/{e.slug}", f"{path}#{e.slug}", e.title, e.text, e.format, e.metadata)
                for e in read_export(clean_text(text), kind, str(path))]
    if path.suffix.lower() in EXPORT_SUFFIXES and not looks_like_html(text):
        raise InputError(path, "is not a WordPress export, Atom or RSS feed")
    title, fmt, metadata = "", "text", Metadata()
    if path.suffix.lower() in (".html", ".htm") or looks_like_html(text):
        page = read_html(text)
        title, text, fmt, metadata = page.title, page.text, "html", page.metadata
    elif path.suffix.lower() in MARKDOWN_SUFFIXES:
        fmt = "markdown"
        front = split_front_matter(clean_text(text), str(path))
        if front is not None:
            title, text, metadata = front.title, front.text, front.metadata
    return [_document(path, name, str(path), title, text, fmt, metadata)]


def _read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, "is not a regular file (a pipe, device or socket)")
        if info.st_size > MAX_POST_BYTES:
            raise InputError(path, f"is {info.st_size:,} bytes, over the {MAX_POST_BYTES:,}-byte limit for one post")
        return path.read_bytes()
    except FileNotFoundError as e:
        raise InputError(path, "is a broken link" if path.is_symlink() else "no longer exists") from e
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror or e})") from e


def _document(path: Path, name: str, source: str, title: str, text: str, fmt: str, metadata: Metadata) -> Document:
    text = clean_text(text)
    where = path if source == str(path) else source
    if not text.strip():
        raise InputError(where, "contains no text")
    if len(text) > MAX_POST_CHARS:
        raise InputError(where, f"is {len(text):,} characters, over the {MAX_POST_CHARS:,}-character limit for one post "
                                "(at about 2,500 characters a second it would take "
                                f"{len(text) / 2500 / 60:.0f} minutes; split it into posts)")
    title = " ".join(title.split()) or first_line(text)
    return Document(id=document_id(text), name=name, title=title, source=source, text=text, format=fmt,
                    metadata=metadata)


def document_from_text(text: str, name: str = "text", source: str = "<string>", format: str = "text",
                       metadata: Metadata | None = None) -> Document:
    """Make a `Document` from a string, for tests and notebooks."""
    text = clean_text(text)
    return Document(id=document_id(text), name=name, title=first_line(text), source=source, text=text,
                    format=format, metadata=metadata or Metadata())


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
