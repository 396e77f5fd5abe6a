"""The endpoint under attack: queries that crash, run away or eat memory, requests from other
sites and names, malformed and slow requests.  Real HTTP on loopback, real child processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from xml.dom import minidom

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphbuild.query import serve
from graphbuild.query.serve import make_server, serve_in_thread

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ASK = "ASK { ?s ?p ?o }"


def doubling_query(steps: int = 30) -> str:
    """A string doubled `steps` times: 60 bytes become 60 GB."""
    binds = " ".join(f"BIND(CONCAT(?s{i - 1}, ?s{i - 1}) AS ?s{i})" for i in range(1, steps + 1))
    return f'SELECT ?n WHERE {{ BIND("{"a" * 60}" AS ?s0) {binds} BIND(STRLEN(?s{steps}) AS ?n) }}'


def small_store(extra: list[ox.Quad] = ()) -> ox.Store:
    store = ox.Store()
    for n in range(60):  # enough for a cross product of four patterns to run for minutes
        store.add(ox.Quad(ox.NamedNode(f"urn:s{n}"), ox.NamedNode("urn:p"), ox.Literal(f"value {n}")))
    store.extend(extra)
    return store


@contextmanager
def running(store=None, **options):
    server = make_server(store or small_store(), port=0, **options)
    serve_in_thread(server)
    try:
        yield server, f"http://127.0.0.1:{server.server_port}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def post(url: str, query: str, headers: dict | None = None, accept: str = "application/sparql-results+json"):
    """(status, headers, body) of a query sent as a form POST."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": accept, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        try:
            return e.code, e.headers, e.read()
        except Exception:  # the server stopped while it answered
            return e.code, e.headers, b""
    except OSError as e:  # the connection dropped (a server stopped under the request)
        return 0, {}, str(e).encode()


def raw(port: int, data: bytes, wait: float = 30.0) -> bytes:
    """Send raw bytes, read the whole answer (the server closes after one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        return b"".join(chunks)


def test_a_host_header_of_another_name_is_refused():
    with running() as (server, url):
        port = server.server_port
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}", f"127.0.0.1:{port + 1}"):
            status, _, body = post(url, ASK, {"Host": host})
            assert status == 421 and b"Host" in body, host
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
            assert post(url, ASK, {"Host": host})[0] == 200, host


def test_a_name_given_with_allow_host_is_accepted():
    with running(allowed_hosts=("graph.example",)) as (server, url):
        assert post(url, ASK, {"Host": f"graph.example:{server.server_port}"})[0] == 200
        assert post(url, ASK, {"Host": f"other.example:{server.server_port}"})[0] == 421


def test_cross_site_requests_are_refused():
    with running() as (server, url):
        port = server.server_port
        assert post(url, ASK, {"Origin": "http://evil.example"})[0] == 403
        assert post(url, ASK, {"Origin": "null"})[0] == 403
        assert post(url, ASK, {"Referer": "http://evil.example/page.html"})[0] == 403
        assert post(url, ASK, {"Sec-Fetch-Site": "cross-site"})[0] == 403
        get = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": ASK}),
                                     headers={"Sec-Fetch-Site": "cross-site"})
        with pytest.raises(urllib.error.HTTPError) as refused:  # an <img src> on another site
            urllib.request.urlopen(get)
        assert refused.value.code == 403
        assert post(url, ASK, {"Origin": f"http://localhost:{port}"})[0] == 200  # the query page itself
        assert post(url, ASK, {"Referer": f"http://127.0.0.1:{port}/"})[0] == 200


@pytest.mark.parametrize("variant", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:PORT/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:PORT/> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE# comment\n<http://127.0.0.1:PORT/> { ?s ?p ?o } }",
    "SELECT * WHERE { { SERVICE ?where { ?s ?p ?o } } VALUES ?where { <http://127.0.0.1:PORT/> } }",
])
def test_service_is_refused_and_no_connection_is_made(variant):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        query = variant.replace("PORT", str(listener.getsockname()[1]))
        with running(timeout=2) as (_, url):
            status, _, body = post(url, query)
            assert status == 403 and b"SERVICE" in body
            with pytest.raises(socket.timeout):
                listener.accept()[0].close()


def test_service_with_allow_service_does_connect():
    """The check above can fail: allowed, the same query reaches the listener."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(5.0)
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.getsockname()[1]}/> {{ ?s ?p ?o }} }}"
        with running(timeout=3, allow_service=True) as (_, url):
            answer = threading.Thread(target=post, args=(url, query))
            answer.start()
            connection, _ = listener.accept()
            connection.close()
            answer.join()


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 2500 + "}" * 2500,
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10000 + "?o" + ")" * 10000 + ") }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 10000 + "?o) }",
    "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 3000 + "}" * 3000 + " }",
])
def test_deeply_nested_queries_are_refused_before_parsing_and_the_server_stays_up(query):
    with running() as (_, url):
        status, _, body = post(url, query)
        assert status == 400 and b"nests" in body
        assert post(url, ASK)[0] == 200


