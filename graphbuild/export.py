"""Writers for the graph: Turtle (and other RDF formats) and the interactive HTML map.

Every writer takes the graph first and a path or an open file.  Paths are written
atomically (a temporary file in the same folder, then a rename), so an interrupted
build never leaves a half-written graph where a good one was.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import tempfile
from pathlib import Path
from typing import IO

import networkx as nx
from rdflib import Graph

TYPE_STYLE = {  # colour and vis-network shape per entity type
    "Talk": ("#f28e2b", "box"), "Event": ("#e15759", "star"), "Company": ("#4e79a7", "dot"),
    "Service": ("#59a14f", "dot"), "Person": ("#b07aa1", "triangle"), "Technology": ("#76b7b2", "diamond"),
    "Document": ("#9c9c9c", "square"),
}
LAYOUT_THRESHOLD = 300  # above this many nodes, positions come from NetworkX and physics is off


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(target: str | os.PathLike | IO, data: bytes) -> None:
    if hasattr(target, "write"):
        try:
            target.write(data)
        except TypeError:
            target.write(data.decode("utf-8"))
    else:
        write_atomic(target, data)


def serialize(g: Graph, format: str = "turtle") -> bytes:
    """The graph in an RDF format; Turtle output is sorted, so the same graph gives the same bytes."""
    if format == "turtle":
        return _sorted_turtle(g)
    return g.serialize(format=format, encoding="utf-8")


def write_turtle(g: Graph, target: str | os.PathLike | IO) -> None:
    _write(target, serialize(g, "turtle"))


def read_turtle(source: str | os.PathLike | IO) -> Graph:
    g = Graph()
    g.parse(source, format="turtle")
    return g


def write_rdf(g: Graph, target: str | os.PathLike | IO, format: str) -> None:
    """Any rdflib format: "turtle", "nt", "xml", "json-ld", "trig", ..."""
    _write(target, serialize(g, format))


def _sorted_turtle(g: Graph) -> bytes:
    # rdflib's Turtle writer orders subjects by its own heuristics; a graph without
    # blank nodes sorted triple by triple is byte-stable across runs and Python versions.
    prefixes = sorted((p, str(ns)) for p, ns in g.namespaces() if p and str(ns))
    out = io.StringIO()
    for prefix, ns in prefixes:
        out.write(f"@prefix {prefix}: <{ns}> .\n")
    out.write("\n")
    by_subject: dict = {}
    for s, p, o in g:
        by_subject.setdefault(s, []).append((p, o))
    nm = g.namespace_manager
    for s in sorted(by_subject, key=str):
        pairs = sorted(by_subject[s], key=lambda po: (str(po[0]), po[1].n3()))
        out.write(s.n3(nm) + "\n")
        lines = [f"    {p.n3(nm)} {o.n3(nm)}" for p, o in pairs]
        out.write(" ;\n".join(lines) + " .\n\n")
    return out.getvalue().encode("utf-8")


def write_html(G: nx.MultiDiGraph, target: str | os.PathLike | IO, title: str = "graphbuild") -> None:
    """The interactive map: one colour and shape per type, a legend, evidence in the tooltips."""
    _write(target, render_html(G, title).encode("utf-8"))


def render_html(G: nx.MultiDiGraph, title: str = "graphbuild") -> str:
    from pyvis.network import Network  # imported here: pyvis is only needed for the map

    net = Network(height="800px", width="100%", directed=True, cdn_resources="in_line", heading="")
    big = G.number_of_nodes() > LAYOUT_THRESHOLD
    positions = nx.spring_layout(nx.Graph(G), seed=7, k=None) if big else {}
    degree = dict(G.degree())
    nodes = []
    for node, data in sorted(G.nodes(data=True)):
        color, shape = TYPE_STYLE.get(data["type"], ("#cccccc", "dot"))
        item = {"id": node, "label": _plain(data["label"])[:60], "color": color, "shape": shape,
                "title": _plain(f"{data['type']}: {data['label']}" + (" (candidate service)" if data.get("candidate") else "")),
                "size": 10 + min(30, 2 * degree.get(node, 0)), "group": data["type"]}
        if big:
            x, y = positions[node]
            item.update(x=float(x) * 2000, y=float(y) * 2000, physics=False)
        nodes.append(item)
    edges = []
    for s, o, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"])):
        tooltip = data["relation"] + "".join("\n・" + sentence for sentence in data.get("evidence", []))
        edges.append({"from": s, "to": o, "label": data["relation"], "title": _plain(tooltip)[:1000],
                      "value": data.get("weight", 1), "arrows": "to", "font": {"size": 8}})
    net.nodes, net.edges = nodes, edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.toggle_physics(not big)
    page = net.generate_html(notebook=False)
    return _offline(page).replace("<body>", "<body>\n" + _legend(title), 1)


def _plain(text: str) -> str:
    """Tooltips are plain text; pyvis switches every tooltip to raw HTML when one contains "href"."""
    return str(text).replace("href", "hr\u200bef")


_REMOTE_LINK = re.compile(r"<link\b[^>]*https?://[^>]*>", re.IGNORECASE | re.DOTALL)
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*src=[\"']?https?://[^>]*>\s*</script>", re.IGNORECASE | re.DOTALL)


def _offline(page: str) -> str:
    """Drop the CDN stylesheets and scripts pyvis links even in "in_line" mode (the map uses neither)."""
    return _REMOTE_SCRIPT.sub("", _REMOTE_LINK.sub("", page))


def _legend(title: str) -> str:
    items = "".join(
        f'<span style="display:inline-block;margin-right:14px"><span style="display:inline-block;width:12px;'
        f'height:12px;border-radius:6px;background:{color};margin-right:4px"></span>{html.escape(t)}</span>'
        for t, (color, _) in TYPE_STYLE.items())
    return (f'<div id="graphbuild-legend" style="font-family:sans-serif;padding:6px">'
            f'<strong>{html.escape(title)}</strong><br>{items}</div>')


def write_extraction_json(data: dict, target: str | os.PathLike | IO) -> None:
    _write(target, (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"))
