"""The interactive HTML map of a graph: one self-contained file that works offline.

pyvis draws the network (vis-network, inlined).  Around it this module adds what pyvis
lacks: a search box, type filters, a side panel with each node's labels and evidence
sentences, and positions computed here for big graphs, where vis-network's physics
would take minutes.  All text from posts reaches the page either through JSON that
cannot close its <script> element or through `textContent`, so no post can run script.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from functools import lru_cache

import networkx as nx

from graphbuild.atomic_files import write_atomic
from graphbuild.display_text import escape_invisible

TYPE_STYLE = {  # colour and vis-network shape per entity type
    "Talk": ("#f28e2b", "box"), "Event": ("#e15759", "star"), "Company": ("#4e79a7", "dot"),
    "Service": ("#59a14f", "dot"), "Person": ("#b07aa1", "triangle"), "Technology": ("#76b7b2", "diamond"),
    "Document": ("#9c9c9c", "square"),
}
RELATION_COLOUR = {"uses": "#d62728", "presentedBy": "#9467bd", "partOf": "#e15759", "mentions": "#c7c7c7",
                   "reportsOn": "#dddddd", "authoredBy": "#dddddd"}
LAYOUT_THRESHOLD = 300  # above this many nodes, positions come from NetworkX and physics is off
BACKBONE_SIZE = 300  # nodes laid out by the spring model; the rest are placed around their neighbours
EVIDENCE_PER_NODE = 5
MAX_NODES = 3000  # a bigger map is unreadable and slow to open; the graph file has everything


def most_connected(G: nx.MultiDiGraph, max_nodes: int = MAX_NODES) -> nx.MultiDiGraph:
    """`G` itself when it is small enough to draw, else the subgraph of its `max_nodes` best-connected nodes."""
    if G.number_of_nodes() <= max_nodes:
        return G
    degree = dict(G.degree())
    keep = sorted(G, key=lambda n: (-degree[n], n))[:max_nodes]
    return G.subgraph(keep).copy()


def write_html(G: nx.MultiDiGraph, path: str | os.PathLike, title: str = "graphbuild") -> None:
    """Write the map of `G` (from `to_networkx`) to `path`, atomically."""
    write_atomic(path, render_html(G, title).encode("utf-8"))


def render_html(G: nx.MultiDiGraph, title: str = "graphbuild") -> str:
    """The map as one HTML page with every script and stylesheet inside it."""
    from pyvis.network import Network  # imported here: pyvis is only needed for the map

    net = Network(height="calc(100vh - 90px)", width="100%", directed=True, cdn_resources="in_line", heading="")
    net.templateEnv = _templates(net.template_dir)
    big = G.number_of_nodes() > LAYOUT_THRESHOLD
    positions = layout_positions(G)
    degree = dict(G.degree())
    nodes = []
    for node, data in sorted(G.nodes(data=True)):
        color, shape = TYPE_STYLE.get(data["type"], ("#cccccc", "dot"))
        item = {"id": node, "label": _plain(data["label"])[:60], "color": color, "shape": shape,
                "title": _plain(f"{data['type']}: {data['label']}" + (" (candidate service)" if data.get("candidate") else "")),
                "size": 8 + min(32, 2 * degree.get(node, 0))}
        x, y = positions[node]
        item.update(x=round(x, 1), y=round(y, 1))
        nodes.append(item)
    edges = []
    for s, o, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"])):
        tooltip = data["relation"] + "".join("\n・" + sentence for sentence in data.get("evidence", []))
        edge = {"from": s, "to": o, "title": _plain(tooltip)[:1000], "value": data.get("weight", 1),
                "color": RELATION_COLOUR.get(data["relation"], "#999999")}
        if not big:  # thousands of edge labels make the canvas unreadable and slow; hover shows them
            edge.update(label=data["relation"], font={"size": 7, "color": "#777777", "strokeWidth": 0})
        edges.append(edge)
    for node, data in sorted(G.nodes(data=True)):
        if G.degree(node) == 0:  # otherwise it drifts off the map; tie it to the posts that mention it
            edges += [{"from": doc, "to": node, "title": "mentioned in", "color": "#eeeeee", "dashes": True}
                      for doc in data.get("documents", []) if doc in G]
    net.nodes, net.edges = nodes, edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.set_options(json.dumps(_options(big)))
    page = _offline(net.generate_html(notebook=False))
    page = page.replace("<body>", "<body>\n" + _controls(title, G), 1)
    return page.replace("</body>", _details_json(G) + _MAP_SCRIPT + "\n</body>", 1)


def _options(big: bool) -> dict:
    """vis-network options: physics only for small graphs, starting from the NetworkX layout."""
    return {
        "physics": {"enabled": not big, "stabilization": {"enabled": not big, "iterations": 150, "fit": True},
                    "barnesHut": {"springLength": 110, "gravitationalConstant": -4000,
                                                   "avoidOverlap": 0.3}},
        "layout": {"improvedLayout": False},
        "edges": {"smooth": {"enabled": not big, "type": "continuous"}, "arrows": {"to": {"scaleFactor": 0.4}},
                  "scaling": {"min": 1, "max": 4}},
        "nodes": {"font": {"size": 12}, "scaling": {"label": {"drawThreshold": 3}}},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big},
    }


def layout_positions(G: nx.Graph, scale: float = 1500.0) -> dict[str, tuple[float, float]]:
    """Positions for a big graph in about a second: a spring layout of the best-connected
    nodes, then every other node on a small ring around its best-placed neighbour."""
    simple = nx.Graph()  # sorted, so that the same graph gets the same picture in every process
    simple.add_nodes_from(sorted(G))
    simple.add_edges_from(sorted((min(a, b), max(a, b)) for a, b in G.edges() if a != b))
    degree = dict(simple.degree())
    by_degree = sorted(simple, key=lambda n: (-degree[n], n))
    backbone = simple.subgraph(by_degree[:BACKBONE_SIZE])
    pos = dict(_spring_layout(tuple(sorted(backbone)), tuple(sorted(backbone.edges())), scale))
    children: dict[str, int] = {}
    pending = [n for n in by_degree if n not in pos]
    while pending:
        progressed = []
        for n in pending:
            placed = [m for m in simple[n] if m in pos]
            if not placed:
                continue
            parent = max(placed, key=lambda m: (degree[m], m))
            k = children[parent] = children.get(parent, 0) + 1
            radius = 40 + 12 * math.sqrt(k)
            angle = k * 2.399963  # the golden angle spreads siblings evenly
            px, py = pos[parent]
            pos[n] = (px + radius * math.cos(angle), py + radius * math.sin(angle))
            progressed.append(n)
        if not progressed:  # components that do not touch the backbone: a grid below it
            for i, n in enumerate(p for p in pending if p not in pos):
                pos[n] = ((i % 60) * 50 - 1500.0, scale + 200 + (i // 60) * 50)
            break
        pending = [n for n in pending if n not in pos]
    return pos


@lru_cache(maxsize=4)
def _spring_layout(nodes: tuple[str, ...], edges: tuple[tuple[str, str], ...],
                   scale: float) -> tuple[tuple[str, tuple[float, float]], ...]:
    """The spring layout of a backbone, remembered: `--watch` redraws maps whose backbone rarely changes."""
    backbone = nx.Graph()
    backbone.add_nodes_from(nodes)
    backbone.add_edges_from(edges)
    return tuple((n, (float(x) * scale, float(y) * scale)) for n, (x, y) in nx.spring_layout(backbone, seed=7).items())


@lru_cache(maxsize=1)
def _templates(folder: str):
    """pyvis's Jinja environment, made once: each `Network` would compile its template again."""
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(folder))


