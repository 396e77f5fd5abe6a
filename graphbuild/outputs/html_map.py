"""The interactive HTML map of a graph: one self-contained file that works offline.

pyvis draws the network (vis-network, inlined).  Around it this module adds what a reader
needs: positions that show the structure (`map_layout`), short labels drawn only where they
fit at the current zoom, no edge labels until a node is hovered or selected, a side panel
listing a node's links by kind with the sentence and post behind each, a focus mode, filters
by type, event, year and degree, and a search that moves to the node.  The page's script and
style are package files (`page_assets/`).  All text from posts reaches the page either through
JSON that cannot close its <script> element or through `textContent`, so no post can run script.
"""

from __future__ import annotations

import html
import json
import os
import re
from functools import lru_cache
from importlib import resources

import networkx as nx

from graphbuild.util.atomic_files import write_atomic
from graphbuild.util.display_text import escape_invisible
from graphbuild.query.entity_profile import RELATION_WORDS, TYPE_PLURAL
from graphbuild.outputs.map_layout import map_positions
from graphbuild.outputs.short_names import short_label

TYPE_STYLE = {  # colour and vis-network shape per entity type (shapes with the label below them)
    "Talk": ("#f28e2b", "square"), "Event": ("#e15759", "star"), "Company": ("#4e79a7", "dot"),
    "Service": ("#59a14f", "dot"), "Person": ("#b07aa1", "triangle"), "Technology": ("#76b7b2", "diamond"),
    "Document": ("#9c9c9c", "hexagon"),
}
RELATION_COLOUR = {"uses": "#d62728", "presentedBy": "#9467bd", "partOf": "#e15759", "mentions": "#b8b8b8",
                   "reportsOn": "#d5d5d5", "authoredBy": "#d5d5d5"}
LAYOUT_THRESHOLD = 300  # kept for callers: every map now gets its positions from Python, physics off
EVIDENCE_PER_NODE = 5
EVIDENCE_PER_LINK = 2
MAX_NODES = 3000  # a bigger map is unreadable and slow to open; the graph file has everything
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


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


def layout_positions(G: nx.Graph) -> dict[str, tuple[float, float]]:
    """The map's positions for `G` (see `map_layout.map_positions`)."""
    return map_positions(G)


def render_html(G: nx.MultiDiGraph, title: str = "graphbuild") -> str:
    """The map as one HTML page with every script and stylesheet inside it."""
    from pyvis.network import Network  # imported here: pyvis is only needed for the map

    net = Network(height="calc(100vh - 96px)", width="100%", directed=True, cdn_resources="in_line", heading="")
    net.templateEnv = _templates(net.template_dir)
    positions = map_positions(G)
    degree = dict(G.degree())
    nodes = []
    for node, data in sorted(G.nodes(data=True)):
        color, shape = TYPE_STYLE.get(data["type"], ("#cccccc", "dot"))
        d = degree.get(node, 0)
        full = data["label"] + (" (candidate service)" if data.get("candidate") else "")
        x, y = positions[node]
        nodes.append({"id": node, "label": _plain(short_label(node, data["label"], data["type"], data.get("labels", []))),
                      "title": _plain(f"{data['type']}: {full}"), "color": color, "shape": shape,
                      "size": round((7 + min(28, 3.2 * d ** 0.75)) * (0.6 if shape == "square" else 1), 1),
                      "font": {"size": 0}, "x": x, "y": y})
    edges = []
    for i, (s, o, data) in enumerate(sorted(G.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"]))):
        edges.append({"id": f"e{i}", "from": s, "to": o, "relation": data["relation"], "title": data["relation"],
                      "color": RELATION_COLOUR.get(data["relation"], "#999999"),
                      "width": 2 if data["relation"] in ("uses", "partOf", "presentedBy") else 1})
    ties = [(node, doc) for node, data in sorted(G.nodes(data=True)) if G.degree(node) == 0
            for doc in data.get("documents", []) if doc in G]  # otherwise it floats alone: tie it to its posts
    edges += [{"id": f"d{i}", "from": doc, "to": node, "relation": "", "title": "mentioned in",
               "color": "#eeeeee", "dashes": True} for i, (node, doc) in enumerate(ties)]
    net.nodes, net.edges = nodes, edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    net.set_options(json.dumps(_options(G.number_of_nodes() > LAYOUT_THRESHOLD)))
    page = _offline(net.generate_html(notebook=False))
    page = page.replace("<head>", "<head>\n<meta charset=\"utf-8\">\n<style>" + _asset("map.css") + "</style>", 1)
    years = _years(G)
    page = page.replace("<body>", "<body>\n" + _controls(title, G, years), 1)
    return page.replace("</body>", _data_json(G, years) + "<script>" + _asset("map.js") + "</script>\n</body>", 1)


def _options(big: bool) -> dict:
    """vis-network options: positions come from Python, so physics is off and the first frame is final."""
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.35}},
                  "font": {"size": 11, "color": "#444444", "strokeWidth": 3, "align": "middle"}},
        "nodes": {"font": {"size": 0, "face": "sans-serif", "color": "#222222", "strokeWidth": 3,
                           "strokeColor": "#ffffff"},
                  "scaling": {"label": {"drawThreshold": 5, "maxVisible": 30}}, "borderWidth": 1},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big},
    }


