"""Positions for the map, computed here so that the picture shows the graph's structure and is
the same in every run: communities (Louvain) apart from each other, and inside each, a spring
layout in which a talk is pulled hard to its event and services to the talks that mention them."""

from __future__ import annotations

import hashlib
import math
from typing import Callable

import networkx as nx

RELATION_PULL = {"partOf": 8.0, "presentedBy": 4.0, "uses": 3.0, "mentions": 1.0, "reportsOn": 0.5,
                 "authoredBy": 0.5}
SPRING_NODES = 400  # a community above this size is laid out by its backbone plus rings (see `_big_layout`)
BIG_MAP = 1500  # above this many nodes, springs only for each community's best-connected third (speed)
NODE_SPACING = 70.0  # canvas units per node, roughly: a community of n nodes gets a disc of radius ~ sqrt(n)
REMEMBERED = 512  # community layouts kept, for maps whose communities rarely change
_remembered: dict[bytes, tuple] = {}  # a digest of a layout's input -> the layout, the newest last


def remembered_layouts() -> dict[bytes, tuple]:
    """The community layouts computed lately (`--watch` keeps them in memory, the build state on disk)."""
    return dict(_remembered)


def remember_layouts(layouts: dict[bytes, tuple]) -> None:
    """Take back layouts from `remembered_layouts` (of the same code: the build state checks that)."""
    _remembered.update(layouts)
    _forget_oldest()


def _remember(make: Callable[..., tuple], *args) -> tuple:
    """`make(*args)`, computed once for the same input (a pure function of it)."""
    key = hashlib.sha256(repr((make.__name__, args)).encode()).digest()
    value = _remembered.pop(key, None)
    _remembered[key] = value = make(*args) if value is None else value
    _forget_oldest()
    return value


def _forget_oldest() -> None:
    while len(_remembered) > REMEMBERED:
        del _remembered[next(iter(_remembered))]