def test_a_crash_in_the_engine_fails_only_its_query(monkeypatch):
    """Past the nesting check (raised for this test), a parser crash kills a child, not the server."""
    import graphbuild.query.guard as guard

    monkeypatch.setattr(guard, "MAX_NESTING", 10 ** 9)
    monkeypatch.setattr(guard.check_query, "__defaults__", (False, 10 ** 9))
    with running() as (_, url):
        status, _, body = post(url, "SELECT * WHERE " + "{" * 20000 + "}" * 20000)
        assert status in (400, 503), body
        assert post(url, ASK)[0] == 200


def test_a_runaway_query_is_stopped_at_the_timeout_and_frees_its_worker():
    with running(timeout=1.0) as (server, url):
        answers = []
        threads = [threading.Thread(target=lambda: answers.append(post(url, RUNAWAY))) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a[0] for a in answers] == [503, 503] and all(b"stopped" in a[2] for a in answers)
        assert len(server.endpoint.children) == 0  # killed, not left running
        assert post(url, ASK)[0] == 200  # both workers are free again at once


def test_a_memory_doubling_query_is_stopped_by_its_memory_limit():
    with running(timeout=30, memory_mb=200) as (_, url):
        status, _, body = post(url, doubling_query())
        assert status == 503 and b"memory" in body
        assert post(url, ASK)[0] == 200


def test_a_full_queue_answers_503_with_retry_after():
    with running(timeout=3, workers=1, queue=0) as (_, url):
        first = threading.Thread(target=post, args=(url, RUNAWAY))
        first.start()
        time.sleep(0.5)
        status, headers, body = post(url, ASK)
        first.join()
        assert status == 503 and headers["Retry-After"] == "3" and b"try again" in body


@pytest.mark.parametrize("headers, status", [
    ("Content-Length: -1", 400), ("Content-Length: abc", 400), ("Content-Length: 1e3", 400),
    ("Content-Length: 300000000", 413), ("", 411), ("Transfer-Encoding: chunked", 411),
    ("Content-Length: 5\r\nContent-Length: 6", 400),
])
def test_content_length_is_validated(headers, status):
    with running() as (server, url):
        head = f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{server.server_port}\r\n" \
               "Content-Type: application/sparql-query\r\n" + (headers + "\r\n" if headers else "")
        answer = raw(server.server_port, (head + "\r\nASK {}").encode())
        assert answer.startswith(f"HTTP/1.0 {status} ".encode()), answer[:200]
        assert post(url, ASK)[0] == 200


def test_idle_and_trickling_connections_are_closed(monkeypatch):
    monkeypatch.setattr(serve, "READ_SECONDS", 1.0)
    monkeypatch.setattr(serve.SparqlHandler, "timeout", 0.5)
    with running() as (server, url):
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as idle:
            assert idle.recv(100) == b""  # closed by the server, not by our timeout
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as trickle:
            closed = False
            for byte in b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" * 4:
                try:
                    trickle.send(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.2)  # 0.2 s between bytes: never idle, but far too slow
            assert closed or trickle.recv(100) == b""
        assert post(url, ASK)[0] == 200


def test_control_characters_are_escaped_in_every_results_format():
    nasty = "a\x01b\x1b[2Jc\x00d\ne\u2028f\"g\\h"
    store = small_store([ox.Quad(ox.NamedNode("urn:x"), ox.NamedNode("urn:label"), ox.Literal(nasty))])
    query = "SELECT ?l WHERE { <urn:x> <urn:label> ?l }"
    with running(store) as (_, url):
        status, _, body = post(url, query, accept="application/sparql-results+json")
        assert status == 200 and json.loads(body)["results"]["bindings"][0]["l"]["value"] == nasty
        status, _, body = post(url, query, accept="application/sparql-results+xml")
        literal = minidom.parseString(body).getElementsByTagName("literal")[0].firstChild.data  # parses
        assert literal == nasty.replace("\x01", "\ufffd").replace("\x1b", "\ufffd").replace("\x00", "\ufffd")
        status, _, body = post(url, query, accept="text/tab-separated-values")
        cell = body.decode("utf-8").splitlines()[1]
        assert not any(ord(c) < 0x20 for c in cell)
        assert cell == '"a\\u0001b\\u001B[2Jc\\u0000d\\ne\\u2028f\\"g\\\\h"'
        assert list(ox.parse(f"<urn:a> <urn:b> {cell} .".encode(), format=ox.RdfFormat.N_TRIPLES))


