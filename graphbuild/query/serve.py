"""A read-only SPARQL 1.1 Protocol endpoint over a built graph, answered by pyoxigraph.

`GET /sparql?query=...`, `POST /sparql` with a form field `query` or an
`application/sparql-query` body.  Results as SPARQL JSON, XML, CSV or TSV (by the
Accept header), graphs as N-Triples or Turtle.  Updates are refused.  Each query runs
under a time limit and returns at most `limit` rows; `GET /` is the query page (`query_page`).

Hardened for a server any web page in the user's browser can reach: each query runs in a
child process with a memory limit, killed at the time limit (`query_worker`); nesting and
SERVICE are checked before parsing (`query_guard`); the Host header must name this server
(DNS rebinding) and a POST from another site is refused; bodies need a valid
Content-Length; slow or idle connections are closed; at most `workers` queries run and
`queue` wait, the rest get 503 with Retry-After.  An answer is complete before its status
is sent, so an error is always a clean status.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import math
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape

import pyoxigraph as ox

from graphbuild.errors import GraphbuildError
from graphbuild.query.guard import UnsafeQuery, check_query
from graphbuild.query.worker import ChildProcesses, run_in_child
from graphbuild.query import page as query_page

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3030
DEFAULT_TIMEOUT = 10.0
DEFAULT_LIMIT = 10_000
DEFAULT_MEMORY_MB = 512  # per query, beyond what the server holds
MAX_BODY = 1_000_000  # bytes of query text accepted
READ_SECONDS = 10.0  # to send a whole request
IDLE_SECONDS = 5.0  # between two pieces of it
MAX_CONNECTIONS = 64

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

    def __init__(self, status: HTTPStatus, reason: str, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after


class SparqlEndpoint:
    """Runs queries against one store, each in a child process under a time and a memory limit,
    with a row limit and a bounded queue."""

    def __init__(self, store: ox.Store, timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT,
                 workers: int = 2, *, queue: int = 16, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 allow_service: bool = False) -> None:
        self.store = store
        self.timeout = timeout
        self.limit = limit
        self.memory_mb = memory_mb
        self.allow_service = allow_service
        self.children = ChildProcesses()
        self._running = threading.BoundedSemaphore(workers)
        self._admitted = threading.BoundedSemaphore(workers + queue)

    def answer(self, query: str, accept: str) -> tuple[str, bytes, bool]:
        """(content type, body, truncated) for `query`, in the best format `accept` allows."""
        try:
            check_query(query, self.allow_service)
        except UnsafeQuery as e:
            raise Refused(HTTPStatus.FORBIDDEN if e.forbidden else HTTPStatus.BAD_REQUEST, e.reason) from None
        retry = max(1, math.ceil(self.timeout))
        if not self._admitted.acquire(blocking=False):
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, "too many queries are waiting; try again later", retry)
        try:
            if not self._running.acquire(timeout=self.timeout):
                raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, "every worker stayed busy; try again later", retry)
            try:
                outcome = run_in_child(lambda: self._evaluate(query, accept), self.timeout,
                                       None if self.memory_mb is None else self.memory_mb << 20, self.children)
            except OSError as e:  # fork failed: the machine is out of processes or memory
                raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, f"cannot start a query worker ({e.strerror})",
                              retry) from None
            finally:
                self._running.release()
        finally:
            self._admitted.release()
        if outcome.timed_out:
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE, f"query timed out after {self.timeout:g} s and was stopped")
        if outcome.died is not None:
            raise Refused(HTTPStatus.SERVICE_UNAVAILABLE,
                          f"the query was stopped ({outcome.died}): it needed more than its "
                          f"{self.memory_mb} MB of memory or crashed the SPARQL engine")
        kind, *rest = outcome.value
        if kind == "refused":
            raise Refused(HTTPStatus(rest[0]), rest[1])
        return tuple(rest)

    def close(self) -> None:
        """Stop every query still running (their children are killed)."""
        self.children.kill_all()

    def _evaluate(self, query: str, accept: str) -> tuple:
        """Runs in the child: ("ok", media, body, truncated) or ("refused", status, reason)."""
        try:
            return ("ok", *self.evaluate(query, accept))
        except Refused as e:
            return ("refused", int(e.status), e.reason)

    def evaluate(self, query: str, accept: str) -> tuple[str, bytes, bool]:
        """Answer `query` here, with no time or memory limit: what a query's child process runs."""
        try:
            result = self.store.query(query)
        except SyntaxError as e:
            raise Refused(HTTPStatus.BAD_REQUEST, f"the query does not parse (updates are not accepted here): {e}")
        except OSError as e:
            raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR, f"the query failed: {e}")
        try:
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
        except (OSError, RuntimeError, ValueError) as e:  # an evaluation error while reading the solutions
            raise Refused(HTTPStatus.INTERNAL_SERVER_ERROR, f"the query failed while running: {e}")


