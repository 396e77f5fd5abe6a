"""The NetworkX view of a graph: entities and documents as nodes, relations as edges.

Read from pyoxigraph with SPARQL, so a big graph is projected without walking every
triple in Python; the evidence sentences are added only to the part that is drawn.
"""

from __future__ import annotations

from typing import Iterable

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph

from graphbuild.namespace import GB
from graphbuild.rdf import CLASS_TYPE, PREDICATE, PREFIXES


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


def add_evidence(G: nx.MultiDiGraph, graph, per_node: int = 10, per_edge: int = 3, *,
                 nodes: Iterable[str] | None = None, edges: Iterable[tuple[str, str, str]] | None = None) -> None:
    """Add to each node of `G` up to `per_node` [post, sentence] pairs (`evidence`: its first
    mentions in IRI order, that is by post and position) and, for a node without edges, the
    posts that mention it (`documents`); and to each edge up to `per_edge` supporting
    sentences.  Read node by node and in batches of edges, so a service mentioned a hundred
    thousand times costs no more than one mentioned once.  `nodes` and `edges` (s, o, relation)
    limit the work to those (the others keep what they have)."""
    store = _pyoxigraph_store(graph)
    for node in G if nodes is None else nodes:
        first = " ".join(f"<{r['m'].value}>" for r in _ask(
            store, f"SELECT ?m WHERE {{ <{node}> gb:mentionedIn ?m }} ORDER BY ?m LIMIT {per_node}"))
        G.nodes[node]["evidence"] = sorted([r["post"].value, r["sentence"].value] for r in _ask(
            store, f"SELECT ?post ?sentence WHERE {{ VALUES ?m {{ {first} }} "
                   f"OPTIONAL {{ ?m gb:inDocument ?doc }} OPTIONAL {{ ?m gb:sentence ?s }} "
                   f"OPTIONAL {{ ?doc gb:sourcePath ?path }} "
                   f"BIND(COALESCE(?path, STR(?doc), \"\") AS ?post) BIND(COALESCE(?s, \"None\") AS ?sentence) }}"))
        G.nodes[node]["documents"] = [] if G.degree(node) else sorted(r["doc"].value for r in _ask(
            store, f"SELECT DISTINCT ?doc WHERE {{ <{node}> gb:mentionedIn/gb:inDocument ?doc }}"))
    for name, pred in PREDICATE.items():
        pairs = sorted({(s, o) for s, o, key in (G.edges(keys=True) if edges is None else edges) if key == name})
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
