"""Load on the SPARQL endpoint, on loopback only: concurrent clients for a bounded time mixing
every saved query with runaway, deeply nested and memory-doubling queries.  Prints how many
saved queries failed (a wrong answer or an error status), what became of the bad ones, the
p50/p99 latency of the saved queries and the server's memory (its own and its query
workers'), then checks the server still answers and stops it.  It stops by itself.

    python benchmarks/endpoint_load.py                       # builds the sample corpus first
    python benchmarks/endpoint_load.py --graph out/graph.ttl --clients 20 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERIES = REPO / "graphbuild" / "query" / "queries"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
NESTED = ["SELECT * WHERE " + "{" * 2500 + "}" * 2500,
          "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10000 + "?o" + ")" * 10000 + ") }",
          "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 10000 + "?o) }",
          "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 3000 + "}" * 3000 + " }"]


def doubling_query(steps: int = 30) -> str:
    binds = " ".join(f"BIND(CONCAT(?s{i - 1}, ?s{i - 1}) AS ?s{i})" for i in range(1, steps + 1))
    return f'SELECT ?n WHERE {{ BIND("{"a" * 60}" AS ?s0) {binds} BIND(STRLEN(?s{steps}) AS ?n) }}'


@dataclass
class LoadResult:
    saved_latencies: list[float] = field(default_factory=list)
    saved_failures: list[str] = field(default_factory=list)
    bad: Counter = field(default_factory=Counter)  # (kind, status, why) -> count
    peak_server_mb: float = 0.0
    peak_total_mb: float = 0.0
    alive_after: bool = False

    def percentile(self, p: float) -> float:
        data = sorted(self.saved_latencies)
        return data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000 if data else float("nan")


def send(url: str, query: str, timeout: float = 120.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return 0, str(e).encode()


def rows_of(body: bytes) -> list:
    data = json.loads(body)
    return data.get("boolean") if "boolean" in data else sorted(
        json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])


def saved_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES.glob("*.rq"))}


def run_load(url: str, expected: dict[str, list], seconds: float, clients: int, server_pid: int | None = None,
             bad_share: float = 0.3) -> LoadResult:
    """`clients` client processes for `seconds`: about `bad_share` of them send bad queries (runaway,
    nested, memory-doubling in turn), the others every saved query in turn, checked against `expected`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    result = LoadResult()
    stop = time.time() + seconds
    bad_clients = max(3, round(clients * bad_share)) if clients >= 4 and bad_share > 0 else 0

    def watch_memory() -> None:
        while time.time() < stop + 1 and server_pid is not None:
            own, total = _tree_rss_mb(server_pid)
            result.peak_server_mb = max(result.peak_server_mb, own)
            result.peak_total_mb = max(result.peak_total_mb, total)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch_memory)
    watcher.start()
    # processes, not threads: one client process's lock would otherwise be measured as server latency
    with ProcessPoolExecutor(max_workers=clients, mp_context=multiprocessing.get_context("fork")) as pool:
        bad = [pool.submit(_bad_client, url, i, stop) for i in range(bad_clients)]
        saved = [pool.submit(_saved_client, url, expected, i, stop) for i in range(clients - bad_clients)]
        for future in saved:
            latencies, failures = future.result()
            result.saved_latencies += latencies
            result.saved_failures += failures
        for future in bad:
            result.bad.update(future.result())
    watcher.join()
    status, body = send(url, "ASK { ?s ?p ?o }", timeout=30)
    result.alive_after = status == 200 and json.loads(body).get("boolean") is True
    return result


def _saved_client(url: str, expected: dict[str, list], offset: int, stop: float) -> tuple[list[float], list[str]]:
    queries = saved_queries()
    names = sorted(queries)
    latencies, failures = [], []
    n = offset
    while time.time() < stop:
        name = names[n % len(names)]
        n += 1
        started = time.perf_counter()
        status, body = send(url, queries[name])
        took = time.perf_counter() - started
        if status != 200:
            failures.append(f"{name}: {status} {body[:120]!r}")
        elif rows_of(body) != expected[name]:
            failures.append(f"{name}: a different answer")
        else:
            latencies.append(took)
    return latencies, failures


