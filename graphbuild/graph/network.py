"""The NetworkX view of a graph: entities and documents as nodes, relations as edges.

Read from pyoxigraph with SPARQL, so a big graph is projected without walking every
triple in Python; the evidence sentences are added only to the part that is drawn.
"""

from __future__ import annotations

from typing import Iterable

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from graphbuild.graph.namespace import GB, NIF
from graphbuild.graph.rdf import CLASS_TYPE, PREDICATE, PREFIXES, statement_iri


def to_networkx(graph, evidence: bool = True) -> nx.MultiDiGraph:
    """Entities (and documents) as nodes, relations as edges keyed by relation name, from an
    rdflib `Graph`, a `GraphStore` or a pyoxigraph `Store` (read with SPARQL, so a big graph
    is projected without walking every triple in Python).

    Node attributes: `type`, `label`, `labels` (other spellings), `candidate`; edge
    attributes: `relation`, `weight` (number of supporting evidence spans); documents also have `path`
    and, when the graph has them, `date` and `url`.  With
    `evidence`, also what `add_evidence` adds; without, a big graph's projection stays
    small and the evidence can be added to the part that is drawn.
    """
    store = _pyoxigraph_store(graph)
    G = nx.MultiDiGraph()
    refresh_networkx(G, store)
    if evidence:
        add_evidence(G, store)
    return G


def refresh_networkx(G: nx.MultiDiGraph, graph, nodes: Iterable[str] | None = None,
                     edges: Iterable[tuple[str, str, str]] = ()) -> None:
    """Bring `G` up to date with `graph`: the nodes `nodes` (IRIs) are read again (attributes, with
    evidence emptied) or removed when they are no longer nodes, and the edges `edges` (subject,
    relation name, object) are added, updated or removed.  With `nodes` None, everything is read:
    what `to_networkx` does for a whole graph, `--watch` does for the part a changed post touched."""
    store = _pyoxigraph_store(graph)
    scope = None if nodes is None else sorted(set(nodes))
    only = "" if scope is None else "VALUES ?node { " + " ".join(f"<{iri}>" for iri in scope) + " } "
    types = {str(cls): name for cls, name in [*CLASS_TYPE.items(), (GB.Document, "Document")]}
    rank = {name: i for i, name in enumerate(types.values())}  # a node of two of our classes takes the first
    found: dict[str, dict] = {}
    classes = " ".join(f"<{cls}>" for cls in types)  # not the millions of evidence nodes and statements
    for r in ([] if scope == [] else _ask(
            store, f"SELECT ?node ?class (MIN(?p) AS ?pref) (MIN(?l) AS ?label) WHERE {{ {only}"
                   f"VALUES ?class {{ {classes} }} ?node a ?class . OPTIONAL {{ ?node skos:prefLabel ?p }} "
                   f"OPTIONAL {{ ?node rdfs:label ?l }} }} GROUP BY ?node ?class")):
        type_ = types.get(r["class"].value)
        node = r["node"].value
        if type_ is None or node in found and rank[found[node]["type"]] <= rank[type_]:
            continue
        found[node] = {"type": type_, "label": (r["pref"] or r["label"] or r["node"]).value, "labels": [],
                       "candidate": False, "evidence": [], "documents": []}
    if found:
        for r in _ask(store, f"SELECT ?node ?alt WHERE {{ {only}?node skos:altLabel ?alt }}"):
            if r["node"].value in found:
                found[r["node"].value]["labels"].append(r["alt"].value)
        for r in _ask(store, f"SELECT ?node WHERE {{ {only}?node a gb:CandidateService }}"):
            if r["node"].value in found:
                found[r["node"].value]["candidate"] = True
        for r in _ask(store, f"SELECT ?node ?path ?date ?url WHERE {{ {only}?node a gb:Document . "
                             f"OPTIONAL {{ ?node gb:sourcePath ?path }} OPTIONAL {{ ?node schema:datePublished ?date }} "
                             f"OPTIONAL {{ ?node schema:url ?url }} }}"):
            post = found.get(r["node"].value)
            if post is not None and post["type"] == "Document":  # the post's file, date and address for the map
                post.update({key: r[key].value for key in ("path", "date", "url") if r[key] is not None})
    if scope is not None:
        G.remove_nodes_from([node for node in scope if node in G and node not in found])
    for node in sorted(found):
        data = {**found[node], "labels": sorted(found[node]["labels"])}
        if node in G:
            G.nodes[node].update(data)
        else:
            G.add_node(node, **data)
    if scope is None:
        _read_edges(G, store, {name: None for name in PREDICATE})
    else:
        pairs: dict[str, set[tuple[str, str]] | None] = {}
        for s, name, o in edges:
            pairs.setdefault(name, set()).add((s, o))
            if G.has_edge(s, o, name):
                G.remove_edge(s, o, name)
        _read_edges(G, store, pairs)


