"""Markdown front matter (YAML between `---` lines, TOML between `+++` lines) -> title and metadata.

Field names of Zenn (`topics`, `publication_name`), Qiita (`tags`, `updated_at`,
`organization_url_name`), Hugo (`date`, `lastmod`, `authors`, `categories`, `slug`) and
Jekyll (`author`, `date`, `tags`, `categories`, `permalink`) are understood.  The front matter
is cut from the text and nothing else is changed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

import yaml

from graphbuild.errors import InputError
from graphbuild.ingest.post_metadata import Metadata, clean_names, clean_tags, iso_date, listify

_YAML = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.DOTALL)
# front matter starts with a field ("title: ...", "title = ...", "[params]"); anything else is prose
_KEY_LINE = {"YAML": re.compile(r"^[A-Za-z_][\w-]*\s*:(\s|$)"),
             "TOML": re.compile(r"^(?:[A-Za-z_][\w-]*\s*=|\[)")}
# in order of preference: the first field present wins
_DATE_FIELDS = ("date", "published_at", "publishDate", "published", "pubDate", "created_at", "created",
                "updated_at", "lastmod", "updated")
_AUTHOR_FIELDS = ("author", "authors", "user", "writer")
_TAG_FIELDS = ("tags", "topics", "categories", "keywords")
_SITE_FIELDS = ("publication_name", "organization_url_name", "site", "blog")
_URL_FIELDS = ("url", "canonical_url", "canonical", "permalink", "link")


@dataclass(frozen=True)
class FrontMatter:
    title: str
    text: str  # the post without its front matter
    metadata: Metadata


def split_front_matter(text: str, source: str = "<string>") -> FrontMatter | None:
    """The front matter of a Markdown post and the rest of it; None when it has none.

    A block that is not a mapping (a `---` rule at the top of a post) is not front matter;
    one that is YAML or TOML but cannot be parsed raises `InputError` naming `source`.
    """
    for pattern, parse, kind in ((_YAML, yaml.safe_load, "YAML"), (_TOML, tomllib.loads, "TOML")):
        match = pattern.match(text)
        if not match:
            continue
        block = match.group(1) or ""
        if not _KEY_LINE[kind].match(next((line for line in block.splitlines() if line.strip()), "")):
            return None  # a horizontal rule at the top of the post, then prose
        try:
            fields = parse(block)
        except (yaml.YAMLError, tomllib.TOMLDecodeError) as e:
            raise InputError(source, f"has {kind} front matter that cannot be read ({_first_line(e)})") from e
        if not isinstance(fields, dict):
            return None
        return FrontMatter(_string(fields.get("title")), text[match.end():], metadata_of(fields))
    return None


def metadata_of(fields: dict) -> Metadata:
    """`Metadata` from front matter fields (any of the known names)."""
    def first(names):
        return next((fields[n] for n in names if fields.get(n) not in (None, "", [])), None)

    authors = []
    for value in listify(first(_AUTHOR_FIELDS)):
        authors.append(value.get("name") if isinstance(value, dict) else value)
    tags = [t for name in _TAG_FIELDS for t in listify(fields.get(name))]
    tags = [t.get("name") if isinstance(t, dict) else t for t in tags]  # Qiita API form: {name, versions}
    date = next((iso_date(fields[n]) for n in _DATE_FIELDS if iso_date(fields.get(n))), None)
    url, site = first(_URL_FIELDS), first(_SITE_FIELDS)
    language = first(("lang", "language", "locale"))
    return Metadata(clean_names(authors), date, _string(url) or None, _string(site) or None, clean_tags(tags),
                    _string(language).replace("_", "-").split("-")[0].lower() or None)


def _string(value) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split("\n")[0].split())
