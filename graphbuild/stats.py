"""Figures about a built graph: how many of each type and relation, and the top entities per type."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import networkx as nx

ENTITY_TYPES = ("Service", "Company", "Technology", "Talk", "Event", "Person")


@dataclass
class GraphStats:
    triples: int
    nodes_by_type: Counter
    edges_by_relation: Counter
    candidates: int
    top: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # type -> (label, posts, degree)

    def format(self) -> str:
        lines = [f"{self.triples} triples, {sum(self.nodes_by_type.values())} nodes, "
                 f"{sum(self.edges_by_relation.values())} relations, {self.candidates} candidate services", ""]
        lines.append("nodes")
        lines += [f"  {t:<12} {n:>6}" for t, n in sorted(self.nodes_by_type.items(), key=lambda x: (-x[1], x[0]))]
        lines.append("relations")
        lines += [f"  {r:<12} {n:>6}" for r, n in sorted(self.edges_by_relation.items(), key=lambda x: (-x[1], x[0]))]
        for type_, rows in self.top.items():
            if rows:
                lines.append(f"top {type_} (posts, links)")
                lines += [f"  {posts:>4} {degree:>5}  {label}" for label, posts, degree in rows]
        return "\n".join(lines)


def graph_stats(G: nx.MultiDiGraph, triples: int = 0, top: int = 10) -> GraphStats:
    """Counts and the `top` entities per type, ranked by the number of posts naming them, then by links."""
    by_type = Counter(data["type"] for _, data in G.nodes(data=True))
    by_relation = Counter(data["relation"] for _, _, data in G.edges(data=True))
    candidates = sum(1 for _, data in G.nodes(data=True) if data.get("candidate"))
    ranked: dict[str, list[tuple[str, int, int]]] = {}
    for type_ in ENTITY_TYPES:
        rows = [(data["label"], len(data.get("documents", [])), G.degree(node))
                for node, data in G.nodes(data=True) if data["type"] == type_]
        ranked[type_] = sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))[:top]
    return GraphStats(triples, by_type, by_relation, candidates, ranked)
