"""Extraction records -> an rdflib graph, and the NetworkX view of that graph.

IRIs are stable: a catalogue service is keyed by its catalogue id (so "ECS", "Amazon
ECS" and "Amazon Elastic Container Service" are one node), other entities by their
folded name, documents by a hash of their text.  Every relation triple is also
described by an `rdf:Statement` whose `prov:wasDerivedFrom` points at `gb:Mention`
nodes: the document, sentence and characters that support it.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Iterable
from urllib.parse import quote

import networkx as nx
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from graphbuild.namespace import GB, ID
from graphbuild.records import Evidence, Extraction

SCHEMA = "https://schema.org/"
TYPE_CLASS = {"Talk": GB.Talk, "Event": GB.Event, "Company": GB.Company, "Service": GB.Service,
              "Person": GB.Person, "Technology": GB.Technology}
CLASS_TYPE = {v: k for k, v in TYPE_CLASS.items()}
KIND = {"svc": "service", "org": "company", "tech": "technology", "evt": "event", "person": "person", "talk": "talk"}
PREDICATE = {"partOf": GB.partOf, "mentions": GB.mentions, "presentedBy": GB.presentedBy, "uses": GB.uses,
             "reportsOn": GB.reportsOn, "authoredBy": GB.authoredBy}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def entity_iri(key: str) -> URIRef:
    """IRI of an entity key such as "svc:ecs" or "org:nttデータ"; any name gives a valid IRI."""
    prefix, _, local = key.partition(":")
    return ID[f"{KIND.get(prefix, 'entity')}/{quote(local.replace('/', '-'), safe='-')}"]


def document_iri(doc_id: str) -> URIRef:
    return ID[f"doc/{quote(doc_id, safe='')}"]


def evidence_iri(evidence: Evidence) -> URIRef:
    return ID[f"doc/{quote(evidence.doc_id, safe='')}/chars/{evidence.start}-{evidence.end}"]


def statement_iri(s: URIRef, relation: str, o: URIRef) -> URIRef:
    """The `rdf:Statement` describing the triple (s, relation, o): same triple, same IRI."""
    return ID["statement/" + hashlib.sha256(f"{s} {relation} {o}".encode()).hexdigest()[:20]]


def lang_literal(text: str) -> Literal:
    return Literal(text, lang="ja" if _JAPANESE.search(text) else "en")


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in (("gb", GB._NS), ("skos", SKOS), ("prov", PROV), ("dcterms", DCTERMS), ("schema", SCHEMA),
                       ("svc", ID["service/"]), ("org", ID["company/"]), ("tech", ID["technology/"]),
                       ("evt", ID["event/"]), ("person", ID["person/"]), ("talk", ID["talk/"]), ("doc", ID["doc/"])):
        g.bind(prefix, ns)
    return g


def to_rdf(extractions: Iterable[Extraction], graph: Graph | None = None) -> Graph:
    """Add every extraction to `graph` (a new one by default) and return it."""
    g = graph if graph is not None else new_graph()
    for ex in extractions:
        add_extraction(g, ex)
    return g


def add_extraction(g: Graph, ex: Extraction) -> None:
    doc = document_iri(ex.doc_id)
    g.add((doc, RDF.type, GB.Document))
    g.add((doc, RDFS.label, lang_literal(ex.title or ex.name)))
    g.add((doc, GB.sourcePath, Literal(ex.source.replace("\\", "/").rsplit("/", 1)[-1])))
    for e in ex.entities:
        node = entity_iri(e.id)
        g.add((node, RDF.type, TYPE_CLASS[e.type]))
        g.add((node, SKOS.prefLabel, lang_literal(e.name)))
        g.add((node, RDFS.label, lang_literal(e.name)))
        for alias in e.aliases:
            if alias != e.name:
                g.add((node, SKOS.altLabel, lang_literal(alias)))
        if e.boto:
            g.add((node, GB.botoClient, Literal(e.boto)))
        if e.type == "Service":
            g.add((node, GB.isCandidate, Literal(e.candidate)))
            if e.candidate:
                g.add((node, RDF.type, GB.CandidateService))
    for m in ex.mentions:
        node = _add_evidence(g, doc, m.evidence, m.method, m.confidence)
        g.add((entity_iri(m.entity), GB.mentionedIn, node))
    for r in ex.relations:
        s = doc if r.s == "doc" else entity_iri(r.s)
        o = entity_iri(r.o)
        g.add((s, PREDICATE[r.p], o))
        statement = statement_iri(s, r.p, o)
        g.add((statement, RDF.type, RDF.Statement))
        g.add((statement, RDF.subject, s))
        g.add((statement, RDF.predicate, PREDICATE[r.p]))
        g.add((statement, RDF.object, o))
        for ev in r.evidence:
            g.add((statement, PROV.wasDerivedFrom, _add_evidence(g, doc, ev, r.method, r.confidence)))
        _set_max(g, statement, GB.confidence, r.confidence)
        g.add((statement, GB.method, Literal(r.method)))
        count = len(set(g.objects(statement, PROV.wasDerivedFrom)))
        g.set((statement, GB.supportCount, Literal(count)))


def _add_evidence(g: Graph, doc: URIRef, ev: Evidence, method: str, confidence: float) -> URIRef:
    node = evidence_iri(ev)
    g.add((node, RDF.type, GB.Mention))
    g.add((node, GB.inDocument, doc))
    g.set((node, GB.startChar, Literal(ev.start)))
    g.set((node, GB.endChar, Literal(ev.end)))
    g.set((node, GB.anchorOf, Literal(ev.text)))
    g.set((node, GB.sentence, Literal(ev.sentence)))
    g.set((node, GB.sentenceIndex, Literal(ev.sentence_index)))
    g.add((node, GB.method, Literal(method)))
    _set_max(g, node, GB.confidence, confidence)
    return node


def _set_max(g: Graph, node: URIRef, prop: URIRef, value: float) -> None:
    old = g.value(node, prop)
    if old is None or float(old) < value:
        g.set((node, prop, Literal(Decimal(str(round(value, 3))), datatype=XSD.decimal)))


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    """Entities (and documents) as nodes, relations as edges keyed by relation name.

    Node attributes: `type`, `label`, `labels` (other spellings), `candidate`, `evidence`
    ([post, sentence] pairs), `documents` (where it is mentioned); edge attributes: `relation`, `weight` (number of supporting
    evidence spans), `evidence` (up to three quoted sentences).
    """
    G = nx.MultiDiGraph()
    posts = {doc: str(g.value(doc, GB.sourcePath) or g.value(doc, RDFS.label) or doc)
             for doc in g.subjects(RDF.type, GB.Document)}
    for cls, type_ in list(CLASS_TYPE.items()) + [(GB.Document, "Document")]:
        for node in g.subjects(RDF.type, cls):
            label = g.value(node, SKOS.prefLabel) or g.value(node, RDFS.label) or node
            mentions = list(g.objects(node, GB.mentionedIn))
            evidence = sorted({(posts.get(g.value(m, GB.inDocument), ""), str(g.value(m, GB.sentence))) for m in mentions})
            G.add_node(str(node), type=type_, label=str(label),
                       labels=sorted(str(a) for a in g.objects(node, SKOS.altLabel)),
                       candidate=(node, RDF.type, GB.CandidateService) in g,
                       evidence=[list(pair) for pair in evidence[:10]],
                       documents=sorted({str(g.value(m, GB.inDocument)) for m in mentions}))
    for name, pred in PREDICATE.items():
        for s, o in g.subject_objects(pred):
            if str(s) in G and str(o) in G:
                weight, evidence = _support(g, s, pred, o)
                G.add_edge(str(s), str(o), key=name, relation=name, weight=weight, evidence=evidence)
    return G


def _support(g: Graph, s: URIRef, p: URIRef, o: URIRef) -> tuple[int, list[str]]:
    statement = statement_iri(s, _name(p), o)
    sources = sorted(g.objects(statement, PROV.wasDerivedFrom))
    sentences = [str(g.value(x, GB.sentence)) for x in sources[:3]]
    return max(1, len(sources)), sentences


def _name(pred: URIRef) -> str:
    return next(k for k, v in PREDICATE.items() if v == pred)
