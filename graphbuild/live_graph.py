"""A graph kept in memory from one build to the next (`graphbuild build --watch`), so that a
rebuild after one post changed redoes that post's part of the graph and not the whole corpus.

Each post's triples are kept twice: in a named graph of the post's own, and in the default
graph, which is what a full build gives (the union of the posts plus the corpus totals).
Taking a post out removes from the default graph the triples no other post has; putting it
in adds its triples.  Statement totals, service pairs, Turtle blocks and the map's evidence
are then redone only for the subjects those triples touch, and the outputs are byte for byte
those of a full build.
"""

from __future__ import annotations

import os
import tempfile
from itertools import combinations
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF

from graphbuild.atomic_files import atomic_file
from graphbuild.cache import CachedPost
from graphbuild.graph_store import GraphStore, service_pair_iri, service_pairs_update
from graphbuild.html_map import most_connected
from graphbuild.namespace import GB, ID
from graphbuild.network import add_evidence, refresh_networkx, to_networkx
from graphbuild.rdf import CLASS_TYPE, PREDICATE, PREFIXES
from graphbuild.sorted_turtle import Block, TurtleTerms, sorted_blocks, subject_block, subject_key, write_blocks

POST_GRAPH = "urn:graphbuild:post:"  # + the post's name: the named graph of its triples
_MENTIONS = ox.NamedNode(str(GB.mentions))
_TYPE = ox.NamedNode(str(RDF.type))
_RELATION = {ox.NamedNode(str(iri)): name for name, iri in PREDICATE.items()}
_NODE_CLASSES = {ox.NamedNode(str(cls)) for cls in [*CLASS_TYPE, GB.Document]}
_STATEMENT = str(ID["statement/"])

# The totals of `GraphStore.finish`, for some statements only: their best confidence over the
# posts' own values (kept in the posts' named graphs) and their support count.
_STATEMENT_TOTALS = f"""
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX gb: <{GB._NS}>
DELETE {{ ?statement gb:confidence ?c }} WHERE {{ VALUES ?statement {{ STATEMENTS }} ?statement gb:confidence ?c }} ;
DELETE {{ ?statement gb:supportCount ?n }} WHERE {{ VALUES ?statement {{ STATEMENTS }} ?statement gb:supportCount ?n }} ;
INSERT {{ ?statement gb:supportCount ?support ; gb:confidence ?best }}
WHERE {{
  {{ SELECT ?statement (COUNT(DISTINCT ?source) AS ?support) WHERE {{
      VALUES ?statement {{ STATEMENTS }} ?statement a rdf:Statement ; prov:wasDerivedFrom ?source .
  }} GROUP BY ?statement }}
  {{ SELECT ?statement (MAX(?c) AS ?best) WHERE {{
      VALUES ?statement {{ STATEMENTS }} GRAPH ?post {{ ?statement gb:confidence ?c }}
  }} GROUP BY ?statement }}
}}"""


