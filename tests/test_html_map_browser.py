"""The map in a real browser: Debian's headless Chromium driven by Playwright, network blocked."""

from __future__ import annotations

import pytest

from graphbuild.html_map import write_html
from graphbuild.network import to_networkx
from graphbuild.rdf import to_rdf
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


def test_seed_map_draws_offline_without_errors_and_search_finds_a_node(seeds_build, browser):
    _, out = seeds_build
    with chromium_page(browser) as page:
        page.goto((out / "graph.html").as_uri())
        page.wait_for_function(f"({INKED_PIXELS})() > 2000", timeout=30_000)
        page.fill("#graphbuild-search", "App Mesh")
        assert page.inner_text("#graphbuild-found").endswith("found")
        assert not page.inner_text("#graphbuild-found").startswith("0")
        assert "AWS App Mesh" in page.inner_text("#graphbuild-panel")
        page.fill("#graphbuild-search", "")
        visible = "network.body.data.nodes.get({filter: n => !n.hidden}).length"
        everything = page.evaluate(visible)
        page.uncheck("input[data-type=Person]")
        assert 0 < page.evaluate(visible) < everything
        assert page.evaluate("network.body.data.nodes.get({filter: n => !n.hidden})"
                             ".every(n => graphbuildMap.details[n.id].type !== 'Person')")
        page.check("input[data-type=Person]")
        assert page.evaluate(visible) == everything
        page.evaluate("graphbuildMap.show(null); network.fit()")
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "seeds-map.png"))
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