def make_server(store: ox.Store, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                timeout: float = DEFAULT_TIMEOUT, limit: int = DEFAULT_LIMIT, *,
                memory_mb: int | None = DEFAULT_MEMORY_MB, allow_service: bool = False,
                workers: int = 2, queue: int = 16, allowed_hosts: tuple[str, ...] = (),
                cors: str | None = None) -> "SparqlServer":
    """An HTTP server (not yet serving) for `store`; `port=0` picks a free port.  The Host
    header must name `host` (or, on loopback, localhost) or one of `allowed_hosts`; `cors` is
    the one origin (or "*") whose pages may call it (none by default).  Raises
    `GraphbuildError` naming the address when it cannot listen there."""
    endpoint = SparqlEndpoint(store, timeout, limit, workers, queue=queue, memory_mb=memory_mb,
                              allow_service=allow_service)

    class Handler(SparqlHandler):
        pass

    Handler.endpoint = endpoint
    Handler.cors = cors
    server_class = SparqlServer6 if ":" in host else SparqlServer
    try:
        server = server_class((host, port), Handler)
    except socket.gaierror as e:
        raise GraphbuildError(f"--host {host}: not an address this machine can listen on ({e.strerror})") from e
    except OverflowError as e:
        raise GraphbuildError(f"--port {port}: a port is a number from 0 to 65535") from e
    except OSError as e:
        if e.errno == 98:  # EADDRINUSE
            raise GraphbuildError(f"port {port} on {host} is already in use (another server?); "
                                  "choose another with --port") from e
        raise GraphbuildError(f"cannot listen on {host} port {port} ({e.strerror or e}); "
                              "check --host and --port") from e
    server.endpoint = endpoint
    server.allowed_hosts = _listening_names(host, server.server_port, allowed_hosts)
    Handler.allowed_hosts = server.allowed_hosts
    return server


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server with a bound on open connections; closing it stops running queries."""

    daemon_threads = True
    request_queue_size = 128  # connections the system holds before accepting them (5 resets clients under load)
    endpoint: SparqlEndpoint | None = None  # set once listening
    allowed_hosts: set[str] = set()

    def __init__(self, *args, **kwargs) -> None:
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:
        if not self._connections.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\n"
                                b"Connection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    def handle_error(self, request, client_address) -> None:  # a dropped connection is not worth a traceback
        pass

    def server_close(self) -> None:
        if self.endpoint is not None:
            self.endpoint.close()
        super().server_close()


class SparqlServer6(SparqlServer):
    """The same, listening on an IPv6 address."""

    address_family = socket.AF_INET6


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    """Serve in a background thread (for tests and notebooks); stop with `server.shutdown()`."""
    thread = threading.Thread(target=server.serve_forever, name="graphbuild-serve", daemon=True)
    thread.start()
    return thread


def _listening_names(host: str, port: int, extra: tuple[str, ...] = ()) -> set[str]:
    """The `name:port` values a Host header may carry for a server listening on `host`."""
    names = {host.lower(), *(name.lower().strip("[]") for name in extra)}
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host.lower() == "localhost" or (address is not None and address.is_loopback):
        names |= {"localhost", "127.0.0.1", "::1"}
    if address is not None and address.is_unspecified:
        names |= {"localhost", "127.0.0.1", "::1", socket.gethostname().lower(), socket.getfqdn().lower()}
        try:
            names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
        except OSError:
            pass
    return {f"[{n}]:{port}" if ":" in n else f"{n}:{port}" for n in names}


_CONTENT_LENGTH = re.compile(r"\d{1,12}")


class SparqlHandler(BaseHTTPRequestHandler):
    endpoint: SparqlEndpoint
    allowed_hosts: set[str] = set()
    cors: str | None = None  # the origin allowed to call from a browser (Access-Control-Allow-Origin)
    server_version = "graphbuild-sparql"
    default_request_version = "HTTP/1.0"  # every answer has a status line, even to a malformed request
    timeout = IDLE_SECONDS  # a connection silent this long is closed

    def setup(self) -> None:
        super().setup()
        # the whole request must arrive in READ_SECONDS: a client trickling bytes is cut off
        self._deadline = threading.Timer(READ_SECONDS, self._cut_off)
        self._deadline.daemon = True
        self._deadline.start()

    def finish(self) -> None:
        self._deadline.cancel()
        try:
            super().finish()
        except OSError:
            pass

    def _cut_off(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RD)
        except OSError:
            pass

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        try:
            self._check_host()
        except Refused as refused:
            self._refuse(refused)
            return False
        return True

    def handle_one_request(self) -> None:
        """Any failure is answered with a status, never a traceback and a dropped connection."""
        try:
            super().handle_one_request()
        except Refused as refused:
            self._refuse(refused)
        except (ConnectionError, TimeoutError, socket.timeout):
            self.close_connection = True
        except Exception as e:  # a bug of ours
            self._refuse(Refused(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(e).__name__})"))

    def _names_this_server(self, netloc: str) -> bool:
        """Whether `netloc` (host, or host:port) is a name this server listens on, at its port."""
        netloc = netloc.strip().lower()
        port = next(iter(self.allowed_hosts), ":0").rsplit(":", 1)[1]
        name, sep, given = netloc.rpartition(":") if not netloc.endswith("]") else (netloc, "", "")
        if not sep or not given.isdigit():
            name, given = netloc, port
        return given == port and f"{name}:{port}" in self.allowed_hosts

    def _check_host(self) -> None:
        """Refuse a Host header that does not name this server (a page on another name resolving here)."""
        host = self.headers.get("Host")
        if host is not None and not self._names_this_server(host):
            raise Refused(HTTPStatus.MISDIRECTED_REQUEST,
                          "this server does not answer to that Host name (a page on another name that "
                          "resolves here is refused)")

    def _check_same_site(self) -> None:
        """Refuse a query sent by a page of another site (a form POST or a script in the user's browser),
        unless it is the origin `serve --cors` names."""
        origin = (self.headers.get("Origin") or "").strip()
        if self.cors and origin and (self.cors == "*" or origin == self.cors):
            return
        if (self.headers.get("Sec-Fetch-Site") or "").lower() == "cross-site":
            raise Refused(HTTPStatus.FORBIDDEN, "cross-site requests are refused")
        for header in ("Origin", "Referer"):
            value = self.headers.get(header)
            if value is None:
                continue
            url = urlsplit(value.strip())
            if url.scheme not in ("http", "https") or not self._names_this_server(url.netloc):
                raise Refused(HTTPStatus.FORBIDDEN, f"cross-site requests are refused ({header}: {value[:100]!r})")
            return  # the Origin decides when present; the Referer only without one

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
        self._check_same_site()
        params = parse_qs(url.query)
        if "update" in params:
            return self._refuse(Refused(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused"))
        if "query" not in params:
            return self._refuse(Refused(HTTPStatus.BAD_REQUEST, "missing the 'query' parameter"))
        self._run(params["query"][0])

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/sparql":
            return self._refuse(Refused(HTTPStatus.NOT_FOUND, "no such page; the endpoint is /sparql"))
        self._check_same_site()
        body = self._read_body().decode("utf-8", errors="replace")
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

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "send the query with a Content-Length, not chunked")
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length header")
        if len(set(lengths)) != 1 or not _CONTENT_LENGTH.fullmatch(lengths[0].strip()):
            raise Refused(HTTPStatus.BAD_REQUEST, "Content-Length must be one whole number of bytes")
        length = int(lengths[0])
        if length > MAX_BODY:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the query is over {MAX_BODY} bytes")
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise Refused(HTTPStatus.BAD_REQUEST, f"the body ended after {len(body)} of {length} bytes")
        return body

    def _run(self, query: str) -> None:
        self._deadline.cancel()  # the request is in; the query has its own time limit
        try:
            media, body, truncated = self.endpoint.answer(query, self.headers.get("Accept") or "*/*")
        except Refused as refused:
            return self._refuse(refused)
        extra = {"X-Graphbuild-Truncated": "true"} if truncated else {}
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", body, extra)

    def _refuse(self, refused: Refused) -> None:
        extra = {"Retry-After": str(refused.retry_after)} if refused.retry_after else {}
        self.close_connection = True
        self._send(refused.status, "text/plain; charset=utf-8", (refused.reason + "\n").encode("utf-8"), extra)

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


# XML 1.0 cannot carry these characters at all, not even as references: they are written as U+FFFD
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TSV_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_TSV_SPECIAL = re.compile('[\x00-\x1f\x7f-\x9f\u2028\u2029"\\\\]')


def xml_escape_text(text: str) -> str:
    """Text for an XML element or attribute: markup escaped, characters XML forbids replaced."""
    return _NOT_XML.sub("\ufffd", xml_escape(text, {'"': "&quot;"}))


def _tsv_term(term) -> str:
    """A term in SPARQL/Turtle syntax with every control character escaped (a TSV cell holds no raw ones)."""
    if not isinstance(term, ox.Literal):
        return _TSV_SPECIAL.sub(lambda m: f"\\u{ord(m.group()):04X}", str(term))
    body = _TSV_SPECIAL.sub(lambda m: _TSV_ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), term.value)
    if term.language:
        return f'"{body}"@{term.language}'
    if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return f'"{body}"^^<{term.datatype.value}>'
    return f'"{body}"'


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape_text(term.value)}</bnode>"
    if term.language:
        return f'<literal xml:lang="{xml_escape_text(term.language)}">{xml_escape_text(term.value)}</literal>'
    if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        return f'<literal datatype="{xml_escape_text(term.datatype.value)}">{xml_escape_text(term.value)}</literal>'
    return f"<literal>{xml_escape_text(term.value)}</literal>"


def _write_solutions(variables: list[str], rows: list[list], writer: str) -> bytes:
    if writer == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if writer == "xml":
        head = "".join(f'<variable name="{xml_escape_text(v)}"/>' for v in variables)
        results = "".join(
            "<result>" + "".join(f'<binding name="{xml_escape_text(v)}">{_xml_term(t)}</binding>'
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
            out.write("\t".join("" if t is None else _tsv_term(t) for t in row) + "\n")
    return out.getvalue().encode("utf-8")


def _write_boolean(value: bool, writer: str) -> bytes:
    if writer == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if writer == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode("utf-8")
    return ("_askResult\r\n" + ("true" if value else "false") + "\r\n").encode("utf-8")