@lru_cache(maxsize=1)
def _templates(folder: str):
    """pyvis's Jinja environment, made once: each `Network` would compile its template again."""
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(folder))


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (resources.files("graphbuild.outputs") / "page_assets" / name).read_text(encoding="utf-8")


def _plain(text: str) -> str:
    """Tooltips are plain text; pyvis switches every tooltip to raw HTML when one contains "href"."""
    return str(text).replace("href", "hr\u200bef")


_REMOTE_LINK = re.compile(r"<link\b[^>]*https?://[^>]*>", re.IGNORECASE | re.DOTALL)
_REMOTE_SCRIPT = re.compile(r"<script\b[^>]*src=[\"']?https?://[^>]*>\s*</script>", re.IGNORECASE | re.DOTALL)


def _offline(page: str) -> str:
    """Drop the CDN stylesheets and scripts pyvis links even in "in_line" mode (the map uses neither)."""
    return _REMOTE_SCRIPT.sub("", _REMOTE_LINK.sub("", page))


def _controls(title: str, G: nx.MultiDiGraph, years: dict[str, set[str]]) -> str:
    """Title, search, filters (type boxes that are also the legend, event, year, degree), focus,
    the relation colours, and the side panel."""
    present = {data["type"] for _, data in G.nodes(data=True)}
    boxes = "".join(
        f'<label class="gb-type"><input type="checkbox" checked data-type="{html.escape(t)}">'
        f'<span class="gb-swatch" style="background:{color}"></span>{html.escape(t)}</label>'
        for t, (color, _) in TYPE_STYLE.items() if t in present)
    relations = sorted({d["relation"] for _, _, d in G.edges(data=True)})
    legend = "".join(f'<span class="gb-rel"><span class="gb-line" style="background:{RELATION_COLOUR.get(r, "#999")}">'
                     f'</span>{html.escape(r)}</span>' for r in relations)
    events = sorted(((d["label"], n) for n, d in G.nodes(data=True) if d["type"] == "Event"))
    event_options = "".join(f'<option value="{html.escape(n, quote=True)}">{html.escape(label)}</option>'
                            for label, n in events)
    years = sorted({y for ys in years.values() for y in ys})
    year_options = "".join(f'<option value="{y}">{y}</option>' for y in years)
    return f"""<div id="graphbuild-bar"><strong>{html.escape(title)}</strong>
<input id="graphbuild-search" type="search" placeholder="search names" size="22">
<span id="graphbuild-found"></span>{boxes}
<select id="graphbuild-event" title="only this event's talks and what they link to"><option value="">every event</option>{event_options}</select>
<select id="graphbuild-year" title="only what is linked to this year's events and posts"><option value="">every year</option>{year_options}</select>
<label title="hide nodes with fewer links">min links <input id="graphbuild-degree" type="number" min="0" value="0" style="width:3.5em"></label>
<label title="show only the selected node and what is up to two steps from it"><input id="graphbuild-focus" type="checkbox"> focus</label>
<span class="gb-legend">{legend}</span></div>
<div id="graphbuild-panel" role="dialog" aria-label="details"></div>
"""


