"""Send a built graph to a triple store over the SPARQL 1.1 Graph Store HTTP Protocol.

`graph.trig` holds one named graph per post and one of corpus facts.  A post's graph is sent
with a PUT (which replaces that graph on the server) and a graph that is gone from the build is
removed with a DELETE.  The corpus graph (support counts, service pairs) changes a little
whenever any post does, so once the server has it, only its change is sent: one SPARQL 1.1
Update (`DELETE DATA` / `INSERT DATA` on that graph) to the store's update endpoint, computed
against a copy of what was sent last; without an update endpoint it is PUT whole.  A state
file remembers a hash of every graph sent to an endpoint, so the next publish sends only the
graphs that changed (`full=True` sends them all again, whole).
"""

from __future__ import annotations

import base64
import gzip
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
from graphbuild.graph.namespace import GRAPH

STATE_FILE = ".graphbuild-publish.json"  # next to graph.trig: per endpoint, the hash of each graph sent
USER_ENV, PASSWORD_ENV, TOKEN_ENV = "GRAPHBUILD_PUBLISH_USER", "GRAPHBUILD_PUBLISH_PASSWORD", "GRAPHBUILD_PUBLISH_TOKEN"
RETRIED = {408, 425, 429, 500, 502, 503, 504}  # worth another try; any other error status is final
DELTA_GRAPHS = (str(GRAPH["corpus"]),)  # sent as a change once the server has them (see `publish`)
NO_UPDATE = {404, 405, 415, 501}  # a derived update URL that answers so is not an update endpoint
# Graph Store URL endings and the update endpoint beside them: Oxigraph, Fuseki, Neptune
_UPDATE_BESIDE = (("/store", "/update"), ("/data", "/update"), ("/sparql/gsp/", "/sparql"), ("/sparql/gsp", "/sparql"))
_REASON = {
    400: "the server could not read the request",
    401: f"not authorised: set {USER_ENV} and {PASSWORD_ENV} (or {TOKEN_ENV}), or add the host to your netrc file",
    403: "forbidden: the credentials are not allowed to write, or the endpoint is read-only",
    404: "no Graph Store endpoint at this URL (Oxigraph: /store, Fuseki: /DATASET/data, Neptune: /sparql/gsp/)",
    405: "this URL does not accept this method (a read-only or query-only endpoint?)",
    413: "the graph is too big for the server's request limit",
    415: "the server does not accept N-Triples here",
}
_UPDATE_REASON = {
    404: "no SPARQL Update endpoint at this URL (Oxigraph: /update, Fuseki: /DATASET/update, Neptune: /sparql)",
    405: "this URL does not accept SPARQL updates (a read-only or query-only endpoint?)",
    415: "the server does not accept application/sparql-update here",
}


class PublishError(GraphbuildError):
    """A graph could not be sent: the message names the request, the HTTP status and what it means."""


@dataclass
class PublishReport:
    put: list[str] = field(default_factory=list)  # graph IRIs sent whole
    deleted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # graph IRIs changed by a SPARQL update
    unchanged: int = 0
    triples_deleted: int = 0  # by the updates
    triples_inserted: int = 0

    def summary(self, endpoint: str) -> str:
        changed = (f", {len(self.updated)} changed by an update (-{self.triples_deleted} +{self.triples_inserted} "
                   "triples)") if self.updated else ""
        return (f"{len(self.put)} graphs sent, {len(self.deleted)} removed{changed}, {self.unchanged} unchanged "
                f"-> {endpoint}")


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


def default_update_endpoint(endpoint: str) -> str | None:
    """The SPARQL Update URL beside a Graph Store URL (Oxigraph `/store` -> `/update`, Fuseki
    `/DATASET/data` -> `/DATASET/update`, Neptune `/sparql/gsp/` -> `/sparql`), or None."""
    parts = urllib.parse.urlsplit(endpoint)
    for ending, update in _UPDATE_BESIDE:
        if parts.path.endswith(ending):
            return urllib.parse.urlunsplit(parts._replace(path=parts.path[:-len(ending)] + update, query=""))
    return None


