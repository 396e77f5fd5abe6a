"""Publishing to a real triple store: `oxigraph serve` (PyPI `oxigraph`) on loopback, started here."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from graphbuild.build.job import SAMPLE_CORPUS, build
from graphbuild.graph.store import CORPUS_GRAPH, post_graph
from graphbuild.outputs.publish import PublishError, default_update_endpoint, delta_update, publish, read_graphs
from graphbuild.query.sparql import load_store, read_query, run_query
from tests.test_query import QUERIES

pytestmark = pytest.mark.model


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs the oxigraph server (pip install oxigraph, in the dev extra)")
        pytest.skip("the oxigraph server is not installed (pip install oxigraph)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A read-write Oxigraph server whose default graph is the union of its named graphs."""
    port = _free_port()
    process = subprocess.Popen([_oxigraph(), "serve", "--location", str(tmp_path / "oxigraph"),
                                "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oxigraph serve did not start: {process.stderr.read().decode()[-500:]}")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def _server_graphs(url: str) -> dict[str, int]:
    sparql = SPARQLWrapper(f"{url}/query")
    sparql.setQuery("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    sparql.setReturnFormat(JSON)
    return {b["g"]["value"]: int(b["n"]["value"]) for b in sparql.queryAndConvert()["results"]["bindings"]}


class _Requests:
    """The HTTP requests publish makes (method, URL path), recorded around urllib's urlopen."""

    def __init__(self, monkeypatch):
        import urllib.parse
        import urllib.request

        self.made: list[tuple[str, str]] = []
        real = urllib.request.urlopen

        def urlopen(request, *args, **kwargs):
            self.made.append((request.get_method(), urllib.parse.urlsplit(request.full_url).path))
            return real(request, *args, **kwargs)

        monkeypatch.setattr(urllib.request, "urlopen", urlopen)

    def take(self) -> list[tuple[str, str]]:
        made, self.made = self.made, []
        return made


def test_publish_loads_every_post_then_sends_only_what_changed_and_answers_like_the_local_file(nlp, server, tmp_path,
                                                                                            monkeypatch):
    corpus, out = tmp_path / "posts", tmp_path / "out"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    posts = sorted(corpus.iterdir())
    build([corpus], out, nlp=nlp, progress=False)
    store = f"{server}/store"
    requests = _Requests(monkeypatch)

    first = publish(out, store)
    local = read_graphs(out / "graph.trig")
    assert sorted(first.put) == sorted(local) and len(local) == len(posts) + 1 and not first.deleted
    assert requests.take() == [("PUT", "/store")] * len(local)  # every post's graph and the corpus graph, whole
    assert _server_graphs(server) == {name: data.count(b"\n") for name, data in local.items()}

    again = publish(out, store)
    assert again.put == [] and again.deleted == [] and again.unchanged == len(local) and requests.take() == []

    posts[0].write_text(posts[0].read_text(encoding="utf-8") + "\n会場は満席でした。\n", encoding="utf-8")
    posts[1].unlink()
    build([corpus], out, nlp=nlp, progress=False)
    second = publish(out, store)
    # one PUT: the changed post's graph; the corpus graph's new totals as one update; one DELETE: the removed post
    assert second.put == [post_graph(posts[0].stem).value]
    assert second.updated == [CORPUS_GRAPH] and second.triples_deleted + second.triples_inserted > 0
    assert second.deleted == [post_graph(posts[1].stem).value]
    assert sorted(requests.take()) == [("DELETE", "/store"), ("POST", "/update"), ("PUT", "/store")]
    assert _server_graphs(server) == {name: data.count(b"\n") for name, data in read_graphs(out).items()}

    local_store = load_store(out / "graph.ttl")
    for path in sorted(QUERIES.glob("*.rq")):
        query = read_query(str(path))
        expected = run_query(local_store, query)
        sparql = SPARQLWrapper(f"{server}/query")
        sparql.setQuery(query)
        sparql.setReturnFormat(JSON)
        data = sparql.queryAndConvert()
        rows = [[b[v]["value"] if v in b else None for v in expected.variables] for b in data["results"]["bindings"]]
        # the server's union default graph repeats a solution for each post graph holding its triples
        assert sorted(set(map(tuple, rows))) == sorted(set(map(tuple, expected.rows))), path.name

    full = publish(out, store, full=True)
    assert len(full.put) == len(posts) and not full.updated  # every graph again, whole: the posts left and the corpus


def _without_corpus_triples(trig: Path, target: Path, n: int) -> None:
    """`trig` with the first `n` triples of its corpus graph left out, written to `target`."""
    import pyoxigraph as ox

    corpus = read_graphs(trig)[CORPUS_GRAPH].decode().splitlines()[:n]
    quads = [q for q in ox.parse(path=str(trig), format=ox.RdfFormat.TRIG)
             if q.graph_name.value != CORPUS_GRAPH or f"{q.subject} {q.predicate} {q.object} ." not in corpus]
    target.write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG))


