"""A read-only SPARQL 1.1 Protocol endpoint over a built graph, answered by pyoxigraph.

`GET /sparql?query=...`, `POST /sparql` with a form field `query` or an
`application/sparql-query` body.  Results as SPARQL JSON, XML, CSV or TSV (by the
Accept header), graphs as N-Triples or Turtle.  Updates are refused.  Each query runs
under a time limit and returns at most `limit` rows; `GET /` is the query page (`query_page`).

pyoxigraph cannot cancel a running query: one past the time limit gets a 503 answer at
the deadline and finishes in its worker thread; at most `workers` queries run at once.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from graphbuild import query_page

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3030
DEFAULT_TIMEOUT = 10.0
DEFAULT_LIMIT = 10_000
MAX_BODY = 1_000_000  # bytes of query text accepted

SELECT_FORMATS = {  # media type -> writer name, in order of preference when the client accepts anything
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


class Refused(Exception):
    """A request the endpoint answers with an HTTP error status and a plain-text reason."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class SparqlEndpoint:
    """Runs queries against one store with a time limit, a row limit and bounded concurrency."""

    def __init__(self, store: ox.Store, timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT,
                 workers: int = 2) -> None:
        self.store = store
        self.timeout = timeout
        self.limit = limit
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")

    def answer(self, query: str, accept: str) -> tuple[str, bytes, bool]:
        """(content type, body, truncated) for `query`, in the best format `accept` allows."""
        future = self._pool.submit(self._evaluate, query, accept)
        try:
            return future.result(timeout=self.timeout)
        except TimeoutError:
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, f"query timed out after {self.timeout:g} s") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _evaluate(self, query: str, accept: str) -> tuple[str, bytes, bool]:
        try:
            result = self.store.query(query)
        except SyntaxError as e:
            raise Refused(HTTPStatus.BAD_REQUEST, f"the query does not parse (updates are not accepted here): {e}")
        except OSError as e:
            raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR, f"the query failed: {e}")
        if isinstance(result, (bool, ox.QueryBoolean)):
            media, writer = _negotiate(accept, SELECT_FORMATS)
            return media, _write_boolean(bool(result), writer), False
        if isinstance(result, ox.QuerySolutions):
            media, writer = _negotiate(accept, SELECT_FORMATS)
            variables = [v.value for v in result.variables]
            rows = []
            for solution in result:
                if len(rows) == self.limit:
                    return media, _write_solutions(variables, rows, writer), True
                rows.append([solution[v] for v in variables])
            return media, _write_solutions(variables, rows, writer), False
        media, rdf_format = _negotiate(accept, GRAPH_FORMATS)
        triples = []
        for triple in result:
            if len(triples) == self.limit:
                break
            triples.append(triple)
        return media, ox.serialize(triples, format=rdf_format) or b"", len(triples) == self.limit


def make_server(store: ox.Store, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT,
                cors: str | None = None) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) for `store`; `port=0` picks a free port; `cors` is the one
    origin (or "*") whose pages may call it (none by default)."""
    endpoint = SparqlEndpoint(store, timeout, limit)

    class Handler(SparqlHandler):
        pass

    Handler.endpoint = endpoint
    Handler.cors = cors
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a background thread (for tests and notebooks); stop with `server.shutdown()`."""
    thread = threading.Thread(target=server.serve_forever, name="graphbuild-serve", daemon=True)
    thread.start()
    return thread


