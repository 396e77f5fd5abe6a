"""The map in a real browser: Debian's headless Chromium driven by Playwright, network blocked."""

from __future__ import annotations

import pytest

from graphbuild.outputs.html_map import write_html
from graphbuild.graph.network import to_networkx
from graphbuild.graph.store import to_rdf
from tests.conftest import ARTIFACTS, chromium_page
from tests.test_rdf import record

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)>"

# Counts the canvas pixels that are not background: a drawn graph has thousands.
INKED_PIXELS = """() => {
  const canvas = document.querySelector('#mynetwork canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) inked++;
  }
  return inked;
}"""


# The labels vis-network draws in the current view (visible node, label drawn at this zoom, box on
# screen), and how many of them overlap another; and how many edges carry a label.
LABEL_OVERLAP = """() => {
  const scale = network.getScale(), rect = network.body.container.getBoundingClientRect();
  const boxes = [];
  for (const id of network.body.nodeIndices) {
    const n = network.body.nodes[id];
    const threshold = n.options.scaling.label.drawThreshold;
    if (n.options.hidden || !n.options.label || n.options.font.size * scale < threshold - 1) continue;
    const s = n.labelModule.size;
    if (!s || !s.width) continue;
    const a = network.canvasToDOM({x: s.left, y: s.top});
    const b = network.canvasToDOM({x: s.left + s.width, y: s.top + s.height});
    if (b.x < 0 || b.y < 0 || a.x > rect.width || a.y > rect.height) continue;
    boxes.push([a.x, a.y, b.x, b.y]);
  }
  let overlapping = 0;
  boxes.forEach((p, i) => {
    if (boxes.some((q, j) => i !== j && p[0] < q[2] && q[0] < p[2] && p[1] < q[3] && q[1] < p[3])) overlapping++;
  });
  const edgeLabels = network.body.edgeIndices.filter(id => network.body.edges[id].options.label).length;
  return {drawn: boxes.length, overlapping, edgeLabels};
}"""


def click_node(page, node_id):
    box = page.evaluate("(id) => { const p = network.getPositions([id])[id]; const d = network.canvasToDOM(p);"
                        " const r = document.querySelector('#mynetwork canvas').getBoundingClientRect();"
                        " return [r.left + d.x, r.top + d.y]; }", node_id)
    page.mouse.click(*box)
    page.wait_for_timeout(300)


def test_seed_map_first_view_is_readable_and_a_company_click_shows_its_links(seeds_build, browser):
    _, out = seeds_build
    with chromium_page(browser) as page:
        page.goto((out / "graph.html").as_uri())
        page.wait_for_function(f"({INKED_PIXELS})() > 2000", timeout=30_000)
        page.wait_for_timeout(500)
        first = page.evaluate(LABEL_OVERLAP)
        share = first["overlapping"] / max(1, first["drawn"])
        print(f"\nseeds map, first view: {first['drawn']} labels drawn, {first['overlapping']} overlapping "
              f"({share:.1%}), {first['edgeLabels']} edge labels")
        assert first["drawn"] >= 15 and share <= 0.05 and first["edgeLabels"] == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "seeds-map.png"))
        # the company with the most `uses` links, whatever the extraction found
        company = page.evaluate("""() => { const d = graphbuildMap.details; const uses = {};
            network.body.data.edges.get().forEach(e => { if (e.relation === 'uses' && d[e.from].type === 'Company')
              uses[e.from] = (uses[e.from] || 0) + 1; });
            return Object.keys(uses).sort((a, b) => uses[b] - uses[a] || (a < b ? -1 : 1))[0]; }""")
        assert company, "the seeds graph has no company that uses anything"
        click_node(page, company)
        text = page.inner_text("#graphbuild-panel")
        details = page.evaluate("(id) => graphbuildMap.details[id]", company)
        assert text.startswith("×") and details["label"] in text
        assert "uses (services)" in text or "uses (technologies)" in text
        assert "(talks)" in text  # the talks it presents or is mentioned in
        assert page.locator("#graphbuild-panel blockquote").count() > 0
        assert page.locator("#graphbuild-panel .gb-post").first.inner_text().startswith("— ")
        labelled = page.evaluate("network.body.data.edges.get({filter: e => !!e.label}).map(e => e.label)")
        assert "uses" in labelled and len(labelled) == len(page.evaluate(f"network.getConnectedEdges({company!r})"))
        faded = page.evaluate("network.body.data.nodes.get().filter(n => String(n.color).startsWith('rgba')).length")
        assert faded > 0  # the rest of the map fades
        page.screenshot(path=str(ARTIFACTS / "seeds-map-company.png"))
        page.check("#graphbuild-focus")
        visible = "network.body.data.nodes.get({filter: n => !n.hidden}).length"
        assert 1 < page.evaluate(visible) < page.evaluate("Object.keys(graphbuildMap.details).length")
        page.uncheck("#graphbuild-focus")
        page.click("#graphbuild-panel .gb-close")
        assert not page.is_visible("#graphbuild-panel")
        assert page.errors == [] and page.requests_out == []


