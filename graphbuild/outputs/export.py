"""Writers and readers for the graph in RDF formats: sorted Turtle (see `sorted_turtle`) and the rest
of rdflib's formats (the map is in `html_map`, the extraction JSON in `records`).

Every writer takes the graph first and a path or an open file.  Paths are written
atomically (a temporary file in the same folder, then a rename), so an interrupted
build never leaves a half-written graph where a good one was.
"""

from __future__ import annotations

import io
import os
from typing import IO

import pyoxigraph as ox
from rdflib import Graph

from graphbuild.util.atomic_files import write_atomic
from graphbuild.errors import InputError
from graphbuild.graph.sorted_turtle import write_store_turtle


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
        out = io.BytesIO()
        write_store_turtle(_as_store(g), out, _prefixes(g))
        return out.getvalue()
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


def read_graph(path: str | os.PathLike) -> Graph:
    """The rdflib graph of a Turtle file or a `--store` folder, read through pyoxigraph (which parses
    Turtle tens of times faster than rdflib); errors name the file, as `read_turtle_checked` does."""
    from graphbuild.query.sparql import load_store

    store = load_store(path)
    g = Graph()
    g.parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()), format="nt")
    return g


def _prefixes(g: Graph) -> dict[str, str]:
    return {p: str(ns) for p, ns in g.namespaces() if p and str(ns)}


def _as_store(g: Graph) -> ox.Store:
    store = ox.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store
