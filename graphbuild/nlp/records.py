"""Extraction records: what one post says, each fact with the characters that support it.

`Extraction.to_json()` has exactly the shape of the gold files (entities with `id`,
`type`, `name`, `aliases` and `boto`; relations with `s`, `p`, `o`); with
`evidence=True` it also carries the mentions and each relation's evidence.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from graphbuild.ingest.post_metadata import Metadata


@dataclass(frozen=True)
class Evidence:
    """Characters [start, end) of document `doc_id`, inside sentence number `sentence_index`.

    `sentence` is the text of that sentence from character `sentence_start`; for a sentence too
    long to repeat with every mention (`window`), only the part of it around the characters."""

    doc_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    sentence: str
    sentence_start: int = 0
    window: bool = False


@dataclass(frozen=True)
class Mention:
    entity: str
    surface: str
    evidence: Evidence
    method: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    id: str
    type: str
    name: str
    aliases: tuple[str, ...]
    boto: str | None = None
    candidate: bool = False
    method: str = "vocabulary"
    confidence: float = 1.0


@dataclass(frozen=True)
class Relation:
    """`s` is an entity id, or "doc" for the document itself."""

    s: str
    p: str
    o: str
    evidence: tuple[Evidence, ...]
    method: str
    confidence: float


@dataclass(frozen=True)
class EventDetails:
    """When and where an event of the post took place, as the text near its mention says (ISO dates)."""

    entity: str
    start_date: str | None = None
    end_date: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class PersonDetails:
    """What a speaker line says of a person beyond their company: their job title."""

    entity: str
    job_title: str


@dataclass(frozen=True)
class Extraction:
    doc_id: str
    name: str
    source: str
    title: str
    text_length: int
    entities: tuple[Entity, ...]
    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]
    author: str | None = None
    extra: dict = field(default_factory=dict, compare=False)
    metadata: Metadata = field(default_factory=Metadata)  # what the post says about itself
    source_path: str = ""  # the post's path relative to the folder given ("a/index.md"); the name's file when empty
    events: tuple[EventDetails, ...] = ()
    people: tuple[PersonDetails, ...] = ()

    def to_json(self, evidence: bool = False) -> dict:
        entities = []
        for e in self.entities:
            item = {"id": e.id, "type": e.type, "name": e.name, "aliases": list(e.aliases)}
            if e.boto:
                item["boto"] = e.boto
            if evidence:
                item.update(candidate=e.candidate, method=e.method, confidence=e.confidence)
            entities.append(item)
        relations = []
        for r in self.relations:
            item = {"s": r.s, "p": r.p, "o": r.o}
            if evidence:
                item.update(method=r.method, confidence=r.confidence, evidence=[asdict(x) for x in r.evidence])
            relations.append(item)
        out = {"doc": self.source.replace("\\", "/").rsplit("/", 1)[-1], "title": self.title, "author": self.author,
               "entities": entities, "relations": relations}
        if evidence:
            out["doc_id"] = self.doc_id
            out["source_path"] = self.source_path or out["doc"]
            out["metadata"] = self.metadata.to_dict()
            out["mentions"] = [asdict(m) for m in self.mentions]
            if self.events:
                out["events"] = [asdict(e) for e in self.events]
            if self.people:
                out["people"] = [asdict(p) for p in self.people]
        return out

    def output_json(self) -> bytes:
        """The output file of the post (`extractions/NAME.json`): the gold files' shape plus evidence."""
        return (json.dumps(self.to_json(evidence=True), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def to_dict(self) -> dict:
        """Every field, as JSON-ready data (`from_dict` gives the same record back); the build cache's form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Extraction":
        known = {f.name for f in fields(cls)}
        return cls(**{**{k: v for k, v in data.items() if k in known},
                      "entities": tuple(Entity(**{**e, "aliases": tuple(e["aliases"])}) for e in data["entities"]),
                      "mentions": tuple(Mention(**{**m, "evidence": Evidence(**m["evidence"])}) for m in data["mentions"]),
                      "relations": tuple(Relation(**{**r, "evidence": tuple(Evidence(**e) for e in r["evidence"])})
                                         for r in data["relations"]),
                      "metadata": Metadata.from_dict(data.get("metadata")),
                      "events": tuple(EventDetails(**e) for e in data.get("events", ())),
                      "people": tuple(PersonDetails(**p) for p in data.get("people", ()))})