def _years(G: nx.MultiDiGraph) -> dict[str, set[str]]:
    """Each node's years: an event's from its name, a post's from its date; talks take their events'
    and posts', every other node those of the talks and posts it is linked to."""
    own: dict[str, set[str]] = {}
    for n, d in G.nodes(data=True):
        if d["type"] == "Event":
            own[n] = set(_YEAR.findall(d["label"]))
        elif d["type"] == "Document" and d.get("date"):
            own[n] = set(_YEAR.findall(d["date"])[:1])
    talks: dict[str, set[str]] = {}
    for n, d in G.nodes(data=True):
        if d["type"] == "Talk":
            talks[n] = set().union(*(own.get(m, set()) for m in nx.all_neighbors(G, n)
                                     if G.nodes[m]["type"] in ("Event", "Document")))
    years = {**own, **talks}
    for n, d in G.nodes(data=True):  # an undated post: the years of the talks it reports on
        if d["type"] == "Document" and n not in years:
            years[n] = set().union(*(talks.get(m, set()) for m in nx.all_neighbors(G, n)))
    for n, d in G.nodes(data=True):  # the rest, from the talks and posts (all known by now)
        if d["type"] not in ("Event", "Talk", "Document"):
            years[n] = set().union(*(years.get(m, set()) for m in nx.all_neighbors(G, n)
                                     if G.nodes[m]["type"] in ("Talk", "Document")))
    return years


def _events(G: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Each node's events: an event itself, a talk its events, any other node its talks' events."""
    of_talk = {n: sorted(m for m in G.successors(n) if G.nodes[m]["type"] == "Event")
               for n, d in G.nodes(data=True) if d["type"] == "Talk"}
    out = {}
    for n, d in G.nodes(data=True):
        if d["type"] == "Event":
            out[n] = [n]
        elif d["type"] == "Talk":
            out[n] = of_talk[n]
        else:
            out[n] = sorted({e for m in nx.all_neighbors(G, n) for e in of_talk.get(m, [])})
    return out


def _data_json(G: nx.MultiDiGraph, years: dict[str, set[str]]) -> str:
    """What the panel and filters read, as JSON that cannot end its <script> element early: each
    node's type, labels, evidence, events and years; each link with its evidence and post; the posts."""
    events = _events(G)
    degree = dict(G.degree())
    details = {node: {"type": d["type"], "label": d["label"], "labels": d.get("labels", []),
                      "candidate": bool(d.get("candidate")),
                      "evidence": [[escape_invisible(part) for part in ev] for ev in d.get("evidence", [])[:EVIDENCE_PER_NODE]],
                      "events": events.get(node, []), "years": sorted(years.get(node, ())), "degree": degree[node]}
               for node, d in G.nodes(data=True)}
    links = [[s, o, d["relation"], [list(src) for src in d.get("sources", [])[:EVIDENCE_PER_LINK]]]
             for s, o, d in sorted(G.edges(data=True), key=lambda e: (e[0], e[1], e[2]["relation"]))]
    posts = {n: {"title": d["label"], "path": d.get("path", ""), "date": d.get("date", ""), "url": d.get("url", "")}
             for n, d in G.nodes(data=True) if d["type"] == "Document"}
    data = {"details": details, "links": links, "posts": posts, "words": RELATION_WORDS, "plural": TYPE_PLURAL}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/json" id="graphbuild-details">{text}</script>\n'
