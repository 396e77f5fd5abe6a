"""Running a query in a child process, so that a time limit and Ctrl-C stop it: pyoxigraph
cannot cancel a query once it runs, but a process can be ended."""

from __future__ import annotations

import multiprocessing
import signal
from pathlib import Path

import pyoxigraph as ox

from graphbuild.errors import GraphbuildError, QueryError
from graphbuild.query.sparql import QueryResult


def run_query_file(graph: str | Path, query: str, params: dict[str, str] | None = None,
                   timeout: float | None = None) -> QueryResult:
    """Load `graph` and answer `query` (text, `.rq` path or saved-query name) in a child process;
    a QueryError when it takes over `timeout` seconds.  Ctrl-C ends the child and raises
    KeyboardInterrupt here."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_answer, args=(sender, str(graph), query, params or {}), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryError(f"the query was stopped after {timeout:g} s (--timeout)")
        try:
            kind, value = receiver.recv()
        except EOFError:
            raise QueryError(f"the query process ended without an answer (exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.terminate()
        child.join(5)
        receiver.close()
    if kind == "error":
        raise GraphbuildError(value)
    if kind == "graph":
        variables, rows, data = value
        triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
        return QueryResult(variables, rows, triples)
    return value


def _answer(sender, graph: str, query: str, params: dict[str, str]) -> None:
    """The child: load, resolve, run, send back the result or the graphbuild error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; no traceback from here
    from graphbuild.query.sparql import load_store, read_query, run_query

    try:
        result = run_query(load_store(graph), read_query(query), params)
        if result.triples is None:
            sender.send(("result", result))
        else:  # pyoxigraph terms do not pickle; N-Triples carry them exactly
            data = ox.serialize(result.triples, format=ox.RdfFormat.N_TRIPLES) or b""
            sender.send(("graph", (result.variables, result.rows, data)))
    except GraphbuildError as e:
        sender.send(("error", str(e)))
    except Exception as e:  # a bug: still one line for the user, not a silent child
        sender.send(("error", f"the query failed ({type(e).__name__}: {e})"))
    finally:
        sender.close()
