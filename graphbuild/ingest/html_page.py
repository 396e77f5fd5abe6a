"""A saved HTML page -> its article body as Markdown, its title and its metadata.

The body comes from trafilatura (main-content extraction: navigation, share buttons,
related-article lists, comments and footers are left out) as Markdown, so headings,
lists, tables and code blocks reach the document-structure stage.  The metadata is read
from the page's own declarations: JSON-LD (BlogPosting, Article), Open Graph and
`<meta>` tags, then the visible byline, then trafilatura's date finder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import lxml.html
from lxml import etree

from graphbuild.ingest.post_metadata import Metadata, clean_names, clean_tags, iso_date, listify

_ARTICLE_TYPES = {"BlogPosting", "Article", "NewsArticle", "TechArticle", "Report", "SocialMediaPosting"}
# separators between a page title and the blog or author name in <title>
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", "｜", " :: ", " / ", " · ")
# a visible byline: "執筆:名前", "聞き手・文:名前(所属)", "Written by Name"
_BYLINE = re.compile(r"(?:^|[\s・|｜/／])(?:執筆|著者|筆者|文|投稿者|Author|Written by)\s*[:：]\s*"
                     r"([^|｜/／(（\n]{1,40})", re.IGNORECASE)


@dataclass(frozen=True)
class HtmlPost:
    title: str
    text: str
    metadata: Metadata


@lru_cache(maxsize=1)
def _trafilatura():
    """trafilatura and graphbuild's settings of it, imported on the first page read (a build of text
    and Markdown posts, or one that finds nothing to do, never pays for the import)."""
    import trafilatura
    from trafilatura.settings import use_config

    # trafilatura logs a warning for every page without an article; graphbuild says what it skips itself
    for name in ("trafilatura", "htmldate", "justext"):
        logging.getLogger(name).setLevel(logging.ERROR)
    config = use_config()
    # a short post is still a post: keep what the page has even when it is a few lines
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    config.set("DEFAULT", "MIN_EXTRACTED_COMM_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_COMM_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")  # signals do not work in worker threads
    return trafilatura, config


def read_html(html: str) -> HtmlPost:
    """The article of an HTML page: title (without the blog-name suffix), body as Markdown, metadata."""
    tree = _parse(html)
    if tree is None:
        return HtmlPost("", visible_text(html), Metadata())
    text = article_markdown(tree) or visible_text(html)  # lxml gives up on some trees (5,000 nested divs)
    metadata, titles = _page_metadata(tree)
    if metadata.date is None:
        trafilatura, _ = _trafilatura()
        found = trafilatura.extract_metadata(tree)
        metadata = dataclasses.replace(metadata, date=iso_date(found.date if found else None))
    return HtmlPost(_title(tree, titles, metadata), text, metadata)


def _parse(html: str) -> lxml.html.HtmlElement | None:
    """lxml's HTML parser, which closes what a page leaves open (no `</head>`, an unclosed `<svg>`)."""
    try:
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError):
        return None