def _plain(text: str) -> str:
    """Tooltips are plain text; pyvis switches every tooltip to raw HTML when one contains "href"."""
    return str(text).replace("href", "hr\u200bef")


_REMOTE_LINK = re.compile(r"<link\b[^>]*https?://[^>]*>", re.IGNORECASE | re.DOTALL)
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*src=[\"']?https?://[^>]*>\s*</script>", re.IGNORECASE | re.DOTALL)


def _offline(page: str) -> str:
    """Drop the CDN stylesheets and scripts pyvis links even in "in_line" mode (the map uses neither)."""
    return _REMOTE_SCRIPT.sub("", _REMOTE_LINK.sub("", page))


def _controls(title: str, G: nx.MultiDiGraph) -> str:
    """Title, search box, one checkbox per type present (the legend), and the side panel."""
    present = {data["type"] for _, data in G.nodes(data=True)}
    boxes = "".join(
        f'<label class="gb-type"><input type="checkbox" checked data-type="{html.escape(t)}">'
        f'<span class="gb-swatch" style="background:{color}"></span>{html.escape(t)}</label>'
        for t, (color, _) in TYPE_STYLE.items() if t in present)
    return f"""<style>
#graphbuild-bar {{font-family:sans-serif;padding:6px 8px;display:flex;flex-wrap:wrap;gap:10px;align-items:center}}
#graphbuild-bar .gb-type {{white-space:nowrap}}
#graphbuild-bar .gb-swatch {{display:inline-block;width:12px;height:12px;border-radius:6px;margin:0 4px}}
#graphbuild-panel {{position:fixed;right:0;top:90px;width:340px;max-height:calc(100vh - 100px);overflow:auto;
  background:#fff;border:1px solid #ccc;padding:8px;font:13px sans-serif;display:none;z-index:10}}
#graphbuild-panel blockquote {{margin:4px 0 8px 0;padding-left:6px;border-left:3px solid #ddd}}
</style>
<div id="graphbuild-bar"><strong>{html.escape(title)}</strong>
<input id="graphbuild-search" type="search" placeholder="search names" size="24">
<span id="graphbuild-found"></span>{boxes}
<span style="color:#666">edges: <span style="color:#d62728">uses</span>, <span style="color:#9467bd">presentedBy</span>,
<span style="color:#e15759">partOf</span>, grey: mentions, reportsOn, authoredBy</span></div>
<div id="graphbuild-panel"></div>
"""


