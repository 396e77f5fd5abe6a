"""Extraction records -> RDF triples (an rdflib graph of them: `store.to_rdf`; the NetworkX view: `network`).

IRIs are stable: a catalogue service is keyed by its catalogue id (so "ECS", "Amazon
ECS" and "Amazon Elastic Container Service" are one node), other entities by their
folded name, documents by a hash of their text.  Every relation triple is also
described by an `rdf:Statement` whose `prov:wasDerivedFrom` points at `gb:Mention`
nodes: the document, sentence and characters that support it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from decimal import Decimal

from urllib.parse import quote

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from graphbuild.util.display_text import clean_label
from graphbuild.graph.namespace import GB, ID, NIF
from graphbuild.nlp.records import Entity, Evidence, Extraction

SCHEMA = "https://schema.org/"
TYPE_CLASS = {"Talk": GB.Talk, "Event": GB.Event, "Company": GB.Company, "Service": GB.Service,
              "Person": GB.Person, "Technology": GB.Technology}
CLASS_TYPE = {v: k for k, v in TYPE_CLASS.items()}
KIND = {"svc": "service", "org": "company", "tech": "technology", "evt": "event", "person": "person", "talk": "talk"}
PREDICATE = {"partOf": GB.partOf, "mentions": GB.mentions, "presentedBy": GB.presentedBy, "uses": GB.uses,
             "reportsOn": GB.reportsOn, "authoredBy": GB.authoredBy,
             "worksFor": URIRef("https://schema.org/worksFor")}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# One character of a prefixed name's local part that needs no escape in Turtle and SPARQL
# (PN_CHARS without "." and ":", which may not end a name or would read as a prefix) that is not
# punctuation or a space of its script: kept as it is in an IRI.
_LOCAL_CHAR = re.compile(r"[A-Za-z0-9_\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D"
                         r"\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3005-\u3007\u3021-\u3029\u3031-\u303C"
                         r"\u3041-\uD7FF\uF900-\uFDCF\uFDF0-\uFF00\uFF10-\uFF19\uFF21-\uFF3A\uFF3F\uFF41-\uFF5A"
                         r"\uFF66-\uFFEF\U00010000-\U000EFFFF]")


def entity_iri(key: str) -> URIRef:
    """IRI of an entity key such as "svc:ecs" or "org:nttデータ": readable (letters of any script
    kept as they are) and valid for any name (spaces and reserved characters percent-encoded)."""
    prefix, _, local = key.partition(":")
    return ID[f"{KIND.get(prefix, 'entity')}/{readable_local_name(local.replace('/', '-'))}"]


def readable_local_name(text: str) -> str:
    """`text` as the local part of an IRI that Turtle and SPARQL write after a prefix: letters,
    digits, "_" and "-" of any script as they are, everything else percent-encoded (UTF-8), so
    the same text always gives the same IRI and no IRI holds a space or a reserved character."""
    return "".join(c if _LOCAL_CHAR.match(c) else quote(c, safe="") for c in text)


def document_iri(doc_id: str) -> URIRef:
    return ID[f"doc/{quote(doc_id, safe='')}"]


def mention_iri(evidence: Evidence, entity: str, rank: int = 0) -> URIRef:
    """The node of one entity's mention; `rank` tells apart the entities named by the same
    characters of a post (0 for the first in key order), which are two mentions."""
    return ID[f"mention/{_chars(evidence)}" + (f"-{rank}" if rank else "")]


def evidence_iri(evidence: Evidence, statement: URIRef, method: str = "", confidence: float = 0.0) -> URIRef:
    """The node of the characters that support one statement with its own method and confidence (two
    posts of the same text share a document id, and may differ in what their metadata lets be found)."""
    key = f"{statement} {method} {confidence:.3f}".encode()
    return ID[f"evidence/{_chars(evidence)}-{hashlib.sha256(key).hexdigest()[:10]}"]


def sentence_iri(evidence: Evidence) -> URIRef:
    """The node of the sentence (or window of a long one) the evidence stands in: stored once per post."""
    return ID[f"sentence/{quote(evidence.doc_id, safe='')}-{evidence.sentence_start}-"
              f"{evidence.sentence_start + len(evidence.sentence)}"]


def _chars(evidence: Evidence) -> str:
    return f"{quote(evidence.doc_id, safe='')}-{evidence.start}-{evidence.end}"


def statement_iri(s: URIRef, relation: str, o: URIRef) -> URIRef:
    """The `rdf:Statement` describing the triple (s, relation, o): same triple, same IRI."""
    return ID["statement/" + hashlib.sha256(f"{s} {relation} {o}".encode()).hexdigest()[:20]]


PREFIXES = {"gb": str(GB._NS), "rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "skos": str(SKOS),
            "prov": str(PROV), "nif": str(NIF._NS), "dcterms": str(DCTERMS), "schema": SCHEMA, "svc": str(ID["service/"]),
            "org": str(ID["company/"]), "tech": str(ID["technology/"]), "evt": str(ID["event/"]),
            "person": str(ID["person/"]), "talk": str(ID["talk/"]), "doc": str(ID["doc/"]),
            "mention": str(ID["mention/"]), "evidence": str(ID["evidence/"]), "sentence": str(ID["sentence/"])}


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def post_triples(ex: Extraction) -> list[ox.Triple]:
    """The triples of one post, sorted.  What only the whole corpus knows (a statement's support
    count and best confidence over every post, the preferred label of each entity) is left to
    `GraphStore.finish`; the post gives the name it uses (`rdfs:label`) and its spellings
    (`gb:spelling`), from which the corpus picks the labels."""
    out: set[ox.Triple] = set()

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        out.add(ox.Triple(s, p, o))

    doc = _node(document_iri(ex.doc_id))
    add(doc, _TYPE, _node(GB.Document))
    add(doc, _node(RDFS.label), _lang(clean_label(ex.title or ex.name)))
    add(doc, _node(GB.sourcePath), ox.Literal(ex.source_path or ex.source.replace("\\", "/").rsplit("/", 1)[-1]))
    for s, p, o in _metadata_triples(doc, ex):
        add(s, p, o)
    for e in ex.entities:
        node = _node(entity_iri(e.id))
        add(node, _TYPE, _node(TYPE_CLASS[e.type]))
        add(node, _node(RDFS.label), _lang(clean_label(e.name)))
        for spelling in {e.name, *e.aliases}:
            add(node, _node(GB.spelling), _lang(clean_label(spelling)))
        if e.boto:
            add(node, _node(GB.botoClient), ox.Literal(e.boto))
        if e.type == "Service":
            add(node, _node(GB.isCandidate), ox.Literal(e.candidate))
            if e.candidate:
                add(node, _TYPE, _node(GB.CandidateService))
    confidence: dict[ox.NamedNode, float] = {}  # mention and evidence nodes: the best within the post

    def anchor(node: ox.NamedNode, cls: URIRef, ev: Evidence, method: str, value: float) -> ox.NamedNode:
        add(node, _TYPE, _node(cls))
        add(node, _node(GB.inDocument), doc)
        add(node, _node(NIF.beginIndex), ox.Literal(ev.start))
        add(node, _node(NIF.endIndex), ox.Literal(ev.end))
        add(node, _node(NIF.anchorOf), ox.Literal(ev.text))
        add(node, _node(GB.method), ox.Literal(method))
        sentence = _node(sentence_iri(ev))
        add(node, _node(NIF.sentence), sentence)
        add(sentence, _TYPE, _node(GB.SentenceWindow if ev.window else NIF.Sentence))
        add(sentence, _node(GB.inDocument), doc)
        add(sentence, _node(NIF.beginIndex), ox.Literal(ev.sentence_start))
        add(sentence, _node(NIF.endIndex), ox.Literal(ev.sentence_start + len(ev.sentence)))
        add(sentence, _node(NIF.anchorOf), ox.Literal(ev.sentence))
        add(sentence, _node(GB.sentenceIndex), ox.Literal(ev.sentence_index))
        confidence[node] = max(value, confidence.get(node, value))
        return node

    rank: dict[tuple[int, int], list[str]] = {}  # characters -> the entities they name, in key order
    for m in ex.mentions:
        rank.setdefault((m.evidence.start, m.evidence.end), []).append(m.entity)
    rank = {chars: sorted(set(entities)) for chars, entities in rank.items()}
    for m in ex.mentions:
        node = _node(mention_iri(m.evidence, m.entity, rank[m.evidence.start, m.evidence.end].index(m.entity)))
        add(_node(entity_iri(m.entity)), _node(GB.mentionedIn), anchor(node, GB.Mention, m.evidence, m.method,
                                                                        m.confidence))
    for r in ex.relations:
        s = doc if r.s == "doc" else _node(entity_iri(r.s))
        p, o = _node(PREDICATE[r.p]), _node(entity_iri(r.o))
        add(s, p, o)
        iri = statement_iri(URIRef(s.value), r.p, URIRef(o.value))
        statement = _node(iri)
        add(statement, _TYPE, _node(RDF.Statement))
        add(statement, _node(RDF.subject), s)
        add(statement, _node(RDF.predicate), p)
        add(statement, _node(RDF.object), o)
        add(statement, _node(GB.method), ox.Literal(r.method))
        for ev in r.evidence:
            add(statement, _node(PROV.wasDerivedFrom),
                anchor(_node(evidence_iri(ev, iri, r.method, r.confidence)), GB.Evidence, ev, r.method, r.confidence))
    for node, value in confidence.items():
        add(node, _node(GB.confidence), ox.Literal(str(Decimal(str(round(value, 3)))), datatype=_DECIMAL))
    return sorted(out, key=str)


def _metadata_triples(doc: ox.NamedNode, ex: Extraction) -> list[tuple]:
    """The post's own metadata on its document node (schema.org terms), and its events' dates and venue.
    An author is the post's Person or Company entity of the same name when there is one, else a name."""
    meta, out = ex.metadata, []
    if meta.date:
        out.append((doc, _schema("datePublished"), ox.Literal(meta.date, datatype=_DATE)))
    if meta.url:
        out.append((doc, _schema("url"), _url(meta.url)))
    for name in meta.authors:
        entity = _entity_named(name, ex.entities)
        out.append((doc, _schema("author"), _node(entity_iri(entity.id)) if entity else _lang(name)))
    for tag in meta.tags:
        out.append((doc, _schema("keywords"), _lang(tag)))
    if meta.site:
        out.append((doc, _schema("publisher"), _lang(meta.site)))
    if meta.language:
        out.append((doc, _schema("inLanguage"), ox.Literal(meta.language)))
    for event in ex.events:
        node = _node(entity_iri(event.entity))
        if event.start_date:
            out.append((node, _schema("startDate"), ox.Literal(event.start_date, datatype=_DATE)))
        if event.end_date:
            out.append((node, _schema("endDate"), ox.Literal(event.end_date, datatype=_DATE)))
        if event.location:
            out.append((node, _schema("location"), _lang(event.location)))
    for person in ex.people:
        out.append((_node(entity_iri(person.entity)), _schema("jobTitle"), _lang(person.job_title)))
    return out


def _entity_named(name: str, entities: tuple[Entity, ...]) -> Entity | None:
    wanted = _fold(name)
    for e in entities:
        if e.type in ("Person", "Company") and wanted in {_fold(n) for n in (e.name, *e.aliases)}:
            return e
    return None


def _fold(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split()).lstrip("@")


def _url(url: str) -> ox.NamedNode | ox.Literal:
    try:
        return ox.NamedNode(url)
    except ValueError:
        return ox.Literal(url, datatype=ox.NamedNode(str(XSD.anyURI)))


def _schema(term: str) -> ox.NamedNode:
    return ox.NamedNode(SCHEMA + term)


def post_ntriples(ex: Extraction) -> bytes:
    """`post_triples` as N-Triples, the form the build cache keeps."""
    return ox.serialize(post_triples(ex), format=ox.RdfFormat.N_TRIPLES) or b""


_TYPE = ox.NamedNode(str(RDF.type))
_DECIMAL = ox.NamedNode(str(XSD.decimal))
_DATE = ox.NamedNode(str(XSD.date))


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _lang(text: str) -> ox.Literal:
    return ox.Literal(text, language="ja" if _JAPANESE.search(text) else "en")