def article_markdown(tree: lxml.html.HtmlElement) -> str:
    """The article body as Markdown (`#` headings, `- ` items, `| a | b |` rows, fenced code)."""
    _mark_code_blocks(tree)
    trafilatura, config = _trafilatura()
    options = dict(output_format="markdown", include_tables=True, include_formatting=True, include_comments=False,
                   include_links=False, include_images=False, deduplicate=False, config=config)
    text = trafilatura.extract(_copy(tree), **options)
    if not text or not text.strip():  # no article found: a bare page, keep all its text
        text = trafilatura.extract(_copy(tree), favor_recall=True, **options) or trafilatura.html2txt(_copy(tree))
    lines = [line.rstrip() for line in (text or "").splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    # "@haru\_cloud": an underscore inside a word never starts emphasis, so its escape only hides the name
    return re.sub(r"(?<=\w)\\_(?=\w)", "_", text)


def _mark_code_blocks(tree: lxml.html.HtmlElement) -> None:
    """Every `<pre>` as `<pre><code>` ending in a newline, which trafilatura writes as a fenced block
    (a one-line `<pre>` would become inline code, a `<pre>` without `<code>` plain text)."""
    for pre in tree.iter("pre"):
        code = pre.find("code")
        if code is None:
            code = lxml.html.Element("code")
            code.text, pre.text = pre.text, None
            for child in list(pre):
                code.append(child)
            pre.append(code)
        if len(code):
            code[-1].tail = (code[-1].tail or "").rstrip("\n") + "\n"
        else:
            code.text = (code.text or "").rstrip("\n") + "\n"


class _VisibleText(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "header",
             "footer", "blockquote", "pre", "dt", "dd", "table", "ul", "ol"}
    SKIP = {"script", "style", "noscript", "template", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skipping.append(tag)
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """All the text of a page, one line per block, scripts and styles dropped: the last resort
    for a page no article can be found in."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    text = re.sub(r"[ \t]+\n", "\n", "".join(parser.parts))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _copy(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """trafilatura prunes the tree it is given; each call gets its own."""
    return lxml.html.document_fromstring(etree.tostring(tree, encoding="unicode"))


def _page_metadata(tree: lxml.html.HtmlElement) -> tuple[Metadata, list[str]]:
    """Metadata from JSON-LD, Open Graph and meta tags (in that order of trust), and the title candidates."""
    meta = _meta_tags(tree)
    ld = _json_ld_article(tree)
    titles = [t for t in (ld.get("headline"), *meta.get("og:title", ()), *meta.get("twitter:title", ())) if t]
    authors = clean_names([_name(a) for a in listify(ld.get("author"))])
    authors = authors or clean_names(meta.get("author", ()) + meta.get("article:author", ()) + meta.get("dc.creator", ()))
    authors = authors or _byline(tree)
    date = iso_date(ld.get("datePublished")) or next(
        (iso_date(v) for key in ("article:published_time", "date", "dc.date", "dcterms.created", "pubdate",
                                 "publish_date") for v in meta.get(key, ()) if iso_date(v)), None)
    canonical = tree.xpath("//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href")
    url = (canonical[0].strip() if canonical else None) or next(iter(meta.get("og:url", ())), None) or _ld_url(ld)
    site = next(iter(meta.get("og:site_name", ())), None) or next(iter(meta.get("application-name", ())), None)
    tags = clean_tags([*meta.get("article:tag", ()), *listify(ld.get("keywords")), *meta.get("keywords", ())])
    language = (tree.get("lang") or next(iter(meta.get("og:locale", ())), "") or ld.get("inLanguage") or "").strip()
    language = language.replace("_", "-").split("-")[0].lower() or None
    publisher = _name(ld.get("publisher"))
    return Metadata(authors, date, url or None, site.strip() if site else None, tags, language,
                    publisher.strip() if publisher else None), titles


def _meta_tags(tree: lxml.html.HtmlElement) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = " ".join((el.get("content") or "").split())
        if key and value:
            found.setdefault(key, []).append(value)
    return {k: tuple(v) for k, v in found.items()}


def _json_ld_article(tree: lxml.html.HtmlElement) -> dict:
    """The first BlogPosting/Article object of the page's JSON-LD blocks (in `@graph` too); {} when none."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "")
        except (json.JSONDecodeError, TypeError, ValueError):
            continue
        stack = listify(data)
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            types = {t.rsplit("/", 1)[-1] for t in listify(item.get("@type")) if isinstance(t, str)}
            if types & _ARTICLE_TYPES:
                return item
            stack.extend(listify(item.get("@graph")))
    return {}


def _name(value) -> str | None:
    if isinstance(value, dict):
        return value.get("name")
    return value if isinstance(value, str) else None


def _ld_url(ld: dict) -> str | None:
    page = ld.get("mainEntityOfPage")
    for value in (ld.get("url"), page.get("@id") if isinstance(page, dict) else page):
        if isinstance(value, str) and value.startswith("http"):
            return value
    return None


def _byline(tree: lxml.html.HtmlElement) -> tuple[str, ...]:
    """A visible credit line ("執筆:名前") in a short element of the body."""
    body = tree.find("body")
    for el in (body.iter("p", "span", "div", "address", "li") if body is not None else ()):
        text = " ".join(el.text_content().split())
        if len(text) <= 80:
            match = _BYLINE.search(text)
            if match:
                return clean_names([match.group(1)])
    return ()


def _title(tree: lxml.html.HtmlElement, titles: list[str], metadata: Metadata) -> str:
    """The article's title: the page's `<title>` without the blog or author name after it.

    A heading of the page that `<title>` starts with is the title itself; else a suffix
    naming the site or an author is cut; else the JSON-LD or Open Graph title is used.
    """
    head_title = " ".join((tree.findtext(".//title") or "").split())
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1", "h2")]
    full = head_title or next(iter(titles), "")
    for heading in headings:
        if heading and (full == heading or any(full.startswith(heading + sep.rstrip()) for sep in _TITLE_SEPARATORS)):
            return heading
    names = {n for n in (metadata.site, *metadata.authors) if n}
    for candidate in [full, *titles]:
        stripped = _strip_suffix(candidate, names)
        if stripped != candidate:
            return stripped
    return next((t for t in titles if " ".join(t.split())), full)


def _strip_suffix(title: str, names: set[str]) -> str:
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and any(tail.strip() == n or tail.strip().startswith(n) for n in names):
            return _strip_suffix(head.strip(), names)
    return title
