"""The graph a build makes, held in pyoxigraph: in memory, or in a folder on disk for
graphs too big for memory (`graphbuild build --store DIR`).

Posts go in one at a time, so a build holds the graph, not the posts.  Each post's triples
are kept in a named graph of its own (named after the post) and in the default graph, which
is the union of every graph.  `finish` then adds, in a corpus graph and the default graph,
what only the whole corpus knows: each relation statement's support count (evidence spans
over every post) and its best confidence, each entity's preferred label (the name most posts
use), and which services are discussed together.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import IO, Iterable

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import RDF, SKOS, XSD

from graphbuild.graph.sorted_turtle import write_store_trig, write_store_turtle
from graphbuild.graph.namespace import GB, GRAPH, ID
from graphbuild.graph.rdf import PREFIXES, new_graph, post_ntriples, readable_local_name
from graphbuild.nlp.records import Extraction

CORPUS_GRAPH = str(GRAPH["corpus"])  # the named graph of what only the whole corpus knows


def post_graph(name: str) -> ox.NamedNode:
    """The named graph of a post's triples, named after the post (a name like "a/index" keeps its slashes)."""
    return ox.NamedNode(str(GRAPH["post/" + "/".join(readable_local_name(part) for part in name.split("/"))]))


_PREFIXES = f"""PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX gb: <{GB._NS}>
"""


def _scope(variable: str, iris: Iterable[str] | None) -> str:
    return "" if iris is None else f"VALUES ?{variable} {{ " + " ".join(f"<{i}>" for i in sorted(iris)) + " } "


def statement_totals_update(statements: Iterable[str] | None = None) -> str:
    """The SPARQL update that gives each statement (or only `statements`, replacing what they had)
    its support count (evidence spans over every post) and best confidence (its evidence's)."""
    only = _scope("statement", statements)
    delete = "" if statements is None else f"""DELETE {{ ?statement gb:supportCount ?n ; gb:confidence ?c .
  GRAPH <{CORPUS_GRAPH}> {{ ?statement gb:supportCount ?n ; gb:confidence ?c }} }}
WHERE {{ {only}?statement gb:supportCount ?n ; gb:confidence ?c }} ;
"""
    return _PREFIXES + delete + f"""INSERT {{ ?statement gb:supportCount ?support ; gb:confidence ?best .
  GRAPH <{CORPUS_GRAPH}> {{ ?statement gb:supportCount ?support ; gb:confidence ?best }} }}
WHERE {{ SELECT ?statement (COUNT(DISTINCT ?source) AS ?support) (MAX(?c) AS ?best) WHERE {{
  {only}?statement a rdf:Statement ; prov:wasDerivedFrom ?source . ?source gb:confidence ?c .
}} GROUP BY ?statement }}"""


# Which services are discussed together: each pair of services named in the same talks, with
# the number of those talks.  Counted once here rather than by every query (at a million
# triples, counting the pairs at query time took a third of a second).
_PAIRS = ("SELECT ?s1 ?s2 (COUNT(*) AS ?n) WHERE { VALUES_PAIRS?talk gb:mentions ?s1 , ?s2 . FILTER(STR(?s1) < STR(?s2)) "
          "?s1 a gb:Service . ?s2 a gb:Service . } GROUP BY ?s1 ?s2")


def add_service_pairs(store: ox.Store, pairs: Iterable[tuple[str, str]] | None = None) -> set[ox.NamedNode]:
    """Add the `gb:ServicePair`s of the graph, to the default graph and the corpus graph; with
    `pairs` (service IRIs `s1` < `s2`), count only those again, removing their old counts (an
    incremental rebuild).  Returns the pair nodes counted (with `pairs`: all of them, gone or not)."""
    if pairs is not None:
        return _recount_service_pairs(store, sorted(pairs))
    quads = []
    counted = set()
    for r in store.query(_PREFIXES + _PAIRS.replace("VALUES_PAIRS", "")):
        pair = ox.NamedNode(service_pair_iri(r["s1"].value, r["s2"].value))
        counted.add(pair)
        quads += _pair_quads(pair, r["s1"], r["s2"], r["n"])
    store.extend(quads)
    return counted


