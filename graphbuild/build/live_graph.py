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

import gc
import os
import shutil
import tempfile
from itertools import combinations
from pathlib import Path
from typing import Iterable

import networkx as nx
import pyoxigraph as ox
from rdflib import RDF, RDFS

from graphbuild.util.atomic_files import atomic_file
from graphbuild.build.cache import CachedPost
from graphbuild.graph.store import CORPUS_GRAPH, GraphStore, add_corpus_totals, post_graph
from graphbuild.outputs.html_map import most_connected
from graphbuild.outputs.map_layout import remember_layouts, remembered_layouts
from graphbuild.graph.namespace import GB, ID
from graphbuild.graph.network import add_evidence, refresh_networkx, to_networkx
from graphbuild.graph.rdf import CLASS_TYPE, PREDICATE, PREFIXES
from graphbuild.graph.sorted_turtle import (Block, TurtleTerms, graph_text, graph_text_of_blocks, sorted_blocks,
                                      subject_block, subject_key, write_blocks, write_graph_texts)

_MENTIONS = ox.NamedNode(str(GB.mentions))
_TYPE = ox.NamedNode(str(RDF.type))
_SPELLING = ox.NamedNode(str(GB.spelling))
_LABELS = {_SPELLING, ox.NamedNode(str(RDFS.label))}  # what an entity's preferred label is counted from
_RELATION = {ox.NamedNode(str(iri)): name for name, iri in PREDICATE.items()}
_NODE_CLASSES = {ox.NamedNode(str(cls)) for cls in [*CLASS_TYPE, GB.Document]}
_STATEMENT = str(ID["statement/"])
_CORPUS = ox.NamedNode(CORPUS_GRAPH)


