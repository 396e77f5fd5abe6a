"""The NetworkX view of a graph: entities and documents as nodes, relations as edges.

Read from pyoxigraph with SPARQL, so a big graph is projected without walking every
triple in Python; the evidence sentences are added only to the part that is drawn.
"""

from __future__ import annotations

from typing import Iterable

import networkx as nx
import pyoxigraph as ox
from rdflib import Graph

from graphbuild.graph.namespace import GB
from graphbuild.graph.rdf import CLASS_TYPE, PREDICATE, PREFIXES


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
        batches = [None] if wanted is None else [sorted(wanted)[i:i + 500] for i in range(0, len(wanted), 500)]
        for batch in batches:
            values = "" if batch is None else "VALUES (?s ?o) { " + " ".join(f"(<{s}> <{o}>)" for s, o in batch) + " } "
            for r in _ask(store, f"SELECT ?s ?o ?n WHERE {{ {values}?s <{pred}> ?o . OPTIONAL {{ ?st rdf:subject ?s ; "
                                 f"rdf:predicate <{pred}> ; rdf:object ?o ; gb:supportCount ?n }} }}"):
                s, o = r["s"].value, r["o"].value
                if s in G and o in G:
                    weight = int(r["n"].value) if r["n"] is not None else 1
                    G.add_edge(s, o, key=name, relation=name, weight=max(1, weight), evidence=[], sources=[])


def add_evidence(G: nx.MultiDiGraph, graph, per_node: int = 10, per_edge: int = 3, *,
                 nodes: Iterable[str] | None = None, edges: Iterable[tuple[str, str, str]] | None = None) -> None:
    """Add to each node of `G` up to `per_node` [post, sentence] pairs (`evidence`: its first
    mentions in IRI order, that is by post and position) and, for a node without edges, the
    posts that mention it (`documents`); and to each edge up to `per_edge` supporting
    sentences (`evidence`) and the same as [document IRI, sentence] pairs (`sources`).  Read node by node and in batches of edges, so a service mentioned a hundred
    thousand times costs no more than one mentioned once.  `nodes` and `edges` (s, o, relation)
    limit the work to those (the others keep what they have)."""
    store = _pyoxigraph_store(graph)
    for node in G if nodes is None else nodes:
        first = " ".join(f"<{r['m'].value}>" for r in _ask(
            store, f"SELECT ?m WHERE {{ <{node}> gb:mentionedIn ?m }} ORDER BY ?m LIMIT {per_node}"))
        G.nodes[node]["evidence"] = sorted([r["post"].value, r["sentence"].value] for r in _ask(
            store, f"SELECT ?post ?sentence WHERE {{ VALUES ?m {{ {first} }} "
                   f"OPTIONAL {{ ?m gb:inDocument ?doc }} OPTIONAL {{ ?m nif:sentence/nif:anchorOf ?s }} "
                   f"OPTIONAL {{ ?doc gb:sourcePath ?path }} "
                   f"BIND(COALESCE(?path, STR(?doc), \"\") AS ?post) BIND(COALESCE(?s, \"None\") AS ?sentence) }}"))
        G.nodes[node]["documents"] = [] if G.degree(node) else sorted(r["doc"].value for r in _ask(
            store, f"SELECT DISTINCT ?doc WHERE {{ <{node}> gb:mentionedIn/gb:inDocument ?doc }}"))
    for name, pred in PREDICATE.items():
        pairs = sorted({(s, o) for s, o, key in (G.edges(keys=True) if edges is None else edges) if key == name})
        for batch in (pairs[i:i + 500] for i in range(0, len(pairs), 500)):
            sources: dict[tuple[str, str], set] = {}
            values = " ".join(f"(<{s}> <{o}>)" for s, o in batch)
            for r in _ask(store, f"SELECT ?s ?o ?source ?sentence ?doc WHERE {{ VALUES (?s ?o) {{ {values} }} "
                                 f"?st rdf:subject ?s ; rdf:predicate <{pred}> ; rdf:object ?o ; "
                                 f"prov:wasDerivedFrom ?source . OPTIONAL {{ ?source nif:sentence/nif:anchorOf ?sentence }} "
                                 f"OPTIONAL {{ ?source gb:inDocument ?doc }} }}"):
                sentence = r["sentence"].value if r["sentence"] is not None else "None"
                doc = r["doc"].value if r["doc"] is not None else ""
                sources.setdefault((r["s"].value, r["o"].value), set()).add((r["source"].value, sentence, doc))
            for s, o in batch:
                first = sorted(sources.get((s, o), ()))[:per_edge]
                G.edges[s, o, name]["evidence"] = [sentence for _, sentence, _ in first]
                G.edges[s, o, name]["sources"] = [[doc, sentence] for _, sentence, doc in first]


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