def _recount_service_pairs(store: ox.Store, pairs: list[tuple[str, str]]) -> set[ox.NamedNode]:
    """The pairs of an incremental rebuild, counted from the store's indexes (each service's talks read
    once): a SPARQL update with a VALUES list of the pairs took seconds on 100 posts."""
    talks: dict[str, set[str] | None] = {}  # service -> the talks naming it

    def naming(service: str) -> set[str] | None:
        if service not in talks:
            node = ox.NamedNode(service)
            talks[service] = None if ox.Quad(node, _TYPE, _SERVICE) not in store else {
                q.subject.value for q in store.quads_for_pattern(None, _MENTIONS, node, ox.DefaultGraph())}
        return talks[service]

    counted = set()
    for a, b in pairs:
        pair = ox.NamedNode(service_pair_iri(a, b))
        counted.add(pair)
        for graph in (ox.DefaultGraph(), ox.NamedNode(CORPUS_GRAPH)):
            for q in list(store.quads_for_pattern(pair, None, None, graph)):
                store.remove(q)
        first, second = naming(a), naming(b)
        count = 0 if first is None or second is None else len(first & second)
        if count:
            store.extend(_pair_quads(pair, ox.NamedNode(a), ox.NamedNode(b),
                                     ox.Literal(str(count), datatype=ox.NamedNode(str(XSD.integer)))))
    return counted


def _pair_quads(pair: ox.NamedNode, s1, s2, count: ox.Literal) -> list[ox.Quad]:
    return [ox.Quad(pair, p, o, graph) for graph in (ox.DefaultGraph(), ox.NamedNode(CORPUS_GRAPH))
            for p, o in ((_TYPE, _SERVICE_PAIR), (_PAIRED, s1), (_PAIRED, s2), (_TALK_COUNT, count))]


def service_pair_iri(s1: str, s2: str) -> str:
    """The IRI of the pair of services `s1` < `s2` (the one place it is made)."""
    return f"{ID}service-pair/" + hashlib.sha1(f"{s1} {s2}".encode()).hexdigest()[:20]


def add_corpus_totals(store: ox.Store, statements: Iterable[str] | None = None, entities: Iterable[str] | None = None,
                      pairs: Iterable[tuple[str, str]] | None = None) -> set[ox.NamedNode]:
    """What only the whole corpus knows, to the default graph and the corpus graph: each statement's
    support count and best confidence, each entity's labels, the service pairs.  With `statements`,
    `entities` and `pairs`, only those are counted again (an incremental rebuild; empty: none).
    Returns the service pair nodes counted."""
    statements = None if statements is None else set(statements)
    if statements is None or statements:
        store.update(statement_totals_update(statements))
    set_labels(store, entities)
    pairs = None if pairs is None else set(pairs)
    return add_service_pairs(store, pairs) if pairs is None or pairs else set()


def set_labels(store: ox.Store, entities: Iterable[str] | None = None) -> None:
    """Give each entity (or only `entities`, replacing what they had) one `skos:prefLabel` per
    language, the name the most posts give it (ties: the first in code point order), and every
    other spelling as `skos:altLabel`; in the default graph and the corpus graph."""
    scope = None if entities is None else sorted(set(entities))
    if scope == []:
        return
    corpus = ox.NamedNode(CORPUS_GRAPH)
    if scope is not None:
        old = [q for iri in scope for p in (_PREF, _ALT) for q in store.quads_for_pattern(ox.NamedNode(iri), p, None, None)
               if q.graph_name in (corpus, ox.DefaultGraph())]
        for q in old:
            store.remove(q)
    only = _scope("e", scope)
    best: dict[tuple[str, str], tuple[int, str, ox.Literal]] = {}
    for r in store.query(_PREFIXES + f"""SELECT ?e ?l (COUNT(DISTINCT ?g) AS ?n) WHERE {{ {only}
        GRAPH ?g {{ ?e rdfs:label ?l ; gb:spelling ?l }} }} GROUP BY ?e ?l"""):
        key = (r["e"].value, r["l"].language or "")
        rank = (-int(r["n"].value), r["l"].value, r["l"])
        if key not in best or rank[:2] < best[key][:2]:
            best[key] = rank
    labels: list[ox.Quad] = []
    preferred = {(e, chosen[2].value, lang) for (e, lang), chosen in best.items()}
    for (e, _), (_, _, literal) in best.items():
        labels.append(ox.Quad(ox.NamedNode(e), _PREF, literal))
    for r in store.query(_PREFIXES + f"SELECT DISTINCT ?e ?l WHERE {{ {only}?e gb:spelling ?l }}"):
        e, literal = r["e"].value, r["l"]
        if (e, literal.value, literal.language or "") not in preferred:
            labels.append(ox.Quad(ox.NamedNode(e), _ALT, literal))
    store.extend(labels)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, corpus) for q in labels)