def map_positions(G: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """(x, y) for every node of `G`: deterministic for the same graph (sorted input, fixed seeds)."""
    simple = _weighted(G)
    communities = _communities(simple)
    placed: dict[str, tuple[float, float]] = {}
    discs = []
    big = simple.number_of_nodes() > BIG_MAP
    for members, edges in zip(communities, _inner_edges(simple, communities)):
        local = _community_layout(members, edges, max(20, len(members) // 3) if big else SPRING_NODES)
        radius = NODE_SPACING * math.sqrt(len(members)) * 0.6 + 40
        discs.append((radius, local))
    for (radius, local), (cx, cy) in zip(discs, _pack([r for r, _ in discs])):
        for node, (x, y) in local.items():
            placed[node] = (round(cx + x * radius, 1), round(cy + y * radius, 1))
    return placed


def community_positions(H: nx.Graph, groups: list[list[str]]) -> dict[str, tuple[float, float]]:
    """Positions for the nodes of `groups` (communities of `H`, largest first): each community
    laid out in its own disc, the discs apart (what the map does, for any graph)."""
    placed: dict[str, tuple[float, float]] = {}
    discs = [(NODE_SPACING * math.sqrt(len(g)) * 0.6 + 40, _community_layout(g, edges))
             for g, edges in zip(groups, _inner_edges(H, groups))]
    for (radius, local), (cx, cy) in zip(discs, _pack([r for r, _ in discs])):
        for node, (x, y) in local.items():
            placed[node] = (cx + x * radius, cy + y * radius)
    return placed


def _inner_edges(H: nx.Graph, groups: list[list[str]]) -> list[list[tuple[str, str, float]]]:
    """For each group, its edges inside it (a, b, weight), sorted; one pass over the edges of `H`."""
    member = {n: i for i, g in enumerate(groups) for n in g}
    inner: list[list[tuple[str, str, float]]] = [[] for _ in groups]
    for a, b, d in H.edges(data=True):
        if a in member and member[a] == member.get(b):
            inner[member[a]].append((min(a, b), max(a, b), d.get("weight", 1.0)))
    return [sorted(edges) for edges in inner]


def _weighted(G: nx.MultiDiGraph) -> nx.Graph:
    """The undirected graph of `G` with each pair's pull: its strongest relation's."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(G))
    for a, b, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("relation", ""))):
        if a == b:
            continue
        pull = RELATION_PULL.get(data.get("relation", ""), 1.0)
        if simple.has_edge(a, b):
            pull = max(pull, simple[a][b]["weight"])
        simple.add_edge(a, b, weight=pull)
    return simple


def _communities(simple: nx.Graph) -> list[list[str]]:
    """Louvain communities (fixed seed), largest first; isolated nodes form one group of their own.
    A big graph's communities are found among its BIG_MAP best-connected nodes (Louvain is the
    slowest step), and every other node joins the community of its best-connected neighbour."""
    isolated = sorted(n for n in simple if simple.degree(n) == 0)
    degree = dict(simple.degree())
    linked = sorted((n for n in simple if degree[n]), key=lambda n: (-degree[n], n))
    core = _plain(simple, set(linked[:BIG_MAP]))
    found = nx.community.louvain_communities(core, weight="weight", seed=7, threshold=1e-4) if core else []
    member = {n: i for i, c in enumerate(found) for n in c}
    rest = linked[BIG_MAP:]
    while rest:
        waiting = []
        for n in rest:
            known = [m for m in simple[n] if m in member]
            if known:
                member[n] = member[max(known, key=lambda m: (degree[m], m))]
            else:
                waiting.append(n)
        if len(waiting) == len(rest):  # pieces that do not touch the core: a community each
            for i, piece in enumerate(sorted(nx.connected_components(simple.subgraph(waiting)), key=min)):
                member.update(dict.fromkeys(piece, len(found) + i))
            break
        rest = waiting
    groups: dict[int, list[str]] = {}
    for n, i in member.items():
        groups.setdefault(i, []).append(n)
    ordered = sorted((sorted(g) for g in groups.values()), key=lambda g: (-len(g), g[0]))
    return ordered + ([isolated] if isolated else [])


def _plain(simple: nx.Graph, keep: set[str]) -> nx.Graph:
    """A graph of its own with the nodes `keep` of `simple` and the edges between them, in the order
    `simple` gives them (Louvain's answer depends on that order): Louvain ran nearly twice as fast on
    it as on a subgraph view, and filtering `simple` here is faster than copying a view."""
    plain = nx.Graph()
    plain.add_nodes_from(n for n in simple if n in keep)
    plain.add_edges_from((a, b, d) for a, b, d in simple.edges(data=True) if a in keep and b in keep)
    return plain


def _community_layout(members: list[str], edges: list[tuple[str, str, float]],
                      spring_nodes: int = SPRING_NODES) -> dict[str, tuple[float, float]]:
    """Positions in the unit disc for one community: springs for up to `spring_nodes` of them."""
    nodes = tuple(sorted(members))
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    if not edges:  # the isolated nodes: a sunflower spiral
        return {n: _spiral(i, len(nodes)) for i, n in enumerate(nodes)}
    edges = tuple(edges)
    pos = dict(_spring(nodes, edges) if len(nodes) <= spring_nodes else _big_layout(nodes, edges, spring_nodes))
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    reach = max(max(math.hypot(x - cx, y - cy) for x, y in pos.values()), 1e-9)
    return {n: ((x - cx) / reach, (y - cy) / reach) for n, (x, y) in pos.items()}


def _spring(nodes: tuple[str, ...], edges: tuple[tuple[str, str, float], ...]) -> tuple:
    """A weighted spring layout, remembered: `--watch` and shell rebuilds redraw maps whose communities rarely
    change."""
    return _remember(_spring_layout, nodes, edges)


def _spring_layout(nodes: tuple[str, ...], edges: tuple[tuple[str, str, float], ...]) -> tuple:
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_weighted_edges_from(edges)
    k = 1.6 / math.sqrt(len(nodes))  # a little more room than the default, for labels
    return tuple((n, (float(x), float(y))) for n, (x, y) in
                 nx.spring_layout(g, k=k, weight="weight", seed=7, iterations=35).items())


def _big_layout(nodes: tuple[str, ...], edges: tuple[tuple[str, str, float], ...], spring_nodes: int) -> tuple:
    """A big community in well under a second: springs for its best-connected nodes, then every other
    node on a small ring around its best-placed neighbour (remembered, as `_spring`)."""
    return _remember(_big_community_layout, nodes, edges, spring_nodes)


def _big_community_layout(nodes: tuple[str, ...], edges: tuple[tuple[str, str, float], ...],
                          spring_nodes: int) -> tuple:
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_weighted_edges_from(edges)
    degree = dict(g.degree())
    order = sorted(g, key=lambda n: (-degree[n], n))
    backbone = g.subgraph(order[:spring_nodes])
    pos = dict(_spring(tuple(sorted(backbone)), tuple(sorted((a, b, d["weight"]) for a, b, d in
                                                             backbone.edges(data=True)))))
    children: dict[str, int] = {}
    step = 1.0 / math.sqrt(len(nodes))
    pending = [n for n in order if n not in pos]
    while pending:
        progressed = False
        for n in pending:
            placed = [m for m in g[n] if m in pos]
            if not placed:
                continue
            parent = max(placed, key=lambda m: (degree[m], m))
            k = children[parent] = children.get(parent, 0) + 1
            radius = step * (0.6 + 0.25 * math.sqrt(k))
            angle = k * 2.399963  # the golden angle spreads siblings evenly
            px, py = pos[parent]
            pos[n] = (px + radius * math.cos(angle), py + radius * math.sin(angle))
            progressed = True
        pending = [n for n in pending if n not in pos]
        if not progressed:
            for i, n in enumerate(pending):
                pos[n] = _spiral(i, len(pending))
            break
    return tuple(pos.items())


def _spiral(i: int, n: int) -> tuple[float, float]:
    r = math.sqrt((i + 0.5) / n)
    angle = i * 2.399963
    return (r * math.cos(angle), r * math.sin(angle))


def _pack(radii: list[float]) -> list[tuple[float, float]]:
    """Centres for discs of `radii` (largest first), each placed on the first free spot of a spiral
    around the first: communities apart, the picture compact."""
    centres: list[tuple[float, float]] = []
    gap = 60.0
    t = 0.0  # the search goes on outward from the last disc placed: linear, not quadratic, in discs
    for r in radii:
        if not centres:
            centres.append((0.0, 0.0))
            continue
        while True:
            x, y = (t * 12.0) * math.cos(t), (t * 12.0) * math.sin(t)
            if all(math.hypot(x - cx, y - cy) >= r + cr + gap for (cx, cy), cr in zip(centres, radii)):
                centres.append((x, y))
                break
            t += 40.0 / (12.0 * t + 40.0)  # about 40 canvas units along the spiral
    return centres
