"""Send a built graph to a triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

`graph.trig` holds one named graph per post and one of corpus facts.  Each graph is sent with
a PUT (which replaces that graph on the server) and a graph that is gone from the build is
removed with a DELETE.  A state file remembers a hash of every graph sent to an endpoint, so
the next publish sends only the graphs that changed (`full=True` sends them all again).
"""

from __future__ import annotations

import base64
import hashlib
import json
import netrc
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from graphbuild.util.atomic_files import write_atomic
from graphbuild.errors import GraphbuildError, InputError

STATE_FILE = ".graphbuild-publish.json"  # next to graph.trig: per endpoint, the hash of each graph sent
USER_ENV, PASSWORD_ENV, TOKEN_ENV = "GRAPHBUILD_PUBLISH_USER", "GRAPHBUILD_PUBLISH_PASSWORD", "GRAPHBUILD_PUBLISH_TOKEN"
RETRIED = {408, 425, 429, 500, 502, 503, 504}  # worth another try; any other error status is final
_REASON = {
    400: "the server could not read the request",
    401: f"not authorised: set {USER_ENV} and {PASSWORD_ENV} (or {TOKEN_ENV}), or add the host to your netrc file",
    403: "forbidden: the credentials are not allowed to write, or the endpoint is read-only",
    404: "no Graph Store endpoint at this URL (Oxigraph: /store, Fuseki: /DATASET/data, Neptune: /sparql/gsp/)",
    405: "this URL does not accept this method (a read-only or query-only endpoint?)",
    413: "the graph is too big for the server's request limit",
    415: "the server does not accept N-Triples here",
}


class PublishError(GraphbuildError):
    """A graph could not be sent: the message names the request, the HTTP status and what it means."""


@dataclass
class PublishReport:
    put: list[str] = field(default_factory=list)  # graph IRIs sent
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self, endpoint: str) -> str:
        return (f"{len(self.put)} graphs sent, {len(self.deleted)} removed, {self.unchanged} unchanged -> {endpoint}")


def read_graphs(path: str | os.PathLike) -> dict[str, bytes]:
    """The named graphs of a TriG file (or of `graph.trig` in a build's output folder), each as
    sorted N-Triples: the same graph always gives the same bytes, and so the same hash."""
    path = Path(path)
    if path.is_dir():
        path = path / "graph.trig"
    graphs: dict[str, list[str]] = {}
    try:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TRIG):
            if isinstance(quad.graph_name, ox.NamedNode):
                graphs.setdefault(quad.graph_name.value, []).append(
                    f"{quad.subject} {quad.predicate} {quad.object} .\n")
    except FileNotFoundError as e:
        raise InputError(path, "no such file (graphbuild build writes graph.trig)") from e
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    except SyntaxError as e:
        raise InputError(path, f"is not valid TriG ({e})") from e
    return {name: "".join(sorted(lines)).encode("utf-8") for name, lines in graphs.items()}


def publish(graph: str | os.PathLike, endpoint: str, *, full: bool = False, state_path: str | os.PathLike | None = None,
            retries: int = 4, backoff: float = 0.5, timeout: float = 60.0,
            log: Callable[[str], None] | None = None) -> PublishReport:
    """PUT every named graph of `graph` that changed since the last publish to `endpoint` (all of
    them with `full`), DELETE those gone, and remember what the server now has.  The state is
    saved after every request that succeeded, so a publish cut short resumes where it stopped."""
    graphs = read_graphs(graph)
    folder = Path(graph) if Path(graph).is_dir() else Path(graph).parent
    state_file = Path(state_path) if state_path else folder / STATE_FILE
    everything = _read_state(state_file)
    sent = dict(everything.get(endpoint, {}))  # graph IRI -> hash of what the server has
    report = PublishReport()
    client = _Client(endpoint, retries, backoff, timeout)

    def save() -> None:
        everything[endpoint] = dict(sorted(sent.items()))
        write_atomic(state_file, (json.dumps(everything, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())

    try:
        for name in sorted(graphs):
            digest = hashlib.sha256(graphs[name]).hexdigest()
            if not full and sent.get(name) == digest:
                report.unchanged += 1
                continue
            client.send("PUT", name, graphs[name])
            sent[name] = digest
            report.put.append(name)
            if log:
                log(f"PUT {name}")
        for name in sorted(set(sent) - set(graphs)):
            client.send("DELETE", name)
            del sent[name]
            report.deleted.append(name)
            if log:
                log(f"DELETE {name}")
    finally:
        if report.put or report.deleted or endpoint not in everything:
            save()
    return report


def _read_state(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise InputError(path, f"is not a publish state file ({e}); remove it and publish with --full") from e
    return data if isinstance(data, dict) else {}


class _Client:
    """Graph Store Protocol requests (`?graph=IRI`) with credentials and retries."""

    def __init__(self, endpoint: str, retries: int, backoff: float, timeout: float) -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PublishError(f"{endpoint}: not an http(s) URL of a Graph Store endpoint")
        self.endpoint, self.retries, self.backoff, self.timeout = endpoint, retries, backoff, timeout
        self.authorization = _authorization(parts.hostname or "")

    def send(self, method: str, graph: str, body: bytes | None = None) -> None:
        separator = "&" if "?" in self.endpoint else "?"
        url = f"{self.endpoint}{separator}graph={urllib.parse.quote(graph, safe='')}"
        headers = {"Content-Type": "application/n-triples"} if body is not None else {}
        if self.authorization:
            headers["Authorization"] = self.authorization
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=body, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    response.read()
                return
            except urllib.error.HTTPError as e:
                if method == "DELETE" and e.code == 404:
                    return  # already gone from the server
                if e.code not in RETRIED or attempt == self.retries:
                    detail = e.read()[:300].decode("utf-8", "replace").strip()
                    reason = _REASON.get(e.code, "the server refused it" if e.code < 500 else "the server failed")
                    raise PublishError(f"{method} {graph} to {self.endpoint}: HTTP {e.code} {e.reason}: {reason}"
                                       + (f" ({detail})" if detail else "")) from e
            except (urllib.error.URLError, OSError) as e:
                if attempt == self.retries:
                    reason = getattr(e, "reason", e)
                    raise PublishError(f"{method} {graph} to {self.endpoint}: cannot reach the server ({reason}) "
                                       f"after {self.retries + 1} tries") from e
            time.sleep(self.backoff * 2 ** attempt)


def _authorization(host: str) -> str | None:
    """An Authorization header from the environment (a bearer token, or a user and password), else
    from the netrc file (`NETRC`, or ~/.netrc) entry of `host`; None when neither has one."""
    token = os.environ.get(TOKEN_ENV)
    if token:
        return f"Bearer {token}"
    user = os.environ.get(USER_ENV)
    if user:
        return _basic(user, os.environ.get(PASSWORD_ENV, ""))
    try:
        entry = netrc.netrc(os.environ.get("NETRC")).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry is None:
        return None
    login, _, password = entry
    return _basic(login or "", password or "")


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