def _read_edges(G: nx.MultiDiGraph, store: ox.Store, pairs: dict[str, set[tuple[str, str]] | None]) -> None:
    """Add the edges of each relation (only those between the given (subject, object) pairs, unless
    None) between nodes of `G`, weighted by their statement's support count."""
    for name, wanted in pairs.items():
        pred = PREDICATE[name]
        if wanted is None:
            rows = ((r["s"].value, r["o"].value, r["n"]) for r in _ask(
                store, f"SELECT ?s ?o ?n WHERE {{ ?s <{pred}> ?o . OPTIONAL {{ ?st rdf:subject ?s ; "
                       f"rdf:predicate <{pred}> ; rdf:object ?o ; gb:supportCount ?n }} }}"))
        else:  # a few pairs: read from the indexes (a VALUES query joined every statement of the relation)
            node = ox.NamedNode(str(pred))
            rows = ((s, o, _support_count(store, s, node, o))
                    for s, o in sorted(wanted) if ox.Quad(ox.NamedNode(s), node, ox.NamedNode(o)) in store)
        for s, o, n in rows:
            if s in G and o in G:
                weight = int(n.value) if n is not None else 1
                G.add_edge(s, o, key=name, relation=name, weight=max(1, weight), evidence=[], sources=[])


def add_evidence(G: nx.MultiDiGraph, graph, per_node: int = 10, per_edge: int = 3, *,
                 nodes: Iterable[str] | None = None, edges: Iterable[tuple[str, str, str]] | None = None) -> None:
    """Add to each node of `G` up to `per_node` [post, sentence] pairs (`evidence`: its first
    mentions in IRI order, that is by post and position) and, for a node without edges, the
    posts that mention it (`documents`); and to each edge up to `per_edge` supporting
    sentences (`evidence`) and the same as [document IRI, sentence] pairs (`sources`).  Read from
    the store's indexes node by node and edge by edge, so a service mentioned a hundred thousand
    times costs no more than one mentioned once.  `nodes` and `edges` (s, o, relation) limit the
    work to those (the others keep what they have)."""
    store = _pyoxigraph_store(graph)
    posts: dict[ox.Term, list[str]] = {}  # a document -> what a [post, sentence] pair names it by

    def post(doc: ox.Term | None) -> list[str]:
        if doc is None:
            return [""]
        if doc not in posts:
            posts[doc] = [p.value for p in _objects(store, doc, _SOURCE_PATH)] or [doc.value]
        return posts[doc]

    for node in G if nodes is None else nodes:
        mentions = sorted(_objects(store, ox.NamedNode(node), _MENTIONED_IN), key=_term_order)
        G.nodes[node]["evidence"] = sorted([p, sentence] for m in mentions[:per_node]
                                           for doc in _objects(store, m, _IN_DOCUMENT) or [None] for p in post(doc)
                                           for sentence in _sentences(store, m))
        G.nodes[node]["documents"] = [] if G.degree(node) else sorted(
            {doc.value for m in mentions for doc in _objects(store, m, _IN_DOCUMENT)})
    for s, o, name in sorted({(s, o, key) for s, o, key in (G.edges(keys=True) if edges is None else edges)}):
        sources = {(source.value, sentence, doc.value if doc is not None else "")
                   for st in _statements(store, s, ox.NamedNode(str(PREDICATE[name])), o)
                   for source in _objects(store, st, _DERIVED_FROM)
                   for sentence in _sentences(store, source)
                   for doc in _objects(store, source, _IN_DOCUMENT) or [None]}
        first = sorted(sources)[:per_edge]
        G.edges[s, o, name]["evidence"] = [sentence for _, sentence, _ in first]
        G.edges[s, o, name]["sources"] = [[doc, sentence] for _, sentence, doc in first]


