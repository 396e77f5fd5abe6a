"""How the HTML map scales: time to write the map of an N-node graph, and time until headless
Chromium has drawn it (the canvas has ink).  Prints figures; it is not a test.

    python benchmarks/map_scale.py --nodes 5000
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

import networkx as nx

from graphbuild.outputs.html_map import write_html

TYPES = [("Service", 0.3), ("Technology", 0.2), ("Company", 0.15), ("Talk", 0.2), ("Person", 0.1), ("Event", 0.05)]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
INKED = """() => { const c = document.querySelector('#mynetwork canvas'); if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
  return n; }"""


def synthetic_graph(n: int, seed: int = 7) -> nx.MultiDiGraph:
    """A graph shaped like ours: a few hubs (popular services, big events), many leaves, ~2 edges per node."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    types = rng.choices([t for t, _ in TYPES], weights=[w for _, w in TYPES], k=n)
    for i, t in enumerate(types):
        G.add_node(f"n{i}", type=t, label=f"{t} {i}", labels=[], evidence=[["post.txt", f"{t} {i} の文"]])
    skeleton = nx.barabasi_albert_graph(n, 2, seed=seed)
    for a, b in skeleton.edges():
        G.add_edge(f"n{a}", f"n{b}", relation=rng.choice(["mentions", "mentions", "uses", "partOf"]), weight=1,
                   evidence=["例文"])
    return G


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()
    G = synthetic_graph(args.nodes)
    out = Path(tempfile.mkdtemp(prefix="graphbuild-map-")) / "graph.html"
    start = time.perf_counter()
    write_html(G, out)
    written = time.perf_counter() - start
    print(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges: map written in {written:.2f} s "
          f"({out.stat().st_size / 1e6:.1f} MB)")
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium not installed: draw time not measured")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        page.goto(out.as_uri())
        page.wait_for_function(f"({INKED})() > 2000", timeout=60_000, polling=50)
        drawn = time.perf_counter() - start
        browser.close()
    print(f"drawn in headless Chromium {drawn:.2f} s after navigation (load, parse, first frame with nodes)")


if __name__ == "__main__":
    main()