def test_seed_map_search_and_filters_keep_the_panel_honest(seeds_build, browser):
    _, out = seeds_build
    with chromium_page(browser) as page:
        page.goto((out / "graph.html").as_uri())
        page.wait_for_function(f"({INKED_PIXELS})() > 2000", timeout=30_000)
        page.fill("#graphbuild-search", "App Mesh")
        assert not page.inner_text("#graphbuild-found").startswith("0")
        assert "AWS App Mesh" in page.inner_text("#graphbuild-panel")
        selected = page.evaluate("graphbuildMap.state.selected")
        centre = page.evaluate("(id) => network.canvasToDOM(network.getPositions([id])[id])", selected)
        size = page.viewport_size
        assert abs(centre["x"] - size["width"] / 2) < 200  # moved to the node
        page.fill("#graphbuild-search", "no such thing at all")
        assert page.inner_text("#graphbuild-found") == "0 found" and not page.is_visible("#graphbuild-panel")
        page.fill("#graphbuild-search", "App Mesh")
        assert page.is_visible("#graphbuild-panel")
        page.uncheck("input[data-type=Service]")  # the selected service is hidden: so is its panel
        assert not page.is_visible("#graphbuild-panel")
        page.check("input[data-type=Service]")
        page.fill("#graphbuild-search", "")
        visible = "network.body.data.nodes.get({filter: n => !n.hidden}).length"
        everything = page.evaluate(visible)
        page.uncheck("input[data-type=Person]")
        assert 0 < page.evaluate(visible) < everything
        assert page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden})"
                             ".every(n => graphbuildMap.details[n.id].type !== 'Person')")
        page.check("input[data-type=Person]")
        assert page.evaluate(visible) == everything
        page.fill("#graphbuild-degree", "5")
        page.dispatch_event("#graphbuild-degree", "change")
        assert page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden})"
                             ".every(n => graphbuildMap.details[n.id].degree >= 5)")
        page.fill("#graphbuild-degree", "0")
        page.dispatch_event("#graphbuild-degree", "change")
        event = page.evaluate("document.querySelector('#graphbuild-event option:nth-child(2)').value")
        page.select_option("#graphbuild-event", event)
        shown = page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)")
        assert event in shown and len(shown) < everything
        page.select_option("#graphbuild-event", "")
        year = page.evaluate("document.querySelector('#graphbuild-year option:nth-child(2)').value")
        page.select_option("#graphbuild-year", year)
        in_year = page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id)")
        assert in_year and len(in_year) < everything
        assert page.evaluate("(ids) => ids.every(id => graphbuildMap.details[id].years.includes(%r))" % year, in_year)
        assert page.errors == [] and page.requests_out == []


def test_hostile_name_shows_as_text_and_runs_nothing(tmp_path, browser):
    path = tmp_path / "graph.html"
    write_html(to_networkx(to_rdf([record(company=HOSTILE)])), path, title=HOSTILE)
    with chromium_page(browser) as page:
        page.goto(path.as_uri())
        page.wait_for_function("typeof network !== 'undefined' && network.body.data.nodes.length > 0")
        page.fill("#graphbuild-search", "onerror")
        assert HOSTILE in page.inner_text("#graphbuild-panel")
        assert HOSTILE in page.inner_text("#graphbuild-bar")
        node = page.evaluate("Object.keys(graphbuildMap.details).find(id => graphbuildMap.details[id].label.includes('onerror'))")
        box = page.evaluate("(id) => { const p = network.getPositions([id])[id]; const d = network.canvasToDOM(p);"
                            " const r = document.querySelector('#mynetwork canvas').getBoundingClientRect();"
                            " return [r.left + d.x, r.top + d.y]; }", node)
        page.mouse.move(*box)  # hover: vis-network's tooltip for the node
        page.wait_for_timeout(800)
        page.mouse.click(*box)
        page.wait_for_timeout(300)
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("window.__alerts") == []
        assert page.errors == [] and page.requests_out == []