def test_without_an_update_endpoint_the_corpus_graph_is_sent_whole(nlp, server, sample_build, tmp_path):
    _, out = sample_build
    state, changed = tmp_path / "state.json", tmp_path / "graph.trig"
    publish(out, f"{server}/store", state_path=state)
    _without_corpus_triples(out / "graph.trig", changed, 1)
    report = publish(changed, f"{server}/store", state_path=state, update_endpoint="")
    assert report.put == [CORPUS_GRAPH] and not report.updated
    _without_corpus_triples(out / "graph.trig", changed, 2)
    with pytest.raises(PublishError, match=r"the update of .* HTTP 404 .*no SPARQL Update endpoint"):
        publish(changed, f"{server}/store", state_path=state, update_endpoint=f"{server}/nowhere", retries=0)
    report = publish(changed, f"{server}/store", state_path=state)  # the update beside /store: /update
    assert report.updated == [CORPUS_GRAPH] and (report.triples_deleted, report.triples_inserted) == (1, 0)
    assert _server_graphs(server)[CORPUS_GRAPH] == read_graphs(changed)[CORPUS_GRAPH].count(b"\n")


def test_the_update_endpoint_beside_a_graph_store_url():
    assert default_update_endpoint("http://127.0.0.1:7878/store") == "http://127.0.0.1:7878/update"
    assert default_update_endpoint("http://fuseki:3030/ds/data") == "http://fuseki:3030/ds/update"
    assert default_update_endpoint("https://db.cluster:8182/sparql/gsp/") == "https://db.cluster:8182/sparql"
    assert default_update_endpoint("http://example.org/graphs") is None


def test_a_delta_update_deletes_and_inserts_only_the_changed_triples():
    old = b'<urn:a> <urn:p> "1" .\n<urn:b> <urn:p> "2" .\n'
    new = b'<urn:b> <urn:p> "2" .\n<urn:c> <urn:p> "\\u3042" .\n'
    update = delta_update("urn:g", old, new)
    assert (update.deleted, update.inserted) == (1, 1)
    assert update.text == ('DELETE DATA { GRAPH <urn:g> {\n<urn:a> <urn:p> "1" .\n} } ;\n'
                           'INSERT DATA { GRAPH <urn:g> {\n<urn:c> <urn:p> "\\u3042" .\n} }\n')


def test_a_refused_request_is_one_clear_message_and_nothing_is_recorded_as_sent(nlp, server, sample_build, tmp_path):
    _, out = sample_build
    state = tmp_path / "state.json"
    with pytest.raises(PublishError, match=r"PUT .* HTTP 404 .*no Graph Store endpoint"):
        publish(out, f"{server}/no-such-path", state_path=state, retries=0)
    with pytest.raises(PublishError, match="cannot reach the server"):
        publish(out, f"http://127.0.0.1:{_free_port()}/store", state_path=state, retries=1, backoff=0.01)
    first = publish(out, f"{server}/store", state_path=state)
    assert len(first.put) == len(read_graphs(out))  # the failed attempts sent nothing


class _Flaky:
    """A Graph Store stand-in that answers 503 twice, then 204, and records what it was sent."""

    def __init__(self):
        import http.server
        import threading

        self.requests: list[tuple[str, str, str | None]] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests.append((self.command, self.path, self.headers.get("Authorization")))
                self.send_response(503 if len(owner.requests) <= 2 else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/store"


def test_a_busy_server_is_tried_again_with_credentials_from_the_environment_or_netrc(tmp_path, monkeypatch):
    trig = tmp_path / "graph.trig"
    trig.write_text("<urn:g> { <urn:s> <urn:p> \"o\" . }\n", encoding="utf-8")
    flaky = _Flaky()
    monkeypatch.setenv("GRAPHBUILD_PUBLISH_USER", "alice")
    monkeypatch.setenv("GRAPHBUILD_PUBLISH_PASSWORD", "s3cret")
    report = publish(trig, flaky.url, retries=3, backoff=0.01)
    assert report.put == ["urn:g"] and len(flaky.requests) == 3  # two 503s, then accepted
    assert {auth for _, _, auth in flaky.requests} == {"Basic YWxpY2U6czNjcmV0"}
    assert flaky.requests[0][1] == "/store?graph=urn%3Ag"

    monkeypatch.delenv("GRAPHBUILD_PUBLISH_USER")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login bob password pw\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    flaky.requests.clear()
    publish(trig, flaky.url, full=True, retries=3, backoff=0.01)
    assert {auth for _, _, auth in flaky.requests} == {"Basic Ym9iOnB3"}
    flaky.server.shutdown()


def test_an_update_endpoint_that_is_not_there_by_default_means_the_corpus_graph_is_sent_whole(tmp_path):
    """A Graph Store without SPARQL Update beside it (POST answers 404): the corpus graph's change goes by PUT."""
    import http.server
    import threading

    made: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self, status):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            made.append((self.command, self.path.split("?")[0]))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_PUT(self):
            self.answer(204)

        def do_POST(self):
            self.answer(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/store"
    trig = tmp_path / "graph.trig"
    trig.write_text(f"<{CORPUS_GRAPH}> {{ <urn:s> <urn:p> 1 . }}\n", encoding="utf-8")
    publish(trig, url)
    trig.write_text(f"<{CORPUS_GRAPH}> {{ <urn:s> <urn:p> 2 . }}\n", encoding="utf-8")
    notes: list[str] = []
    report = publish(trig, url, retries=0, log=notes.append)
    assert report.put == [CORPUS_GRAPH] and not report.updated
    assert made == [("PUT", "/store"), ("POST", "/update"), ("PUT", "/store")]
    assert any("no SPARQL Update endpoint" in note for note in notes)
    server.shutdown()
