"""Writers for the graph: Turtle, other RDF formats and extraction JSON (the map is in `html_map`).

Every writer takes the graph first and a path or an open file.  Paths are written
atomically (a temporary file in the same folder, then a rename), so an interrupted
build never leaves a half-written graph where a good one was.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import IO

from rdflib import Graph

from graphbuild.errors import InputError

def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old file or the new one, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(target: str | os.PathLike | IO, data: bytes) -> None:
    if hasattr(target, "write"):
        try:
            target.write(data)
        except TypeError:
            target.write(data.decode("utf-8"))
    else:
        write_atomic(target, data)


def serialize(g: Graph, format: str = "turtle") -> bytes:
    """The graph in an RDF format; Turtle output is sorted, so the same graph gives the same bytes."""
    if format == "turtle":
        return _sorted_turtle(g)
    return g.serialize(format=format, encoding="utf-8")


def write_turtle(g: Graph, target: str | os.PathLike | IO) -> None:
    _write(target, serialize(g, "turtle"))


def read_turtle(source: str | os.PathLike | IO) -> Graph:
    g = Graph()
    g.parse(source, format="turtle")
    return g


def read_turtle_checked(path: str | os.PathLike) -> Graph:
    """`read_turtle` for a file a user named: a missing or broken file is an InputError naming it."""
    try:
        return read_turtle(path)
    except FileNotFoundError as e:
        raise InputError(path, "no such file") from e
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    except Exception as e:  # rdflib raises its parser's own exception types
        raise InputError(path, f"is not valid Turtle ({type(e).__name__}: {e})") from e


def write_rdf(g: Graph, target: str | os.PathLike | IO, format: str) -> None:
    """Any rdflib format: "turtle", "nt", "xml", "json-ld", "trig", ..."""
    _write(target, serialize(g, format))


def _sorted_turtle(g: Graph) -> bytes:
    # rdflib's Turtle writer orders subjects by its own heuristics; a graph without
    # blank nodes sorted triple by triple is byte-stable across runs and Python versions.
    prefixes = sorted((p, str(ns)) for p, ns in g.namespaces() if p and str(ns))
    out = io.StringIO()
    for prefix, ns in prefixes:
        out.write(f"@prefix {prefix}: <{ns}> .\n")
    out.write("\n")
    by_subject: dict = {}
    for s, p, o in g:
        by_subject.setdefault(s, []).append((p, o))
    nm = g.namespace_manager
    for s in sorted(by_subject, key=str):
        pairs = sorted(by_subject[s], key=lambda po: (str(po[0]), po[1].n3()))
        out.write(s.n3(nm) + "\n")
        lines = [f"    {p.n3(nm)} {o.n3(nm)}" for p, o in pairs]
        out.write(" ;\n".join(lines) + " .\n\n")
    return out.getvalue().encode("utf-8")


def write_extraction_json(data: dict, target: str | os.PathLike | IO) -> None:
    _write(target, (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"))
