"""Figures about a built graph: how many of each type and relation, and the top entities per type,
ranked by the number of posts that name them.  Read with SPARQL from a pyoxigraph store, so a
Turtle file and a `--store` folder give the same figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from graphbuild.graph.namespace import GB
from graphbuild.graph.rdf import PREDICATE, PREFIXES, TYPE_CLASS

ENTITY_TYPES = ("Service", "Company", "Technology", "Talk", "Event", "Person")


@dataclass
class GraphStats:
    triples: int
    nodes_by_type: Counter
    edges_by_relation: Counter
    candidates: int
    top: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # type -> (label, posts, links)

    def format(self) -> str:
        lines = [f"{self.triples} triples, {sum(self.nodes_by_type.values())} nodes, "
                 f"{sum(self.edges_by_relation.values())} relations, {self.candidates} candidate services", ""]
        lines.append("nodes")
        lines += [f"  {t:<12} {n:>6}" for t, n in sorted(self.nodes_by_type.items(), key=lambda x: (-x[1], x[0]))]
        lines.append("relations")
        lines += [f"  {r:<12} {n:>6}" for r, n in sorted(self.edges_by_relation.items(), key=lambda x: (-x[1], x[0]))]
        for type_, rows in self.top.items():
            if rows:
                lines.append(f"top {type_} (posts naming it, links)")
                lines += [f"  {posts:>4} {links:>5}  {label}" for label, posts, links in rows]
        return "\n".join(lines)


def graph_stats(store: ox.Store, top: int = 10) -> GraphStats:
    """Counts and the `top` entities per type, ranked by the number of posts naming them
    (`gb:mentionedIn` evidence in distinct documents; for talks, the posts reporting on them),
    then by their links."""
    classes = {**{name: cls for name, cls in TYPE_CLASS.items()}, "Document": GB.Document}
    by_type = Counter()
    for name, cls in classes.items():
        n = _count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> }}")
        if n:
            by_type[name] = n
    by_relation = Counter()
    for name, pred in PREDICATE.items():
        n = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{pred}> ?o }}")
        if n:
            by_relation[name] = n
    candidates = _count(store, "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a gb:CandidateService }")
    ranked = {type_: _top(store, str(classes[type_]), top) for type_ in ENTITY_TYPES}
    # a store folder also holds each post's named graph: count the union (the default graph) once
    triples = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return GraphStats(triples, by_type, by_relation, candidates, ranked)


def _top(store: ox.Store, cls: str, top: int) -> list[tuple[str, int, int]]:
    """(label, posts, links) of the `top` nodes of class `cls` by posts naming them, then links."""
    relations = " ".join(f"<{p}>" for p in PREDICATE.values())
    rows = []
    for r in store.query(
            f"SELECT ?x (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?doc) AS ?posts) WHERE {{ ?x a <{cls}> . "
            f"OPTIONAL {{ ?x skos:prefLabel ?label }} "
            f"OPTIONAL {{ {{ ?x gb:mentionedIn/gb:inDocument ?doc }} UNION {{ ?doc gb:reportsOn ?x }} }} }} "
            f"GROUP BY ?x", prefixes=PREFIXES):
        rows.append((r["x"], r["name"].value if r["name"] else r["x"].value, int(r["posts"].value)))
    rows.sort(key=lambda r: (-r[2], r[1]))
    # links are counted only for the leaders and the ties at the cut, not for every node
    cut = rows[top - 1][2] if len(rows) >= top > 0 else -1
    leaders = [r for r in rows if r[2] >= cut]
    counted = []
    for node, label, posts in leaders:
        links = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?p {{ {relations} }} "
                              f"{{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}")
        counted.append((label, posts, links))
    return sorted(counted, key=lambda r: (-r[1], -r[2], r[0]))[:top]


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(query, prefixes=PREFIXES)))["n"].value)
