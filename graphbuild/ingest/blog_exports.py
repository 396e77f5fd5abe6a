"""Whole-blog files read as many posts: WordPress WXR, Movable Type / Hatena Blog exports, Atom and RSS feeds.

Each entry keeps its own title, metadata and a stable slug (the post's own slug, base name
or id, so adding entries to the export does not rename the others).  Entry bodies are HTML
fragments; `html_page.article_markdown` turns them into Markdown as it does saved pages.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import feedparser
import lxml.html
from lxml import etree

from graphbuild.errors import InputError
from graphbuild.ingest.html_page import article_markdown
from graphbuild.ingest.post_metadata import Metadata, clean_names, clean_tags, iso_date

_WP = "http://wordpress.org/export/"
_NS = {"content": "http://purl.org/rss/1.0/modules/content/", "dc": "http://purl.org/dc/elements/1.1/"}
_MT_HEADER = re.compile(r"\A(?:[A-Z][A-Z ]*: .*\n)*?(?:AUTHOR|TITLE|BASENAME): .*\n")
_MT_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?", re.I)


@dataclass(frozen=True)
class ExportEntry:
    slug: str
    title: str
    text: str
    format: str  # "html" when the body was HTML, "markdown" when the export says so, else "text"
    metadata: Metadata


def export_kind(text: str) -> str | None:
    """"wxr", "mt" or "feed" when `text` is a blog export, else None."""
    head = text[:4000].lstrip("\ufeff \t\r\n")
    if head.startswith("<?xml") or head.startswith(("<rss", "<feed", "<rdf:RDF")):
        if "wordpress.org/export/" in head:
            return "wxr"
        if re.search(r"<(rss|feed|rdf:RDF)[\s>]", head):
            return "feed"
        return None
    if _MT_HEADER.match(head) and re.search(r"^--------$", text, re.M):
        return "mt"
    return None


def read_export(text: str, kind: str, source: str) -> list[ExportEntry]:
    """The posts of a blog export; `InputError` naming `source` when it cannot be read or holds none."""
    reader = {"wxr": _read_wxr, "mt": _read_mt, "feed": _read_feed}[kind]
    entries = [e for e in reader(text, source) if e.text.strip()]  # an empty draft is not a post
    if not entries:
        raise InputError(source, "is a blog export with no posts in it")
    return _unique_slugs(entries)


def _read_wxr(text: str, source: str) -> list[ExportEntry]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=True)
    try:
        root = etree.fromstring(text.lstrip("\ufeff").encode("utf-8"), parser)
    except etree.XMLSyntaxError as e:
        raise InputError(source, f"is a WordPress export that is not well-formed XML ({e})") from e
    channel = root.find("channel")
    if channel is None:
        raise InputError(source, "is a WordPress export without a <channel>")
    wp = root.nsmap.get("wp") or _WP + "1.2/"
    site = _text(channel.find("title"))
    language = _language(_text(channel.find("language")))
    entries = []
    for item in channel.iter("item"):
        if _text(item.find(f"{{{wp}}}post_type")) not in ("post", "page", ""):
            continue  # attachments, menu items, custom CSS
        if _text(item.find(f"{{{wp}}}status")) in ("trash", "auto-draft", "inherit"):
            continue
        body = _text(item.find("content:encoded", _NS))
        tags = [c.text for c in item.findall("category") if c.text]
        date = iso_date(_text(item.find(f"{{{wp}}}post_date"))) or _rfc822_date(_text(item.find("pubDate")))
        slug = _text(item.find(f"{{{wp}}}post_name")) or _text(item.find(f"{{{wp}}}post_id"))
        entries.append(_entry(slug or _text(item.find("guid")) or _text(item.find("title")),
                              _text(item.find("title")), body,
                              Metadata(clean_names([_text(item.find("dc:creator", _NS))]), date,
                                       _text(item.find("link")) or None, site or None, clean_tags(tags), language)))
    return entries


def _read_mt(text: str, source: str) -> list[ExportEntry]:
    entries = []
    for block in re.split(r"^--------[ \t]*$", text.replace("\r\n", "\n"), flags=re.M):
        if not block.strip():
            continue
        sections = re.split(r"^-----[ \t]*$", block, flags=re.M)
        header: dict[str, list[str]] = {}
        for line in sections[0].strip("\n").splitlines():
            key, sep, value = line.partition(":")
            if sep:
                header.setdefault(key.strip().upper(), []).append(value.strip())
        body_parts, keywords = [], []
        for section in sections[1:]:
            label, _, content = section.lstrip("\n").partition("\n")
            label = label.strip().rstrip(":").upper()
            if label in ("BODY", "EXTENDED BODY"):
                body_parts.append(content.strip())
            elif label == "KEYWORDS":
                keywords.append(content.strip())
        if not header.get("TITLE") and not body_parts:
            continue
        first = {k: v[0] for k, v in header.items()}
        if first.get("STATUS", "publish").lower() not in ("publish", "draft", "future"):
            continue
        metadata = Metadata(clean_names(header.get("AUTHOR", [])), _mt_date(first.get("DATE", "")),
                            None, None, clean_tags(header.get("CATEGORY", []) + keywords), None)
        slug = first.get("BASENAME") or first.get("TITLE") or ""
        markdown = first.get("CONVERT BREAKS", "").lower().startswith("markdown")
        entries.append(_entry(slug, first.get("TITLE", ""), "\n\n".join(p for p in body_parts if p), metadata,
                              "markdown" if markdown else None))
    if not entries:
        raise InputError(source, "looks like a Movable Type export but no entry could be read")
    return entries


def _read_feed(text: str, source: str) -> list[ExportEntry]:
    feed = feedparser.parse(text.lstrip("\ufeff"))
    if feed.bozo and not feed.entries:
        raise InputError(source, f"is a feed that cannot be read ({feed.bozo_exception})")
    site = feed.feed.get("title") or None
    language = _language(feed.feed.get("language") or "")
    entries = []
    for entry in feed.entries:
        contents = entry.get("content") or []
        body = contents[0].get("value", "") if contents else entry.get("summary", "")
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")] or [entry.get("author")]
        raw_date = entry.get("published") or entry.get("updated") or ""
        date = iso_date(raw_date) or _rfc822_date(raw_date)
        tags = [t.get("term") for t in entry.get("tags", [])]
        link = entry.get("link") or None
        slug = _slug_of_link(link) or entry.get("id") or entry.get("title", "")
        entries.append(_entry(slug, entry.get("title", ""), body,
                              Metadata(clean_names(authors), date, link, site, clean_tags(tags), language)))
    return entries


def _entry(slug: str, title: str, body: str, metadata: Metadata, markup: str | None = None) -> ExportEntry:
    """One post of an export; its body is HTML unless `markup` says "markdown" (Movable Type's CONVERT BREAKS)."""
    if markup == "markdown":
        return ExportEntry(_safe_slug(slug, title), " ".join(title.split()), body.strip(), "markdown", metadata)
    is_html = bool(re.search(r"<[a-zA-Z][^>]*>", body))
    if is_html:
        tree = lxml.html.document_fromstring(f"<html><body><article>{body}</article></body></html>")
        text = article_markdown(tree)
    else:
        text = body.strip()
    return ExportEntry(_safe_slug(slug, title), " ".join(title.split()), text, "html" if is_html else "text",
                       metadata)


def _safe_slug(slug: str, title: str) -> str:
    """A slug usable as the last part of a post name: no "/", no leading dot, not empty."""
    slug = re.sub(r"[/\\\s]+", "-", slug.strip()).strip("-.")
    if not slug:
        slug = "post-" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:10]
    return slug[:120]


def _unique_slugs(entries: list[ExportEntry]) -> list[ExportEntry]:
    seen: dict[str, int] = {}
    out = []
    for e in entries:
        n = seen.get(e.slug, 0) + 1
        seen[e.slug] = n
        out.append(e if n == 1 else ExportEntry(f"{e.slug}-{n}", e.title, e.text, e.format, e.metadata))
    return out


def _slug_of_link(link: str | None) -> str:
    if not link:
        return ""
    path = urlsplit(link).path.strip("/")
    return path.rsplit("/", 1)[-1] if path else ""


def _mt_date(value: str) -> str | None:
    """Movable Type's "MM/DD/YYYY hh:mm:ss [AM|PM]"."""
    match = _MT_DATE.search(value)
    if not match:
        return iso_date(value)
    month, day, year = match.group(1, 2, 3)
    return iso_date(f"{year}-{int(month):02d}-{int(day):02d}")


def _rfc822_date(value: str) -> str | None:
    """RSS's "Thu, 14 Mar 2024 10:00:00 +0900", as the date written there (its own time zone)."""
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat() if value else None
    except (TypeError, ValueError, IndexError):
        return None


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def _language(value: str) -> str | None:
    return value.replace("_", "-").split("-")[0].lower() or None