BAD_KINDS = ("runaway", "nested", "memory")


def _bad_client(url: str, index: int, stop: float) -> Counter:
    kind = BAD_KINDS[index % len(BAD_KINDS)]
    outcomes: Counter = Counter()
    n = 0
    while time.time() < stop:
        query = RUNAWAY if kind == "runaway" else NESTED[n % len(NESTED)] if kind == "nested" else doubling_query()
        status, body = send(url, query)
        n += 1
        why = ("timed out" if b"timed out" in body else "out of memory" if b"memory" in body
               else "refused before parsing" if b"nests" in body else body[:60].decode("utf-8", "replace"))
        outcomes[(kind, status, why)] += 1
    return outcomes


def _tree_rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory of process `pid` and of it with its children (the query workers), in MB."""
    def rss(p: int) -> float:
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    children = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                children |= {int(c) for c in f.read().split()}
    except OSError:
        pass
    own = rss(pid)
    return own, own + sum(rss(c) for c in children)


def expected_answers(graph: Path) -> dict[str, list]:
    """Every saved query's answer from pyoxigraph in this process, in the endpoint's JSON shape."""
    from graphbuild.query.sparql import load_store
    from graphbuild.query.serve import SparqlEndpoint

    endpoint = SparqlEndpoint(load_store(graph))
    return {name: rows_of(endpoint.evaluate(q, "application/sparql-results+json")[1])
            for name, q in saved_queries().items()}


def serve_and_load(graph: Path, clients: int, seconds: float, timeout: float = 2.0, memory: int = 256,
                   workers: int = 8, bad_share: float = 0.3) -> tuple[LoadResult, int, float]:
    """Start `graphbuild serve` on `graph` (loopback), load it, stop it with SIGINT:
    (result, the server's exit code, seconds it took to stop)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "graphbuild", "serve", str(graph), "--port", str(port),
                               "--timeout", str(timeout), "--memory", str(memory), "--workers", str(workers)],
                              stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()  # listening
        expected = expected_answers(graph)
        result = run_load(f"http://127.0.0.1:{port}/sparql", expected, seconds, clients, server.pid, bad_share)
    finally:
        started = time.monotonic()
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            code = server.wait()
    return result, code, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, help="Turtle graph to serve (default: build the sample corpus)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's --timeout")
    parser.add_argument("--memory", type=int, default=256, help="the server's --memory (MB per query)")
    parser.add_argument("--workers", type=int, default=8, help="the server's --workers")
    parser.add_argument("--bad-share", type=float, default=0.3,
                        help="share of the clients sending bad queries (0: saved queries only, for a baseline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        graph = args.graph
        if graph is None:
            subprocess.run([sys.executable, "-m", "graphbuild", "build", "--quiet", "-o", tmp], check=True)
            graph = Path(tmp) / "graph.ttl"
        result, code, stop_seconds = serve_and_load(graph, args.clients, args.seconds, args.timeout, args.memory,
                                                    args.workers, args.bad_share)
    print(f"{args.clients} clients for {args.seconds:g} s on {graph.name}; server --timeout {args.timeout:g} "
          f"--memory {args.memory} --workers {args.workers}")
    print(f"saved queries: {len(result.saved_latencies)} answered correctly, {len(result.saved_failures)} failed; "
          f"p50 {result.percentile(50):.1f} ms, p99 {result.percentile(99):.1f} ms")
    for failure in result.saved_failures[:10]:
        print(f"  failed: {failure}")
    for (kind, status, why), count in sorted(result.bad.items()):
        print(f"bad queries: {kind}: {count} answered {status} ({why})")
    print(f"server memory: peak {result.peak_server_mb:.0f} MB in the server process, "
          f"{result.peak_total_mb:.0f} MB with its query workers (resident, shared pages counted in each)")
    print(f"server still answering after the load: {'yes' if result.alive_after else 'NO'}")
    print(f"server stopped by SIGINT in {stop_seconds:.2f} s (exit {code})")


if __name__ == "__main__":
    main()
