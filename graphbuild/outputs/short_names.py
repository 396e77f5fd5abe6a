"""The short names the map draws: services as people write them (Amazon S3, not Amazon Simple
Storage Service), talk titles cut to a few words; the full name stays in the tooltip and panel."""

from __future__ import annotations

import json
from functools import lru_cache

from graphbuild.graph.rdf import entity_iri

TITLE_CHARS = 18  # a talk title longer than this is cut (Japanese titles have no spaces to cut at)
NAME_CHARS = 28


def short_label(iri: str, label: str, type_: str, spellings: list[str] = ()) -> str:
    """The label to draw for a node."""
    if type_ == "Service":
        return _short_service(label, [*spellings, *_vocabulary_spellings().get(iri, ())])
    return _cut(label, TITLE_CHARS if type_ in ("Talk", "Document") else NAME_CHARS)


def _short_service(label: str, spellings: list[str]) -> str:
    """The shortest spelling with the label's vendor word ("Amazon EC2" for "Amazon Elastic Compute Cloud")."""
    vendor = label.split(" ", 1)[0]
    if vendor not in ("Amazon", "AWS"):
        return _cut(label, NAME_CHARS)
    options = [s for s in spellings if s.startswith(vendor + " ") and len(vendor) + 2 < len(s) < len(label)]
    return _cut(min(options, key=lambda s: (len(s), s)) if options else label, NAME_CHARS)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit + 1)
    end = space if space >= limit * 2 // 3 else limit
    return text[:end].rstrip(" :-|、。・") + "…"


@lru_cache(maxsize=1)
def _vocabulary_spellings() -> dict[str, tuple[str, ...]]:
    """Node IRI -> every spelling the vocabulary file lists for the term."""
    from graphbuild.nlp.vocabulary import DEFAULT_PATH

    out = {}
    with open(DEFAULT_PATH, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                out[str(entity_iri(e["id"]))] = tuple(e.get("labels", [])) + tuple(e.get("exact", []))
    return out