_PREF = ox.NamedNode(str(SKOS.prefLabel))
_ALT = ox.NamedNode(str(SKOS.altLabel))
_TYPE = ox.NamedNode(str(RDF.type))
_SERVICE_PAIR = ox.NamedNode(str(GB.ServicePair))
_PAIRED = ox.NamedNode(str(GB.pairedService))
_TALK_COUNT = ox.NamedNode(str(GB.talkCount))
_SERVICE = ox.NamedNode(str(GB.Service))
_MENTIONS = ox.NamedNode(str(GB.mentions))


BULK_LOAD_BYTES = 64 * 1024 * 1024


class GraphStore:
    """A graph built post by post: in memory, or persistent in `path` (a pyoxigraph folder)."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.store = ox.Store(str(path)) if path is not None else ox.Store()
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def add(self, extraction: Extraction) -> None:
        self.add_post(extraction.name, post_ntriples(extraction))

    def add_post(self, name: str, ntriples: bytes) -> None:
        """Add one post's triples (its `post_ntriples`, kept in the build cache) to its named graph
        and to the default graph (the union of every graph, which queries and graph.ttl read)."""
        graph = post_graph(name)
        if self.path is None:
            self.store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            self.store.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
            return
        # On disk, posts are gathered and bulk-loaded straight into index files: a
        # transaction (and a sync) per post made a 10,000-post build wait on the disk.
        # N-Triples escape line breaks inside literals, so " .\n" ends a triple and nothing else.
        quads = ntriples.replace(b" .\n", f" <{graph.value}> .\n".encode())
        self._pending += [ntriples, quads]
        self._pending_bytes += len(ntriples) + len(quads)
        if self._pending_bytes > BULK_LOAD_BYTES:
            self._load_pending()

    def _load_pending(self) -> None:
        if self._pending:
            self.store.bulk_load(b"".join(self._pending), format=ox.RdfFormat.N_QUADS)
            self._pending, self._pending_bytes = [], 0

    def finish(self) -> None:
        """Add what only the whole corpus knows, to the default graph and the corpus graph: each
        statement's support count and best confidence, each entity's labels, the service pairs."""
        self._load_pending()
        add_corpus_totals(self.store)
        if self.path is not None:
            self.store.flush()

    def __len__(self) -> int:
        self._load_pending()
        return len(self.store)

    def write_turtle(self, target: str | os.PathLike | IO) -> int:
        """Sorted Turtle (see `sorted_turtle.write_store_turtle`); returns the number of triples."""
        return write_store_turtle(self.store, target, PREFIXES)

    def write_trig(self, target: str | os.PathLike | IO) -> int:
        """Sorted TriG of the named graphs: one per post and the corpus graph; returns the number of quads."""
        self._load_pending()
        return write_store_trig(self.store, target, PREFIXES)

    def to_rdflib(self) -> Graph:
        g = new_graph()
        g.parse(data=self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
        return g


def to_rdf(extractions: Iterable[Extraction]) -> Graph:
    """The rdflib graph of the extractions (built as `build` builds it, through a `GraphStore`)."""
    store = GraphStore()
    for ex in extractions:
        store.add(ex)
    store.finish()
    return store.to_rdflib()


def replace_store(built: Path, target: Path) -> None:
    """Put the store folder `built` where `target` is, keeping the old one until the new one is in place."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    shutil.rmtree(old, ignore_errors=True)