def publish(graph: str | os.PathLike, endpoint: str, *, full: bool = False, state_path: str | os.PathLike | None = None,
            update_endpoint: str | None = None, retries: int = 4, backoff: float = 0.5, timeout: float = 60.0,
            log: Callable[[str], None] | None = None) -> PublishReport:
    """PUT every post graph of `graph` that changed since the last publish to `endpoint` (all of
    them with `full`), DELETE those gone, send the corpus graph's change as one SPARQL update to
    `update_endpoint` (by default the one beside `endpoint`; "" for none: it is PUT whole), and
    remember what the server now has.  The state is saved after every request that succeeded,
    so a publish cut short resumes where it stopped."""
    graphs = read_graphs(graph)
    folder = Path(graph) if Path(graph).is_dir() else Path(graph).parent
    state_file = Path(state_path) if state_path else folder / STATE_FILE
    everything = _read_state(state_file)
    sent = dict(everything.get(endpoint, {}))  # graph IRI -> hash of what the server has
    report = PublishReport()
    client = _Client(endpoint, retries, backoff, timeout)
    derived = update_endpoint is None
    update_url = default_update_endpoint(endpoint) if derived else (update_endpoint or None)
    updater = _Client(update_url, retries, backoff, timeout, kind="SPARQL Update") if update_url else None

    def save() -> None:
        everything[endpoint] = dict(sorted(sent.items()))
        write_atomic(state_file, (json.dumps(everything, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode())

    def say(message: str) -> None:
        if log:
            log(message)

    try:
        for name in sorted(graphs):
            digest = hashlib.sha256(graphs[name]).hexdigest()
            if not full and sent.get(name) == digest:
                report.unchanged += 1
                continue
            copy = _copy_path(state_file, endpoint, name) if name in DELTA_GRAPHS else None
            if copy is not None and not full and updater is not None:
                old = _read_copy(copy, sent.get(name))
                if old is not None:
                    request = delta_update(name, old, graphs[name])
                    try:
                        updater.post_update(request.text, name)
                    except _NoUpdateEndpoint as e:
                        if not derived:
                            raise PublishError(str(e)) from e
                        say(f"{e}; sending {name} whole")
                        updater = None
                    else:
                        _write_copy(copy, graphs[name])
                        sent[name] = digest
                        save()
                        report.updated.append(name)
                        report.triples_deleted += request.deleted
                        report.triples_inserted += request.inserted
                        say(f"UPDATE {name} (-{request.deleted} +{request.inserted} triples)")
                        continue
            client.send("PUT", name, graphs[name])
            if copy is not None:
                _write_copy(copy, graphs[name])  # after the PUT: a copy is trusted only when its hash is the state's
            sent[name] = digest
            save()
            report.put.append(name)
            say(f"PUT {name}")
        for name in sorted(set(sent) - set(graphs)):
            client.send("DELETE", name)
            del sent[name]
            save()
            report.deleted.append(name)
            say(f"DELETE {name}")
    finally:
        if endpoint not in everything:
            save()
    return report


@dataclass(frozen=True)
class DeltaUpdate:
    text: str  # the SPARQL update
    deleted: int
    inserted: int


def delta_update(graph: str, old: bytes, new: bytes) -> DeltaUpdate:
    """The SPARQL 1.1 Update that turns the named graph `graph` holding `old` into `new` (both as
    `read_graphs` gives them: sorted N-Triples lines without blank nodes, which are SPARQL terms)."""
    before, after = set(old.splitlines()), set(new.splitlines())
    gone, added = sorted(before - after), sorted(after - before)
    parts = []
    for verb, lines in (("DELETE", gone), ("INSERT", added)):
        if lines:
            body = b"\n".join(lines).decode("utf-8")
            parts.append(f"{verb} DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
    return DeltaUpdate(" ;\n".join(parts) + "\n", len(gone), len(added))


def _copy_path(state_file: Path, endpoint: str, graph: str) -> Path:
    """Where the copy of what was last sent of `graph` to `endpoint` is kept, beside the state file."""
    key = hashlib.sha256(f"{endpoint}\0{graph}".encode()).hexdigest()[:24]
    return state_file.with_name(state_file.name + ".graphs") / f"{key}.nt.gz"


def _read_copy(path: Path, digest: str | None) -> bytes | None:
    """The copy at `path` if it is what the server holds (its hash is the state's) and has no blank node."""
    if digest is None:
        return None
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != digest or b"_:" in data:
        return None
    return data


def _write_copy(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, gzip.compress(data, compresslevel=1), durable=False)


def _read_state(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise InputError(path, f"is not a publish state file ({e}); remove it and publish with --full") from e
    return data if isinstance(data, dict) else {}


class _NoUpdateEndpoint(GraphbuildError):
    """The update URL answered as no SPARQL Update endpoint does (404, 405, 415, 501)."""


class _Client:
    """Graph Store Protocol requests (`?graph=IRI`), or SPARQL updates, with credentials and retries."""

    def __init__(self, endpoint: str, retries: int, backoff: float, timeout: float, kind: str = "Graph Store") -> None:
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PublishError(f"{endpoint}: not an http(s) URL of a {kind} endpoint")
        self.endpoint, self.retries, self.backoff, self.timeout = endpoint, retries, backoff, timeout
        self.authorization = _authorization(parts.hostname or "")

    def send(self, method: str, graph: str, body: bytes | None = None) -> None:
        separator = "&" if "?" in self.endpoint else "?"
        url = f"{self.endpoint}{separator}graph={urllib.parse.quote(graph, safe='')}"
        headers = {"Content-Type": "application/n-triples"} if body is not None else {}
        self._request(method, url, graph, body, headers, _REASON)

    def post_update(self, update: str, graph: str) -> None:
        """POST a SPARQL update (about `graph`, for messages) to this update endpoint."""
        try:
            self._request("POST", self.endpoint, graph, update.encode("utf-8"),
                          {"Content-Type": "application/sparql-update; charset=utf-8"}, _UPDATE_REASON)
        except PublishError as e:
            status = getattr(e.__cause__, "code", None)
            if status in NO_UPDATE:
                raise _NoUpdateEndpoint(str(e)) from e
            raise

    def _request(self, method: str, url: str, graph: str, body: bytes | None, headers: dict[str, str],
                 reasons: dict[int, str]) -> None:
        if self.authorization:
            headers["Authorization"] = self.authorization
        what = f"{method} {graph}" if method != "POST" else f"the update of {graph}"
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
                    reason = reasons.get(e.code, "the server refused it" if e.code < 500 else "the server failed")
                    raise PublishError(f"{what} to {self.endpoint}: HTTP {e.code} {e.reason}: {reason}"
                                       + (f" ({detail})" if detail else "")) from e
            except (urllib.error.URLError, OSError) as e:
                if attempt == self.retries:
                    reason = getattr(e, "reason", e)
                    raise PublishError(f"{what} to {self.endpoint}: cannot reach the server ({reason}) "
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