def _details_json(G: nx.MultiDiGraph) -> str:
    """Each node's type, labels and evidence as JSON that cannot end its <script> element early."""
    details = {node: {"type": d["type"], "label": d["label"], "labels": d.get("labels", []),
                      "candidate": bool(d.get("candidate")),
                      "evidence": [[escape_invisible(part) for part in ev] for ev in d.get("evidence", [])[:EVIDENCE_PER_NODE]]}
               for node, d in G.nodes(data=True)}
    text = json.dumps(details, ensure_ascii=False, sort_keys=True)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="graphbuild-details">{text}</script>\n'


_MAP_SCRIPT = """<script>
(function () {
  var details = JSON.parse(document.getElementById("graphbuild-details").textContent);
  var panel = document.getElementById("graphbuild-panel");
  var search = document.getElementById("graphbuild-search");
  var found = document.getElementById("graphbuild-found");
  function add(parent, tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }
  function show(id) {
    var d = details[id];
    panel.replaceChildren();
    if (!d) { panel.style.display = "none"; return; }
    add(panel, "h3", d.label);
    add(panel, "div", d.type + (d.candidate ? " (candidate service, not in the AWS catalogue)" : ""));
    if (d.labels.length) add(panel, "div", "also written: " + d.labels.join(", "));
    if (d.evidence.length) add(panel, "h4", "evidence");
    d.evidence.forEach(function (ev) {
      add(panel, "div", ev[0]).style.color = "#666";
      add(panel, "blockquote", ev[1]);
    });
    panel.style.display = "block";
  }
  network.on("click", function (params) { show(params.nodes.length ? params.nodes[0] : null); });
  function hiddenTypes() {
    var off = {};
    document.querySelectorAll("#graphbuild-bar input[data-type]").forEach(function (box) {
      if (!box.checked) off[box.dataset.type] = true;
    });
    return off;
  }
  document.querySelectorAll("#graphbuild-bar input[data-type]").forEach(function (box) {
    box.addEventListener("change", function () {
      var off = hiddenTypes();
      nodes.update(Object.keys(details).map(function (id) { return {id: id, hidden: !!off[details[id].type]}; }));
    });
  });
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    if (!q) { found.textContent = ""; network.unselectAll(); network.fit(); return; }
    var off = hiddenTypes();
    var hits = Object.keys(details).filter(function (id) {
      var d = details[id];
      return !off[d.type] && [d.label].concat(d.labels).some(function (l) { return l.toLowerCase().indexOf(q) >= 0; });
    });
    found.textContent = hits.length + " found";
    network.selectNodes(hits.slice(0, 200));
    if (hits.length) {
      network.focus(hits[0], {scale: 1.2});
      show(hits[0]);
    }
  });
  window.graphbuildMap = {details: details, show: show};
})();
</script>"""