def _children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
            found |= {int(p) for p in f.read().split()}
    return found


def test_ctrl_c_stops_the_server_at_once_with_a_query_running(tmp_path):
    graph = tmp_path / "g.ttl"
    graph.write_text("".join(f'<urn:s{n}> <urn:p> "v{n}" .\n' for n in range(60)), encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "graphbuild", "serve", str(graph), "--port", str(port),
                                "--timeout", "600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "SPARQL at" in process.stdout.readline()
        url = f"http://127.0.0.1:{port}/sparql"
        threading.Thread(target=post, args=(url, RUNAWAY), daemon=True).start()
        for _ in range(100):
            children = _children(process.pid)
            if children:
                break
            time.sleep(0.05)
        assert children, "the query did not start in a child process"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        time.sleep(0.2)
        assert not [c for c in children if os.path.exists(f"/proc/{c}") and
                    open(f"/proc/{c}/stat").read().split()[2] != "Z"], "a query worker outlived the server"
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---- malformed requests, generated ----------------------------------------------------------

_methods = st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "get", "", "P\x00ST", "GET GET"])
_paths = st.one_of(st.sampled_from(["/sparql", "/", "/index.html", "*", "", "/sparql?query=", "//sparql",
                                    "/sparql?query=ASK%7B%7D", "/sparql?query=%ZZ", "/sparql?update=x",
                                    "/sparql?query=" + "%7B" * 3000]),
                   st.text(max_size=40).map(lambda t: "/sparql?query=" + urllib.parse.quote(t)),
                   st.text(max_size=60))
_versions = st.sampled_from(["HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "HTTP/9", "HTTP/1.1x", "", "http/1.1"])
_header_names = st.sampled_from(["Host", "Content-Length", "Content-Type", "Accept", "Origin", "Referer",
                                 "Transfer-Encoding", "Sec-Fetch-Site", "X-A", "", " Host", "Content-Length "])
_header_values = st.one_of(st.sampled_from(["-1", "abc", "0", "99999999999999999999", "application/sparql-query",
                                            "application/x-www-form-urlencoded", "*/*", "text/csv;q=abc",
                                            "application/sparql-results+json;q=0", "null", "chunked",
                                            "http://evil.example", "127.0.0.1:{port}", "cross-site"]),
                           st.text(max_size=30))
_bodies = st.one_of(st.just(b""), st.binary(max_size=200),
                    st.text(max_size=120).map(lambda t: ("query=" + urllib.parse.quote(t)).encode()),
                    st.sampled_from([b"ASK {}", b"query=ASK+%7B%7D", b"SELECT * WHERE { ?s ?p ?o } LIMIT 3",
                                     b"update=DELETE+WHERE+%7B%3Fs+%3Fp+%3Fo%7D", b"query=" + b"%28" * 5000]))
_requests = st.tuples(_methods, _paths, _versions, st.lists(st.tuples(_header_names, _header_values), max_size=6),
                      _bodies, st.booleans())

MALFORMED_REQUESTS = 300


@pytest.fixture(scope="module")
def fuzz_server():
    with running(timeout=2) as (server, url):
        yield server, url


@settings(max_examples=MALFORMED_REQUESTS, deadline=None, suppress_health_check=list(HealthCheck))
@given(request=_requests)
def test_malformed_requests_get_a_status_line_and_never_stop_the_server(fuzz_server, request):
    server, url = fuzz_server
    method, path, version, headers, body, with_length = request
    port = server.server_port
    lines = [" ".join(part for part in (method, path, version) if part)]
    lines += [f"{name}: {value.replace('{port}', str(port))}" for name, value in headers]
    if with_length:
        lines.append(f"Content-Length: {len(body)}")
    data = ("\r\n".join(lines).encode("utf-8", "surrogatepass") + b"\r\n\r\n" + body)
    answer = raw(port, data)
    assert answer == b"" or answer.startswith(b"HTTP/1."), answer[:200]
    if answer:
        status = int(answer.split(b" ", 2)[1])
        assert 200 <= status < 600 and status != 500, answer[:300]
