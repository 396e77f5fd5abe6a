"""Graph analytics on the NetworkX view (`to_networkx`): which services matter, which go together,
which companies share them.  Plain functions that take the graph, as in NetworkX."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import networkx as nx


def nodes_of_type(G: nx.MultiDiGraph, type_: str) -> list[str]:
    return sorted(n for n, d in G.nodes(data=True) if d["type"] == type_)


def service_comention_graph(G: nx.MultiDiGraph) -> nx.Graph:
    """Services linked when one talk mentions both (or, for posts without talks, one post names both);
    edge `weight` counts the talks and posts."""
    services = set(nodes_of_type(G, "Service"))
    H = nx.Graph()
    H.add_nodes_from((s, G.nodes[s]) for s in services)
    groups = []
    for talk in nodes_of_type(G, "Talk"):
        groups.append({o for _, o, d in G.out_edges(talk, data=True) if d["relation"] == "mentions" and o in services})
    for doc in nodes_of_type(G, "Document"):
        groups.append({s for s in services if doc in G.nodes[s].get("documents", [])})
    pairs = Counter(pair for group in groups for pair in combinations(sorted(group), 2))
    for (a, b), weight in pairs.items():
        H.add_edge(a, b, weight=weight)
    return H


def central_services(G: nx.MultiDiGraph, top: int = 10) -> list[tuple[str, float]]:
    """Services by PageRank on the co-mention graph: the ones the others are discussed with."""
    H = service_comention_graph(G)
    if H.number_of_edges() == 0:
        return []
    rank = nx.pagerank(H, weight="weight")
    ordered = sorted(rank.items(), key=lambda kv: (-kv[1], G.nodes[kv[0]]["label"]))
    return [(G.nodes[n]["label"], round(score, 4)) for n, score in ordered[:top]]


def service_communities(G: nx.MultiDiGraph, min_size: int = 2) -> list[list[str]]:
    """Groups of services discussed together (Louvain on the co-mention graph, fixed seed), largest first."""
    H = service_comention_graph(G)
    H.remove_nodes_from([n for n in list(H) if H.degree(n) == 0])
    if H.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(H, weight="weight", seed=7)
    groups = [sorted(G.nodes[n]["label"] for n in c) for c in found if len(c) >= min_size]
    return sorted(groups, key=lambda g: (-len(g), g))


def companies_sharing_services(G: nx.MultiDiGraph) -> list[tuple[str, str, list[str]]]:
    """(company, company, services both use) for every pair of companies with a shared `uses`."""
    used: dict[str, set[str]] = {}
    for s, o, d in G.edges(data=True):
        if d["relation"] == "uses" and G.nodes[s]["type"] == "Company":
            used.setdefault(s, set()).add(G.nodes[o]["label"])
    pairs = []
    for a, b in combinations(sorted(used, key=lambda n: G.nodes[n]["label"]), 2):
        shared = sorted(used[a] & used[b])
        if shared:
            pairs.append((G.nodes[a]["label"], G.nodes[b]["label"], shared))
    return sorted(pairs, key=lambda p: (-len(p[2]), p[0], p[1]))