class LiveGraph:
    """The finished graph of the last build, its posts (name -> cache key), its Turtle blocks and
    its map's evidence, ready to be brought up to date by `update`."""

    def __init__(self, graph: GraphStore | None = None) -> None:
        """An empty live graph, in memory or (`graph`, an empty `GraphStore` on disk) in a store folder."""
        self._path = graph.path if graph is not None else None
        self.clear(graph)

    @classmethod
    def reopen(cls, graph: GraphStore, kept: dict) -> "LiveGraph":
        """The live graph saved as `kept()` beside the store folder of `graph` (see `build_state`)."""
        live = cls.__new__(cls)
        live._path, live.graph = graph.path, graph
        remember_layouts(kept.pop("map layouts", {}))
        live.__dict__.update(kept)
        live._terms = TurtleTerms(PREFIXES)
        return live

    def kept(self) -> dict:
        """Everything but the store and caches: what `reopen` needs besides it (and the map's community layouts)."""
        return {"map layouts": remembered_layouts(),
                **{k: v for k, v in self.__dict__.items() if k not in ("graph", "_path", "_terms")}}

    def clear(self, graph: GraphStore | None = None) -> None:
        """Forget everything: the next `update` loads every post."""
        if graph is None and self._path is not None:
            self.graph = None
            gc.collect()  # close the store's files before its folder goes
            shutil.rmtree(self._path, ignore_errors=True)
        self.graph = graph if graph is not None else GraphStore(self._path)
        self.posts: dict[str, str] = {}
        self._terms = TurtleTerms(PREFIXES)
        self._blocks: dict[tuple[int, str], Block] = {}
        self._graph_texts: dict[str, tuple[str, int]] = {}  # named graph IRI -> its TriG block (posts' graphs)
        self._corpus_blocks: dict[tuple[int, str], Block] = {}  # the corpus graph's, by subject
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
            self.graph.add_post(name, post.ntriples)
            self.posts[name] = post.key
        self.graph.finish()
        with tempfile.TemporaryDirectory(prefix=".graphbuild-turtle-") as runs:
            self._blocks = {block[0]: block for block in sorted_blocks(store, self._terms, Path(runs))}
            self._corpus_blocks = {block[0]: block for block in sorted_blocks(store, self._terms, Path(runs),
                                                                              graph=_CORPUS)}
        self._touched = None

    def _update(self, added: dict[str, CachedPost], removed: set[str]) -> None:
        store = self.graph.store
        before: set[ox.Quad] = set()  # the triples of the posts taken out and put in, as they were
        for name in sorted(removed | (added.keys() & self.posts.keys())):
            graph = post_graph(name)
            before.update(ox.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph))
            store.remove_graph(graph)
            self._graph_texts.pop(graph.value, None)
            del self.posts[name]
        after: set[ox.Quad] = set()  # and as they are now
        for name, post in added.items():
            graph = post_graph(name)
            self._graph_texts.pop(graph.value, None)
            store.load(post.ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            after.update(ox.Quad(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph))
            self.posts[name] = post.key
        # A post that changed a little keeps most of its triples: only the others change the
        # default graph, the totals and the Turtle blocks.
        gone, new = before - after, after - before
        for q in gone:
            if not any(other.graph_name != ox.DefaultGraph()
                       for other in store.quads_for_pattern(q.subject, q.predicate, q.object, None)):
                store.remove(q)
        store.extend(new)
        changed = gone | new
        subjects = {q.subject for q in changed}
        statements = {s.value for s in subjects if s.value.startswith(_STATEMENT)}
        labelled = {q.subject.value for q in changed if q.predicate in _LABELS}
        subjects |= add_corpus_totals(store, statements, labelled, self._service_pairs_touched(changed))
        for subject in subjects:
            for blocks, graph in ((self._blocks, None), (self._corpus_blocks, _CORPUS)):
                block = subject_block(store, subject, self._terms, graph)
                if block is None:
                    blocks.pop(subject_key(subject), None)
                else:
                    blocks[block[0]] = block
        # The map reads again everything the posts name, changed or not: a sentence's text may
        # change under the same node (its evidence), as may a node's degree.
        self._touched = {q.subject.value for q in before | after} | {s.value for s in subjects}
        self._touched_edges = {(q.subject.value, _RELATION[q.predicate], q.object.value)
                               for q in before | after if q.predicate in _RELATION}

    def _service_pairs_touched(self, changed: set[ox.Quad]) -> set[tuple[str, str]]:
        """The service pairs of the talks whose `gb:mentions` changed (what each names now or named
        before), and of the talks naming a node whose types changed: those to count again."""
        store = self.graph.store
        named: dict[ox.Term, set[str]] = {}  # talk -> what it names now or named before
        for q in changed:
            if q.predicate == _MENTIONS:
                named.setdefault(q.subject, set()).add(q.object.value)
            elif q.predicate == _TYPE:  # a service pair counts only services
                for talk in store.quads_for_pattern(None, _MENTIONS, q.subject, ox.DefaultGraph()):
                    named.setdefault(talk.subject, set()).add(q.subject.value)
        pairs = set()
        for talk, objects in named.items():
            objects |= {q.object.value for q in store.quads_for_pattern(talk, _MENTIONS, None, ox.DefaultGraph())}
            pairs |= set(combinations(sorted(objects), 2))
        return pairs

    def write_turtle(self, path: str | os.PathLike) -> int:
        """graph.ttl from the kept blocks; returns the number of triples."""
        with atomic_file(path) as f:
            return write_blocks(f, PREFIXES, (self._blocks[key] for key in sorted(self._blocks)))

    def write_trig(self, path: str | os.PathLike) -> int:
        """graph.trig: the posts' graphs from kept blocks (made again for the changed posts only),
        the corpus graph made again; returns the number of quads."""
        store = self.graph.store
        with tempfile.TemporaryDirectory(prefix=".graphbuild-trig-") as runs:
            def text(graph: ox.NamedNode) -> tuple[str, int]:
                if graph == _CORPUS:
                    return graph_text_of_blocks(graph, (self._corpus_blocks[k] for k in sorted(self._corpus_blocks)),
                                                self._terms)
                if graph.value not in self._graph_texts:
                    self._graph_texts[graph.value] = graph_text(store, graph, self._terms, Path(runs))
                return self._graph_texts[graph.value]

            graphs = sorted(store.named_graphs(), key=lambda g: g.value)
            with atomic_file(path) as f:
                return write_graph_texts(f, PREFIXES, map(text, graphs))

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

