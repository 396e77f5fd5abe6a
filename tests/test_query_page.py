"""The endpoint's query page in a real browser against the real server: saved queries with their
parameters, a table with clickable IRIs, a download; and CORS only when asked for."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from graphbuild.query.sparql import load_store
from graphbuild.query.page import bound_query
from graphbuild.query.serve import make_server, serve_in_thread
from tests.conftest import ARTIFACTS, CHROMIUM_ARGS

pytestmark = pytest.mark.model


@pytest.fixture
def server(sample_build, request):
    servers = []

    def start(**options):
        srv = make_server(load_store(sample_build[1] / "graph.ttl"), port=0, timeout=5, limit=1000, **options)
        serve_in_thread(srv)
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_port}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def test_saved_queries_are_listed_and_bound_by_any_spelling(server):
    base = server()
    listed = json.loads(urllib.request.urlopen(base + "/queries").read())
    by_name = {q["name"]: q for q in listed}
    assert [p["name"] for p in by_name["companies-using-service"]["parameters"]] == ["service"]
    text = urllib.request.urlopen(base + "/queries/companies-using-service?service=%E3%83%95%E3%82%A1%E3%83%BC"
                                  "%E3%82%B2%E3%83%BC%E3%83%88").read().decode()  # ファーゲート
    assert "VALUES ?service { <https://w3id.org/graphbuild/id/service/fargate> }" in text
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "/queries/companies-using-service?colour=red")
    assert e.value.code == 400 and b"no parameter colour" in e.value.read()


def test_a_name_outside_the_vocabulary_is_matched_on_the_graph_labels(sample_build):
    from graphbuild.query.sparql import run_query

    store = load_store(sample_build[1] / "graph.ttl")
    rows = run_query(store, bound_query("services-used-by-company", {"company": "ヤマブキ物流"})).rows
    assert rows and {r[0] for r in rows} == {"ヤマブキ物流"}


def test_cors_is_off_by_default_and_on_for_the_origin_given(server):
    plain = urllib.request.urlopen(server() + "/sparql?query=ASK%7B%7D")
    assert plain.headers.get("Access-Control-Allow-Origin") is None
    origin = "https://yasgui.example"
    base = server(cors=origin)
    answer = urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D")
    assert answer.headers["Access-Control-Allow-Origin"] == origin
    preflight = urllib.request.urlopen(urllib.request.Request(base + "/sparql", method="OPTIONS"))
    assert preflight.status == 204 and "POST" in preflight.headers["Access-Control-Allow-Methods"]


@pytest.fixture(scope="module")
def loopback_browser(browser):
    """A second Debian Chromium, from the same Playwright, allowed to reach 127.0.0.1 only (the map's
    browser resolves no host at all)."""
    import shutil

    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules")]
    args.append("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    second = browser.browser_type.launch(executable_path=shutil.which("chromium"), args=args)
    yield second
    second.close()


@pytest.mark.browser
def test_the_page_runs_a_saved_query_with_a_parameter_and_offers_a_download(server, loopback_browser):
    base = server()
    context = loopback_browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    try:
        page.goto(base + "/")
        page.wait_for_function("document.querySelectorAll('#saved option').length > 3")
        page.select_option("#saved", "companies-using-service")
        page.fill("#params input[data-param=service]", "ファーゲート")
        page.click("#f button")
        page.wait_for_selector("#out table")
        assert page.inner_text("#status").startswith("2 rows")
        cells = page.inner_text("#out table")
        assert "サンプルメディア" in cells and "ヤマブキ物流" in cells
        assert "VALUES ?service" in page.input_value("#q")
        page.select_option("#saved", "talks-mentioning-service")
        page.click("#f button")
        page.wait_for_selector("#out table a")
        link = page.locator("#out table a").first
        assert link.get_attribute("href").startswith("https://w3id.org/graphbuild/id/talk/")
        assert link.inner_text().startswith("talk:")
        with page.expect_download() as download:
            page.click("#csv")
        path = download.value.path()
        lines = open(path, encoding="utf-8").read().splitlines()
        assert lines[0] == "title,serviceName,eventName,post,talk" and len(lines) > 2
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "query-page.png"), full_page=True)
        iri = link.get_attribute("href")
        link.click()  # what the graph says about the talk
        page.wait_for_function("document.querySelector('#out th') && document.querySelector('#out th').textContent === 'property'")
        assert iri in page.input_value("#q") and "skos:prefLabel" in page.inner_text("#out table")
        assert page.errors == []
    finally:
        context.close()