class LiveGraph:
    """The finished graph of the last build, its posts (name -> cache key), its Turtle blocks and
    its map's evidence, ready to be brought up to date by `update`."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything: the next `update` loads every post."""
        self.graph = GraphStore()
        self.posts: dict[str, str] = {}
        self._terms = TurtleTerms(PREFIXES)
        self._blocks: dict[tuple[int, str], Block] = {}
        self._touched: set[str] | None = None  # subjects the last update touched; None: all of them
        self._touched_edges: set[tuple[str, str, str]] = set()  # relation triples (s, name, o) it added or removed
        self._network: nx.MultiDiGraph | None = None  # the whole graph's NetworkX view, without evidence
        self._node_evidence: dict[str, tuple[list, list, bool]] = {}  # node -> (evidence, documents, isolated)
        self._edge_evidence: dict[tuple[str, str, str], list] = {}

    def update(self, added: dict[str, CachedPost], removed: Iterable[str]) -> None:
        """Take out the posts `removed` and the old versions of those `added`, put `added` in, and
        redo what they touch.  If anything fails half way, the live graph is emptied (the next
        build then starts from scratch) rather than left half updated."""
        try:
            if self.posts:
                self._update(added, set(removed))
            else:
                self._load(added)
        except BaseException:
            self.clear()
            raise

    def _load(self, added: dict[str, CachedPost]) -> None:
        store = self.graph.store
        for name, post in added.items():
            store.load(post.ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=_post_graph(name))
            store.load(post.ntriples, format=ox.RdfFormat.N_TRIPLES)
            self.posts[name] = post.key
        self.graph.finish()
        with tempfile.TemporaryDirectory(prefix=".graphbuild-turtle-") as runs:
            self._blocks = {block[0]: block for block in sorted_blocks(store, self._terms, Path(runs))}
        self._touched = None

    def _update(self, added: dict[str, CachedPost], removed: set[str]) -> None:
        store = self.graph.store
        changed: list[ox.Quad] = []  # every triple of the posts taken out and put in
        for name in sorted(removed | (added.keys() & self.posts.keys())):
            graph = _post_graph(name)
            old = list(store.quads_for_pattern(None, None, None, graph))
            store.remove_graph(graph)
            for q in old:
                if not any(other.graph_name != ox.DefaultGraph()
                           for other in store.quads_for_pattern(q.subject, q.predicate, q.object, None)):
                    store.remove(ox.Quad(q.subject, q.predicate, q.object))
            changed += old
            del self.posts[name]
        for name, post in added.items():
            graph = _post_graph(name)
            store.load(post.ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            new = list(store.quads_for_pattern(None, None, None, graph))
            store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in new)
            changed += new
            self.posts[name] = post.key
        subjects = {q.subject for q in changed}
        statements = " ".join(f"<{s.value}>" for s in subjects if s.value.startswith(_STATEMENT))
        if statements:
            store.update(_STATEMENT_TOTALS.replace("STATEMENTS", statements))
        subjects |= self._recount_service_pairs(changed)
        for subject in subjects:
            block = subject_block(store, subject, self._terms)
            if block is None:
                self._blocks.pop(subject_key(subject), None)
            else:
                self._blocks[block[0]] = block
        self._touched = {s.value for s in subjects}
        self._touched_edges = {(q.subject.value, _RELATION[q.predicate], q.object.value)
                               for q in changed if q.predicate in _RELATION}

    def _recount_service_pairs(self, changed: list[ox.Quad]) -> set[ox.NamedNode]:
        """Count again the service pairs of the talks whose `gb:mentions` changed (what each names
        now or named before); returns the pair nodes, whether they are still there or not."""
        store = self.graph.store
        named: dict[ox.Term, set[str]] = {}  # talk -> what it names now or named before
        for q in changed:
            if q.predicate == _MENTIONS:
                named.setdefault(q.subject, set()).add(q.object.value)
        pairs = set()
        for talk, objects in named.items():
            objects |= {q.object.value for q in store.quads_for_pattern(talk, _MENTIONS, None, ox.DefaultGraph())}
            pairs |= set(combinations(sorted(objects), 2))
        if pairs:
            store.update(service_pairs_update(pairs))
        return {ox.NamedNode(service_pair_iri(a, b)) for a, b in pairs}

    def write_turtle(self, path: str | os.PathLike) -> int:
        """graph.ttl from the kept blocks; returns the number of triples."""
        with atomic_file(path) as f:
            return write_blocks(f, PREFIXES, (self._blocks[key] for key in sorted(self._blocks)))

    def map_view(self) -> tuple[nx.MultiDiGraph, int]:
        """The part of the graph the map draws, with evidence, and the number of nodes of the whole
        graph.  The NetworkX view and the evidence are read again only for the nodes the last
        update touched (and the edges at them)."""
        G = self._network
        if G is None or self._touched is None:
            G = self._network = to_networkx(self.graph, evidence=False)
            scope = None
        else:
            # A relation's statement comes with the relation triple itself, so the changed relation
            # triples are all the edges whose presence, weight or evidence may have changed.
            scope = {iri for iri in self._touched if iri in G or self._is_node(iri)}
            refresh_networkx(G, self.graph, scope, self._touched_edges)
        drawn = most_connected(G)
        nodes = [n for n in drawn if scope is None or n in scope or n not in self._node_evidence
                 or self._node_evidence[n][2] != (drawn.degree(n) == 0)]
        stale = set() if scope is None else {(s, o, name) for s, name, o in self._touched_edges}
        edges = [e for e in drawn.edges(keys=True) if scope is None or e in stale or e not in self._edge_evidence]
        add_evidence(drawn, self.graph, nodes=nodes, edges=edges)
        fresh_nodes, fresh_edges = set(nodes), set(edges)
        for n, data in drawn.nodes(data=True):
            if n in fresh_nodes:
                self._node_evidence[n] = (data["evidence"], data["documents"], drawn.degree(n) == 0)
            else:
                data["evidence"], data["documents"], _ = self._node_evidence[n]
        for s, o, key, data in drawn.edges(keys=True, data=True):
            if (s, o, key) in fresh_edges:
                self._edge_evidence[s, o, key] = (data["evidence"], data["sources"])
            else:
                data["evidence"], data["sources"] = self._edge_evidence[s, o, key]
        if len(self._edge_evidence) > 2 * drawn.number_of_edges() + 1000:  # forget what is no longer drawn
            self._node_evidence = {n: self._node_evidence[n] for n in drawn}
            self._edge_evidence = {e: self._edge_evidence[e] for e in drawn.edges(keys=True)}
        return drawn, G.number_of_nodes()

    def _is_node(self, iri: str) -> bool:
        """Whether the map would draw `iri`: it has one of the entity or document classes."""
        return any(q.object in _NODE_CLASSES for q in self.graph.store.quads_for_pattern(
            ox.NamedNode(iri), _TYPE, None, ox.DefaultGraph()))


def _post_graph(name: str) -> ox.NamedNode:
    return ox.NamedNode(POST_GRAPH + quote(name, safe=""))
