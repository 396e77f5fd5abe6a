"""The graph a build makes, held in pyoxigraph: in memory, or in a folder on disk for
graphs too big for memory (`graphbuild build --store DIR`).

Posts go in one at a time, so a build holds the graph, not the posts.  `finish` then adds
what only the whole corpus knows: each relation statement's support count (evidence spans
over every post) and its best confidence, and which services are discussed together.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import IO, Iterable

import pyoxigraph as ox
from rdflib import Graph

from graphbuild.sorted_turtle import write_store_turtle
from graphbuild.namespace import GB, ID
from graphbuild.rdf import PREFIXES, new_graph, post_triples
from graphbuild.records import Extraction

# Each post gave its statements a confidence; the graph keeps the best, and counts the
# evidence spans over every post.  One SPARQL update, run inside pyoxigraph.
_CORPUS_TOTALS = f"""
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX gb: <{GB._NS}>
DELETE {{ ?statement gb:confidence ?old }}
INSERT {{ ?statement gb:supportCount ?support ; gb:confidence ?best }}
WHERE {{
  {{ SELECT ?statement (COUNT(DISTINCT ?source) AS ?support) (MAX(?c) AS ?best) WHERE {{
      ?statement a rdf:Statement ; prov:wasDerivedFrom ?source ; gb:confidence ?c .
  }} GROUP BY ?statement }}
  ?statement gb:confidence ?old .
}}"""

# Which services are discussed together: each pair of services named in the same talks, with
# the number of those talks.  Counted once here rather than by every query (at a million
# triples, counting the pairs at query time took a third of a second).
_SERVICE_PAIR_IRI = f'''IRI(CONCAT("{ID}service-pair/", SUBSTR(SHA1(CONCAT(STR(?s1), " ", STR(?s2))), 1, 20)))'''


def service_pairs_update(pairs: Iterable[tuple[str, str]] | None = None) -> str:
    """The SPARQL update that adds the `gb:ServicePair`s of the graph; with `pairs` (service IRIs
    `s1` < `s2`), it counts only those again, removing the old counts (an incremental rebuild)."""
    where = "?talk gb:mentions ?s1 , ?s2 . FILTER(STR(?s1) < STR(?s2)) ?s1 a gb:Service . ?s2 a gb:Service ."
    insert = f"""INSERT {{ ?pair a gb:ServicePair ; gb:pairedService ?s1 , ?s2 ; gb:talkCount ?n }}
WHERE {{
  {{ SELECT ?s1 ?s2 (COUNT(*) AS ?n) WHERE {{ VALUES_PAIRS{where} }} GROUP BY ?s1 ?s2 }}
  BIND({_SERVICE_PAIR_IRI} AS ?pair)
}}"""
    prefixes = f"PREFIX gb: <{GB._NS}>\n"
    if pairs is None:
        return prefixes + insert.replace("VALUES_PAIRS", "")
    values = "VALUES (?s1 ?s2) { " + " ".join(f"(<{a}> <{b}>)" for a, b in sorted(pairs)) + " } "
    return prefixes + f"""DELETE {{ ?pair ?p ?o }} WHERE {{ {values}?pair gb:pairedService ?s1 , ?s2 ; ?p ?o }} ;
""" + insert.replace("VALUES_PAIRS", values)


def service_pair_iri(s1: str, s2: str) -> str:
    """The IRI `service_pairs_update` gives the pair of services `s1` < `s2`."""
    return f"{ID}service-pair/" + hashlib.sha1(f"{s1} {s2}".encode()).hexdigest()[:20]


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
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in post_triples(extraction))

    def add_ntriples(self, data: bytes) -> None:
        """Add triples given as N-Triples (a post's `post_ntriples`, kept in the build cache)."""
        if self.path is None:
            self.store.load(data, format=ox.RdfFormat.N_TRIPLES)
            return
        # On disk, posts are gathered and bulk-loaded straight into index files: a
        # transaction (and a sync) per post made a 10,000-post build wait on the disk.
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes > BULK_LOAD_BYTES:
            self._load_pending()

    def _load_pending(self) -> None:
        if self._pending:
            self.store.bulk_load(b"".join(self._pending), format=ox.RdfFormat.N_TRIPLES)
            self._pending, self._pending_bytes = [], 0

    def finish(self) -> None:
        """Add what only the whole corpus knows: each statement's best confidence (replacing the
        per-post ones) and support count, and the service pairs."""
        self._load_pending()
        self.store.update(_CORPUS_TOTALS)
        self.store.update(service_pairs_update())
        if self.path is not None:
            self.store.flush()

    def __len__(self) -> int:
        self._load_pending()
        return len(self.store)

    def write_turtle(self, target: str | os.PathLike | IO) -> int:
        """Sorted Turtle (see `sorted_turtle.write_store_turtle`); returns the number of triples."""
        return write_store_turtle(self.store, target, PREFIXES)

    def to_rdflib(self) -> Graph:
        g = new_graph()
        g.parse(data=self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
        return g


def replace_store(built: Path, target: Path) -> None:
    """Put the store folder `built` where `target` is, keeping the old one until the new one is in place."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(built, target)
    shutil.rmtree(old, ignore_errors=True)
