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
import pyoxigraph as ox
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


PREFIXES = {"gb": str(GB._NS), "rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD), "skos": str(SKOS),
            "prov": str(PROV), "dcterms": str(DCTERMS), "schema": SCHEMA, "svc": str(ID["service/"]),
            "org": str(ID["company/"]), "tech": str(ID["technology/"]), "evt": str(ID["event/"]),
            "person": str(ID["person/"]), "talk": str(ID["talk/"]), "doc": str(ID["doc/"])}


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    return g


def to_rdf(extractions: Iterable[Extraction]) -> Graph:
    """The rdflib graph of the extractions (built as `build` builds it, through a `GraphStore`)."""
    from graphbuild.graph_store import GraphStore

    store = GraphStore()
    for ex in extractions:
        store.add(ex)
    store.finish()
    return store.to_rdflib()


def post_graph(ex: Extraction) -> Graph:
    """The triples of one post.  What only the whole corpus knows (a statement's support
    count over every post, its best confidence) is left to `GraphStore.finish`."""
    g = new_graph()
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


def to_networkx(graph) -> nx.MultiDiGraph:
    """Entities (and documents) as nodes, relations as edges keyed by relation name, from an
    rdflib `Graph`, a `GraphStore` or a pyoxigraph `Store` (read with SPARQL, so a big graph
    is projected without walking every triple in Python).

    Node attributes: `type`, `label`, `labels` (other spellings), `candidate`, `evidence`
    ([post, sentence] pairs), `documents` (where it is mentioned); edge attributes: `relation`,
    `weight` (number of supporting evidence spans), `evidence` (up to three quoted sentences).
    """
    store = _pyoxigraph_store(graph)

    def ask(query: str):
        return store.query(_SPARQL_PREFIXES + query)

    posts = {r["doc"].value: (r["path"] or r["label"] or r["doc"]).value for r in ask(
        "SELECT ?doc (MIN(?p) AS ?path) (MIN(?l) AS ?label) WHERE { ?doc a gb:Document . "
        "OPTIONAL { ?doc gb:sourcePath ?p } OPTIONAL { ?doc rdfs:label ?l } } GROUP BY ?doc")}
    types = {str(cls): name for cls, name in [*CLASS_TYPE.items(), (GB.Document, "Document")]}
    rank = {name: i for i, name in enumerate(types.values())}  # a node of two of our classes takes the first
    nodes: dict[str, dict] = {}
    for r in ask("SELECT ?node ?class (MIN(?p) AS ?pref) (MIN(?l) AS ?label) WHERE { ?node a ?class . "
                 "OPTIONAL { ?node skos:prefLabel ?p } OPTIONAL { ?node rdfs:label ?l } } GROUP BY ?node ?class"):
        type_ = types.get(r["class"].value)
        node = r["node"].value
        if type_ is None or node in nodes and rank[nodes[node]["type"]] <= rank[type_]:
            continue
        label = (r["pref"] or r["label"] or r["node"]).value
        nodes[node] = {"type": type_, "label": label, "labels": [], "candidate": False, "evidence": set(),
                       "documents": set()}
    for r in ask("SELECT ?node ?alt WHERE { ?node skos:altLabel ?alt }"):
        if r["node"].value in nodes:
            nodes[r["node"].value]["labels"].append(r["alt"].value)
    for r in ask("SELECT ?node WHERE { ?node a gb:CandidateService }"):
        if r["node"].value in nodes:
            nodes[r["node"].value]["candidate"] = True
    for r in ask("SELECT ?node ?doc ?sentence WHERE { ?node gb:mentionedIn ?m . "
                 "OPTIONAL { ?m gb:inDocument ?doc } OPTIONAL { ?m gb:sentence ?sentence } }"):
        data = nodes.get(r["node"].value)
        if data is not None:
            doc = r["doc"].value if r["doc"] is not None else "None"
            data["evidence"].add((posts.get(doc, ""), r["sentence"].value if r["sentence"] is not None else "None"))
            data["documents"].add(doc)
    G = nx.MultiDiGraph()
    for node, data in nodes.items():
        G.add_node(node, type=data["type"], label=data["label"], labels=sorted(data["labels"]),
                   candidate=data["candidate"], evidence=[list(pair) for pair in sorted(data["evidence"])[:10]],
                   documents=sorted(data["documents"]))
    for name, pred in PREDICATE.items():
        support: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in ask(f"SELECT ?s ?o ?source ?sentence WHERE {{ ?st rdf:subject ?s ; rdf:predicate <{pred}> ; "
                     f"rdf:object ?o ; prov:wasDerivedFrom ?source . OPTIONAL {{ ?source gb:sentence ?sentence }} }}"):
            sentence = r["sentence"].value if r["sentence"] is not None else "None"
            support.setdefault((r["s"].value, r["o"].value), []).append((r["source"].value, sentence))
        for r in ask(f"SELECT ?s ?o WHERE {{ ?s <{pred}> ?o }}"):
            s, o = r["s"].value, r["o"].value
            if s in G and o in G:
                sources = sorted(set(support.get((s, o), [])))
                G.add_edge(s, o, key=name, relation=name, weight=max(1, len(sources)),
                           evidence=[sentence for _, sentence in sources[:3]])
    return G


_SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p in (
    "gb", "rdf", "rdfs", "skos", "prov"))


def _pyoxigraph_store(graph) -> ox.Store:
    if isinstance(graph, ox.Store):
        return graph
    if isinstance(graph, Graph):
        store = ox.Store()
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return store
    return graph.store  # a GraphStore
