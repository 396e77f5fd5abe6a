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
from rdflib import RDF, RDFS, XSD, Graph, URIRef
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


def post_triples(ex: Extraction) -> list[ox.Triple]:
    """The triples of one post, sorted.  What only the whole corpus knows (a statement's
    support count over every post, its best confidence) is left to `GraphStore.finish`."""
    out: set[ox.Triple] = set()

    def add(s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        out.add(ox.Triple(s, p, o))

    doc = _node(document_iri(ex.doc_id))
    add(doc, _TYPE, _node(GB.Document))
    add(doc, _node(RDFS.label), _lang(ex.title or ex.name))
    add(doc, _node(GB.sourcePath), ox.Literal(ex.source.replace("\\", "/").rsplit("/", 1)[-1]))
    for e in ex.entities:
        node = _node(entity_iri(e.id))
        add(node, _TYPE, _node(TYPE_CLASS[e.type]))
        add(node, _node(SKOS.prefLabel), _lang(e.name))
        add(node, _node(RDFS.label), _lang(e.name))
        for alias in e.aliases:
            if alias != e.name:
                add(node, _node(SKOS.altLabel), _lang(alias))
        if e.boto:
            add(node, _node(GB.botoClient), ox.Literal(e.boto))
        if e.type == "Service":
            add(node, _node(GB.isCandidate), ox.Literal(e.candidate))
            if e.candidate:
                add(node, _TYPE, _node(GB.CandidateService))
    confidence: dict[ox.NamedNode, float] = {}  # evidence nodes and statements: the best within the post

    def evidence(ev: Evidence, method: str, value: float) -> ox.NamedNode:
        node = _node(evidence_iri(ev))
        add(node, _TYPE, _node(GB.Mention))
        add(node, _node(GB.inDocument), doc)
        add(node, _node(GB.startChar), ox.Literal(ev.start))
        add(node, _node(GB.endChar), ox.Literal(ev.end))
        add(node, _node(GB.anchorOf), ox.Literal(ev.text))
        add(node, _node(GB.sentence), ox.Literal(ev.sentence))
        add(node, _node(GB.sentenceIndex), ox.Literal(ev.sentence_index))
        add(node, _node(GB.method), ox.Literal(method))
        confidence[node] = max(value, confidence.get(node, value))
        return node

    for m in ex.mentions:
        add(_node(entity_iri(m.entity)), _node(GB.mentionedIn), evidence(m.evidence, m.method, m.confidence))
    for r in ex.relations:
        s = doc if r.s == "doc" else _node(entity_iri(r.s))
        p, o = _node(PREDICATE[r.p]), _node(entity_iri(r.o))
        add(s, p, o)
        statement = _node(statement_iri(URIRef(s.value), r.p, URIRef(o.value)))
        add(statement, _TYPE, _node(RDF.Statement))
        add(statement, _node(RDF.subject), s)
        add(statement, _node(RDF.predicate), p)
        add(statement, _node(RDF.object), o)
        for ev in r.evidence:
            add(statement, _node(PROV.wasDerivedFrom), evidence(ev, r.method, r.confidence))
        add(statement, _node(GB.method), ox.Literal(r.method))
        confidence[statement] = max(r.confidence, confidence.get(statement, r.confidence))
    for node, value in confidence.items():
        add(node, _node(GB.confidence), ox.Literal(str(Decimal(str(round(value, 3)))), datatype=_DECIMAL))
    return sorted(out, key=str)


def post_ntriples(ex: Extraction) -> bytes:
    """`post_triples` as N-Triples, the form the build cache keeps."""
    return ox.serialize(post_triples(ex), format=ox.RdfFormat.N_TRIPLES) or b""


_TYPE = ox.NamedNode(str(RDF.type))
_DECIMAL = ox.NamedNode(str(XSD.decimal))


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(str(iri))


def _lang(text: str) -> ox.Literal:
    return ox.Literal(text, language="ja" if _JAPANESE.search(text) else "en")


def to_networkx(graph, evidence: bool = True) -> nx.MultiDiGraph:
    """Entities (and documents) as nodes, relations as edges keyed by relation name, from an
    rdflib `Graph`, a `GraphStore` or a pyoxigraph `Store` (read with SPARQL, so a big graph
    is projected without walking every triple in Python).

    Node attributes: `type`, `label`, `labels` (other spellings), `candidate`; edge
    attributes: `relation`, `weight` (number of supporting evidence spans).  With
    `evidence`, also what `add_evidence` adds; without, a big graph's projection stays
    small and the evidence can be added to the part that is drawn.
    """
    store = _pyoxigraph_store(graph)
    types = {str(cls): name for cls, name in [*CLASS_TYPE.items(), (GB.Document, "Document")]}
    rank = {name: i for i, name in enumerate(types.values())}  # a node of two of our classes takes the first
    nodes: dict[str, dict] = {}
    classes = " ".join(f"<{cls}>" for cls in types)  # not the millions of evidence nodes and statements
    for r in _ask(store, f"SELECT ?node ?class (MIN(?p) AS ?pref) (MIN(?l) AS ?label) WHERE {{ "
                         f"VALUES ?class {{ {classes} }} ?node a ?class . OPTIONAL {{ ?node skos:prefLabel ?p }} "
                         f"OPTIONAL {{ ?node rdfs:label ?l }} }} GROUP BY ?node ?class"):
        type_ = types.get(r["class"].value)
        node = r["node"].value
        if type_ is None or node in nodes and rank[nodes[node]["type"]] <= rank[type_]:
            continue
        nodes[node] = {"type": type_, "label": (r["pref"] or r["label"] or r["node"]).value, "labels": [],
                       "candidate": False, "evidence": [], "documents": []}
    for r in _ask(store, "SELECT ?node ?alt WHERE { ?node skos:altLabel ?alt }"):
        if r["node"].value in nodes:
            nodes[r["node"].value]["labels"].append(r["alt"].value)
    for r in _ask(store, "SELECT ?node WHERE { ?node a gb:CandidateService }"):
        if r["node"].value in nodes:
            nodes[r["node"].value]["candidate"] = True
    G = nx.MultiDiGraph()
    for node in sorted(nodes):
        data = nodes[node]
        G.add_node(node, **{**data, "labels": sorted(data["labels"])})
    for name, pred in PREDICATE.items():
        support = {(r["s"].value, r["o"].value): int(r["n"].value) for r in _ask(
            store, f"SELECT ?s ?o ?n WHERE {{ ?st rdf:subject ?s ; rdf:predicate <{pred}> ; rdf:object ?o ; "
                   f"gb:supportCount ?n }}")}
        for r in _ask(store, f"SELECT ?s ?o WHERE {{ ?s <{pred}> ?o }}"):
            s, o = r["s"].value, r["o"].value
            if s in G and o in G:
                G.add_edge(s, o, key=name, relation=name, weight=max(1, support.get((s, o), 1)), evidence=[])
    if evidence:
        add_evidence(G, store)
    return G


def add_evidence(G: nx.MultiDiGraph, graph, per_node: int = 10, per_edge: int = 3) -> None:
    """Add to each node of `G` its first `per_node` [post, sentence] pairs (`evidence`) and, for
    a node without edges, the posts that mention it (`documents`); and to each edge its first
    `per_edge` supporting sentences.  Read from `graph` node by node and in batches of edges,
    so a service mentioned a hundred thousand times costs no more memory than one mentioned once."""
    store = _pyoxigraph_store(graph)
    for node in G:
        G.nodes[node]["evidence"] = [[r["post"].value, r["sentence"].value] for r in _ask(
            store, f"SELECT DISTINCT ?post ?sentence WHERE {{ <{node}> gb:mentionedIn ?m . "
                   f"OPTIONAL {{ ?m gb:inDocument ?doc }} OPTIONAL {{ ?m gb:sentence ?s }} "
                   f"OPTIONAL {{ ?doc gb:sourcePath ?path }} OPTIONAL {{ ?doc rdfs:label ?label }} "
                   f"BIND(COALESCE(?path, ?label, STR(?doc), \"\") AS ?post) BIND(COALESCE(?s, \"None\") AS ?sentence) "
                   f"}} ORDER BY ?post ?sentence LIMIT {per_node}")]
        G.nodes[node]["documents"] = [] if G.degree(node) else sorted(r["doc"].value for r in _ask(
            store, f"SELECT DISTINCT ?doc WHERE {{ <{node}> gb:mentionedIn/gb:inDocument ?doc }}"))
    for name, pred in PREDICATE.items():
        pairs = sorted({(s, o) for s, o, key in G.edges(keys=True) if key == name})
        for batch in (pairs[i:i + 500] for i in range(0, len(pairs), 500)):
            sources: dict[tuple[str, str], set] = {}
            values = " ".join(f"(<{s}> <{o}>)" for s, o in batch)
            for r in _ask(store, f"SELECT ?s ?o ?source ?sentence WHERE {{ VALUES (?s ?o) {{ {values} }} "
                                 f"?st rdf:subject ?s ; rdf:predicate <{pred}> ; rdf:object ?o ; "
                                 f"prov:wasDerivedFrom ?source . OPTIONAL {{ ?source gb:sentence ?sentence }} }}"):
                sentence = r["sentence"].value if r["sentence"] is not None else "None"
                sources.setdefault((r["s"].value, r["o"].value), set()).add((r["source"].value, sentence))
            for s, o in batch:
                G.edges[s, o, name]["evidence"] = [sentence for _, sentence in sorted(sources.get((s, o), ()))[:per_edge]]


def _ask(store: ox.Store, query: str):
    return store.query(_SPARQL_PREFIXES + query)


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