class SparqlHandler(BaseHTTPRequestHandler):
    endpoint: SparqlEndpoint
    cors: str | None = None  # the origin allowed to call from a browser (Access-Control-Allow-Origin)
    server_version = "graphbuild-sparql"

    def do_OPTIONS(self) -> None:  # a browser's CORS preflight
        if not self.cors:
            return self._refuse(Refused(HTTPStatus.METHOD_NOT_ALLOWED, "cross-origin calls are off (serve --cors ORIGIN)"))
        self._send(HTTPStatus.NO_CONTENT, "text/plain", b"", {
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        page = query_page.answer(url.path, url.query)  # the query page and its saved queries
        if page is not None:
            return self._send(*page)
        if url.path != "/sparql":
            return self._refuse(Refused(HTTPStatus.NOT_FOUND, "no such page; the endpoint is /sparql"))
        params = parse_qs(url.query)
        if "update" in params:
            return self._refuse(Refused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused"))
        if "query" not in params:
            return self._refuse(Refused(HTTPStatus.BAD_REQUEST, "missing the 'query' parameter"))
        self._run(params["query"][0])

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/sparql":
            return self._refuse(Refused(HTTPStatus.NOT_FOUND, "no such page; the endpoint is /sparql"))
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._refuse(Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the query is over {MAX_BODY} bytes"))
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/sparql-update":
            return self._refuse(Refused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused"))
        if content_type == "application/sparql-query":
            return self._run(body)
        params = parse_qs(body)
        if "update" in params:
            return self._refuse(Refused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused"))
        if "query" not in params:
            return self._refuse(Refused(HTTPStatus.BAD_REQUEST, "missing the 'query' parameter"))
        self._run(params["query"][0])

    def _run(self, query: str) -> None:
        try:
            media, body, truncated = self.endpoint.answer(query, self.headers.get("Accept") or "*/*")
        except Refused as refused:
            return self._refuse(refused)
        extra = {"X-Graphbuild-Truncated": "true"} if truncated else {}
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", body, extra)

    def _refuse(self, refused: Refused) -> None:
        self._send(refused.status, "text/plain; charset=utf-8", (refused.reason + "\n").encode("utf-8"))

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.cors:
            self.send_header("Access-Control-Allow-Origin", self.cors)
            self.send_header("Access-Control-Expose-Headers", "X-Graphbuild-Truncated")
            self.send_header("Vary", "Origin")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # one quiet line per request
        pass


def _negotiate(accept: str, formats: dict):
    """The first acceptable (media type, format) in the client's order of preference."""
    wanted = []
    for n, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        wanted.append((-q, n, media.strip().lower()))
    for _, _, media in sorted(wanted):
        if media in formats:
            return media, formats[media]
        if media in ("*/*", "application/*", "text/*"):
            first = next(m for m in formats if media == "*/*" or m.startswith(media[:-1]))
            return first, formats[first]
    raise Refused(HTTPStatus.NOT_ACCEPTABLE, "acceptable formats: " + ", ".join(formats))


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    value = {"type": "literal", "value": term.value}
    if term.language:
        value["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        value["datatype"] = term.datatype.value
    return value


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if term.language:
        return f'<literal xml:lang="{xml_escape(term.language)}">{xml_escape(term.value)}</literal>'
    if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return f'<literal datatype="{xml_escape(term.datatype.value)}">{xml_escape(term.value)}</literal>'
    return f"<literal>{xml_escape(term.value)}</literal>"


def _write_solutions(variables: list[str], rows: list[list], writer: str) -> bytes:
    if writer == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if writer == "xml":
        head = "".join(f'<variable name="{xml_escape(v)}"/>' for v in variables)
        results = "".join(
            "<result>" + "".join(f'<binding name="{xml_escape(v)}">{_xml_term(t)}</binding>'
                                 for v, t in zip(variables, row) if t is not None) + "</result>"
            for row in rows)
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head>{head}</head><results>{results}</results></sparql>\n").encode("utf-8")
    out = io.StringIO()
    if writer == "csv":
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(variables)
        w.writerows([["" if t is None else t.value for t in row] for row in rows])
    else:
        out.write("\t".join("?" + v for v in variables) + "\n")
        for row in rows:
            out.write("\t".join("" if t is None else str(t) for t in row) + "\n")
    return out.getvalue().encode("utf-8")


def _write_boolean(value: bool, writer: str) -> bytes:
    if writer == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if writer == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode("utf-8")
    return ("_askResult\r\n" + ("true" if value else "false") + "\r\n").encode("utf-8")
