"""Everything the graph says about one entity, for people who do not write SPARQL
(`graphbuild show NAME GRAPH`): its type and spellings, what it is linked to, grouped by
relation, with the sentences and posts behind each link, and where it is mentioned."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from graphbuild.query.entity_lookup import Entity, entity
from graphbuild.graph.rdf import PREDICATE, PREFIXES

LINKS_PER_RELATION = 30
EVIDENCE_PER_LINK = 2
MENTIONS_SHOWN = 5


@dataclass(frozen=True)
class Post:
    iri: str
    title: str
    path: str = ""
    date: str = ""
    url: str = ""

    def __str__(self) -> str:
        extra = ", ".join(x for x in (self.date, self.url or self.path) if x)
        return f"{self.title} ({extra})" if extra else self.title


@dataclass
class Link:
    relation: str
    outgoing: bool  # True: this entity is the subject
    other: Entity
    support: int
    evidence: list[tuple[str, Post]] = field(default_factory=list)  # (sentence, post)


@dataclass
class Profile:
    entity: Entity
    spellings: list[str]
    posts: list[Post]  # the posts that name it
    links: list[Link]
    events: list[Entity]  # the events of its talks (for entities that are not talks or events)
    mentions: list[tuple[str, Post]]

    def groups(self) -> dict[str, list[Link]]:
        """Links by kind, as a reader asks for them: "uses", "used by", "mentioned in talk", ..."""
        out: dict[str, list[Link]] = {}
        for link in self.links:
            out.setdefault(relation_heading(link.relation, link.outgoing, link.other.type), []).append(link)
        return out

    def format(self) -> str:
        e = self.entity
        lines = [f"{e.label}  ({e.type})", f"  {e.iri}"]
        if self.spellings:
            lines.append("  also written: " + ", ".join(self.spellings))
        lines.append(f"  named in {len(self.posts)} post{'s' if len(self.posts) != 1 else ''}")
        lines += [f"    - {post}" for post in self.posts[:10]]
        for heading, links in self.groups().items():
            lines += ["", f"{heading} ({len(links)})"]
            for link in links:
                support = f"  [{link.support} evidence]" if link.support > 1 else ""
                lines.append(f"  {link.other.label} ({link.other.type}){support}")
                lines += [f"      「{_short(sentence)}」 — {post}" for sentence, post in link.evidence]
        if self.events:
            lines += ["", f"events of its talks ({len(self.events)})"]
            lines += [f"  {event.label}" for event in self.events]
        if self.mentions:
            lines += ["", "sentences naming it"]
            lines += [f"  「{_short(sentence)}」 — {post}" for sentence, post in self.mentions]
        return "\n".join(lines)


RELATION_WORDS = {  # relation -> (seen from its subject, seen from its object); the map uses them too
    "uses": ("uses", "used by"), "mentions": ("mentions", "mentioned in"), "partOf": ("part of", "has"),
    "presentedBy": ("presented by", "presents"), "reportsOn": ("reports on", "reported in"),
    "authoredBy": ("written by", "wrote")}
TYPE_PLURAL = {"Service": "services", "Company": "companies", "Technology": "technologies", "Talk": "talks",
               "Event": "events", "Person": "people", "Document": "posts"}


def relation_heading(relation: str, outgoing: bool, other_type: str) -> str:
    """A link's kind in words, seen from the entity shown: "used by (companies)"."""
    words = RELATION_WORDS.get(relation, (relation, relation))[0 if outgoing else 1]
    return f"{words} ({TYPE_PLURAL.get(other_type, other_type.lower() + 's')})"


def entity_profile(store: ox.Store, iri: str) -> Profile:
    """The profile of the entity `iri` (see `entity_lookup.resolve_entity` to find it by name)."""
    me = entity(store, iri)
    if me is None:
        raise ValueError(f"no entity {iri}")
    node = str(ox.NamedNode(iri))
    spellings = sorted({r["l"].value for r in _ask(store, f"SELECT ?l WHERE {{ {node} skos:altLabel|rdfs:label ?l }}")}
                       - {me.label})
    posts = sorted({_post(store, r["doc"].value) for r in _ask(
        store, f"SELECT DISTINCT ?doc WHERE {{ {node} gb:mentionedIn/gb:inDocument ?doc }}")},
        key=lambda p: (p.title, p.iri))
    links = []
    for name, pred in PREDICATE.items():
        for outgoing, pattern in ((True, f"{node} <{pred}> ?other"), (False, f"?other <{pred}> {node}")):
            for r in _ask(store, f"SELECT ?other WHERE {{ {pattern} }} ORDER BY ?other LIMIT {LINKS_PER_RELATION}"):
                other = entity(store, r["other"].value)
                if other is None:
                    continue
                s, o = (iri, other.iri) if outgoing else (other.iri, iri)
                links.append(_link(store, name, outgoing, other, s, str(pred), o))
    links.sort(key=lambda link: (link.relation, not link.outgoing, link.other.type, -link.support, link.other.label))
    events: list[Entity] = []
    if me.type not in ("Talk", "Event", "Document"):
        talks = {link.other.iri for link in links if link.other.type == "Talk"}
        found = {r["e"].value for t in sorted(talks) for r in _ask(store, f"SELECT ?e WHERE {{ <{t}> gb:partOf ?e }}")}
        events = sorted((e for e in map(lambda i: entity(store, i), found) if e), key=lambda e: e.label)
    mentions = [(r["sentence"].value, _post(store, r["doc"].value)) for r in _ask(
        store, f"SELECT ?sentence ?doc WHERE {{ {node} gb:mentionedIn ?m . ?m nif:sentence/nif:anchorOf ?sentence ; "
               f"gb:inDocument ?doc }} ORDER BY ?m LIMIT {MENTIONS_SHOWN}")]
    return Profile(me, spellings, posts, links, events, mentions)


def _link(store: ox.Store, name: str, outgoing: bool, other: Entity, s: str, pred: str, o: str) -> Link:
    statement = f"?st rdf:subject <{s}> ; rdf:predicate <{pred}> ; rdf:object <{o}> ."
    support = next(iter(_ask(store, f"SELECT ?n WHERE {{ {statement} ?st gb:supportCount ?n }}")), None)
    evidence = [(r["sentence"].value, _post(store, r["doc"].value)) for r in _ask(
        store, f"SELECT ?sentence ?doc WHERE {{ {statement} ?st prov:wasDerivedFrom ?m . ?m nif:sentence/nif:anchorOf ?sentence ; "
               f"gb:inDocument ?doc }} ORDER BY ?m LIMIT {EVIDENCE_PER_LINK}")]
    return Link(name, outgoing, other, int(support["n"].value) if support else 1, evidence)


def _post(store: ox.Store, iri: str) -> Post:
    """A post's title, file, and its date and address when the graph has them."""
    rows = list(_ask(store, f"SELECT ?title ?path ?date ?url WHERE {{ OPTIONAL {{ <{iri}> rdfs:label ?title }} "
                            f"OPTIONAL {{ <{iri}> gb:sourcePath ?path }} OPTIONAL {{ <{iri}> schema:datePublished ?date }} "
                            f"OPTIONAL {{ <{iri}> schema:url ?url }} }} LIMIT 1"))
    r = rows[0] if rows else None

    def value(key: str) -> str:
        return r[key].value if r is not None and r[key] is not None else ""

    return Post(iri, value("title") or value("path") or iri, value("path"), value("date"), value("url"))


def _short(sentence: str, width: int = 120) -> str:
    text = " ".join(sentence.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _ask(store: ox.Store, query: str):
    return store.query(query, prefixes=PREFIXES)