def _objects(store: ox.Store, subject: ox.Term, predicate: ox.NamedNode) -> list[ox.Term]:
    return [q.object for q in store.quads_for_pattern(subject, predicate, None, ox.DefaultGraph())]


def _statements(store: ox.Store, s: str, predicate: ox.NamedNode, o: str) -> list[ox.Term]:
    """The `rdf:Statement`s of the triple (s, predicate, o), in IRI order: the one named by
    `statement_iri` when the graph has it (graphbuild's graphs), else any that describes the triple."""
    obj = ox.NamedNode(o)
    named = ox.NamedNode(str(statement_iri(URIRef(s), _RELATION_NAME[predicate], URIRef(o))))
    if all(q in store for q in (ox.Quad(named, _RDF_SUBJECT, ox.NamedNode(s)), ox.Quad(named, _RDF_PREDICATE, predicate),
                                ox.Quad(named, _RDF_OBJECT, obj))):
        return [named]
    return sorted((q.subject for q in store.quads_for_pattern(None, _RDF_SUBJECT, ox.NamedNode(s), ox.DefaultGraph())
                   if ox.Quad(q.subject, _RDF_PREDICATE, predicate) in store
                   and ox.Quad(q.subject, _RDF_OBJECT, obj) in store), key=_term_order)


def _support_count(store: ox.Store, s: str, predicate: ox.NamedNode, o: str) -> ox.Literal | None:
    for statement in _statements(store, s, predicate, o):
        for count in _objects(store, statement, _SUPPORT):
            return count
    return None


def _sentences(store: ox.Store, anchor: ox.Term) -> list[str]:
    """The text of the sentence an evidence span or mention stands in ("None" when it has none)."""
    return [text.value for sentence in _objects(store, anchor, _SENTENCE)
            for text in _objects(store, sentence, _ANCHOR_OF)] or ["None"]


def _term_order(term: ox.Term) -> tuple[int, str]:
    """SPARQL's ORDER BY for terms: blank nodes, then IRIs, then literals."""
    return (0 if isinstance(term, ox.BlankNode) else 1 if isinstance(term, ox.NamedNode) else 2, term.value)


_MENTIONED_IN, _IN_DOCUMENT = ox.NamedNode(str(GB.mentionedIn)), ox.NamedNode(str(GB.inDocument))
_SOURCE_PATH, _SUPPORT = ox.NamedNode(str(GB.sourcePath)), ox.NamedNode(str(GB.supportCount))
_SENTENCE, _ANCHOR_OF = ox.NamedNode(str(NIF.sentence)), ox.NamedNode(str(NIF.anchorOf))
_DERIVED_FROM = ox.NamedNode(str(PROV.wasDerivedFrom))
_RELATION_NAME = {ox.NamedNode(str(iri)): name for name, iri in PREDICATE.items()}
_RDF_SUBJECT, _RDF_PREDICATE, _RDF_OBJECT = (ox.NamedNode(str(RDF.subject)), ox.NamedNode(str(RDF.predicate)),
                                            ox.NamedNode(str(RDF.object)))


def _ask(store: ox.Store, query: str):
    return store.query(_SPARQL_PREFIXES + query)


_SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p in (
    "gb", "rdf", "rdfs", "skos", "prov", "nif", "schema"))


def _pyoxigraph_store(graph) -> ox.Store:
    if isinstance(graph, ox.Store):
        return graph
    if isinstance(graph, Graph):
        store = ox.Store()
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        return store
    return graph.store  # a GraphStore
