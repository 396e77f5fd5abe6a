"""The SPARQL endpoint as real clients use it: SPARQLWrapper over HTTP on loopback."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from SPARQLWrapper import CSV, JSON, POST, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from graphbuild.query.sparql import load_store, read_query, run_query
from graphbuild.query.serve import make_server, serve_in_thread
from tests.test_query import QUERIES

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def endpoint(sample_build):
    _, out = sample_build
    store = load_store(out / "graph.ttl")
    server = make_server(store, port=0, timeout=5, limit=1000)
    serve_in_thread(server)
    yield store, f"http://127.0.0.1:{server.server_port}/sparql"
    server.shutdown()
    server.server_close()


def client(url: str, query: str, fmt=JSON) -> SPARQLWrapper:
    sparql = SPARQLWrapper(url)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERIES.glob("*.rq")))
def test_endpoint_gives_the_rows_graphbuild_query_gives(endpoint, name):
    store, url = endpoint
    query = read_query(str(QUERIES / f"{name}.rq"))
    expected = run_query(store, query)
    data = client(url, query).queryAndConvert()
    assert data["head"]["vars"] == expected.variables
    rows = [[b[v]["value"] if v in b else None for v in expected.variables] for b in data["results"]["bindings"]]
    assert rows == expected.rows and rows


def test_xml_and_csv_results_and_ask(endpoint):
    _, url = endpoint
    q = "PREFIX gb: <https://w3id.org/graphbuild/ontology#> SELECT ?b WHERE { ?s gb:botoClient ?b } ORDER BY ?b LIMIT 3"
    xml = client(url, q, XML).queryAndConvert()
    assert len(xml.getElementsByTagName("result")) == 3
    assert client(url, q, CSV).queryAndConvert().decode("utf-8").splitlines()[0] == "b"
    ask = client(url, "ASK { ?s a <https://w3id.org/graphbuild/ontology#Service> }").queryAndConvert()
    assert ask["boolean"] is True


def test_update_is_refused_and_nothing_changes(endpoint):
    store, url = endpoint
    before = len(store)
    sparql = SPARQLWrapper(url, updateEndpoint=url)
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <urn:x> <urn:y> <urn:z> }")
    with pytest.raises((urllib.error.HTTPError, SPARQLWrapperException)) as refused:
        sparql.query()
    assert "403" in str(refused.value) or "read-only" in str(refused.value)
    for body, content_type in ((b"DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
                               (b"update=DELETE+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D", "application/x-www-form-urlencoded")):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"Content-Type": content_type}))
        assert error.value.code == 403
    smuggled = urllib.request.Request(url, data=b"DELETE WHERE { ?s ?p ?o }",
                                      headers={"Content-Type": "application/sparql-query"})
    with pytest.raises(urllib.error.HTTPError) as error:  # an update sent as a query does not parse as one
        urllib.request.urlopen(smuggled)
    assert error.value.code == 400
    assert len(store) == before


def test_answers_stop_at_the_row_limit(sample_build):
    _, out = sample_build
    server = make_server(load_store(out / "graph.ttl"), port=0, limit=5)
    serve_in_thread(server)
    try:
        url = f"http://127.0.0.1:{server.server_port}/sparql"
        response = client(url, "SELECT * WHERE { ?s ?p ?o }").query()
        assert response.info()["x-graphbuild-truncated"] == "true"
        assert len(response.convert()["results"]["bindings"]) == 5
    finally:
        server.shutdown()
        server.server_close()


def test_a_slow_query_times_out_with_503(sample_build):
    _, out = sample_build
    server = make_server(load_store(out / "graph.ttl"), port=0, timeout=0.05)
    serve_in_thread(server)
    try:
        url = f"http://127.0.0.1:{server.server_port}/sparql"
        request = urllib.request.Request(url, data=b"SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
                                         headers={"Content-Type": "application/sparql-query"})
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request)
        assert error.value.code == 503 and b"timed out" in error.value.read()
    finally:
        server.shutdown()
        server.server_close()


def test_query_page_and_default_host(endpoint):
    _, url = endpoint
    page = urllib.request.urlopen(url.rsplit("/", 1)[0] + "/").read().decode("utf-8")
    assert "<textarea" in page and "read-only" in page.lower()
    assert url.startswith("http://127.0.0.1:")
