"""Writers for the graph: Turtle, other RDF formats and extraction JSON (the map is in `html_map`).

Every writer takes the graph first and a path or an open file.  Paths are written
atomically (a temporary file in the same folder, then a rename), so an interrupted
build never leaves a half-written graph where a good one was.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

import pyoxigraph as ox
from rdflib import Graph

from graphbuild.errors import InputError

@contextmanager
def atomic_file(path: str | os.PathLike, durable: bool = True) -> Iterator[IO[bytes]]:
    """A binary file that replaces `path` only when the block ends without an exception,
    so readers see either the old file or the new one, never a mix.  `durable` also waits
    for the disk (fsync), for outputs a power cut must not lose."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: str | os.PathLike, data: bytes, durable: bool = True) -> None:
    """Write `data` to `path` atomically (see `atomic_file`)."""
    with atomic_file(path, durable) as f:
        f.write(data)


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


def write_store_turtle(store: ox.Store, target: str | os.PathLike | IO, prefixes: dict[str, str]) -> int:
    """Write a pyoxigraph store as sorted Turtle, subject by subject, without holding the text
    in memory; returns the number of triples.  Same triples, same bytes, whatever the order
    they were added in (pyoxigraph's own writer follows its index order, which does not)."""
    if not hasattr(target, "write"):
        with atomic_file(target) as f:
            return write_store_turtle(store, f, prefixes)
    terms = _TurtleTerms(prefixes)
    text = isinstance(target, io.TextIOBase)
    chunk = ["".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())) + "\n"]
    count = 0
    for n, (subject, pairs) in enumerate(_by_subject(store, terms), 1):
        pairs.sort()
        lines = [f"    {terms.predicate(p)} {o}" for p, o in pairs]
        chunk.append(terms.of(subject) + "\n" + " ;\n".join(lines) + " .\n\n")
        count += len(pairs)
        if n % 2000 == 0:
            data = "".join(chunk)
            target.write(data if text else data.encode("utf-8"))
            chunk = []
    data = "".join(chunk)
    target.write(data if text else data.encode("utf-8"))
    return count


def _by_subject(store: ox.Store, terms: "_TurtleTerms") -> Iterator[tuple[object, list[tuple[str, str]]]]:
    """(subject, [(predicate IRI, object in Turtle)]) in subject order; one subject's triples in memory at a time."""
    # sorted inside pyoxigraph and streamed: a graph of millions of subjects never becomes a Python list
    for row in store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s"):
        subject = row[0]
        yield subject, [(q.predicate.value, terms.of(q.object))
                        for q in store.quads_for_pattern(subject, None, None, ox.DefaultGraph())]


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


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_BARE = {_XSD + "integer": re.compile(r"[+-]?\d+"), _XSD + "decimal": re.compile(r"[+-]?\d*\.\d+"),
         _XSD + "boolean": re.compile(r"true|false")}
# a local name that Turtle takes after a prefix as it is (PN_LOCAL without its rarer escapes)
_LOCAL_NAME = re.compile(r"(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:(?:[A-Za-z0-9_\-.]|%[0-9A-Fa-f]{2})*(?:[A-Za-z0-9_\-]|%[0-9A-Fa-f]{2}))?")


class _TurtleTerms:
    """Turtle spellings of terms: prefixed names where Turtle allows, short numbers and booleans."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.names = sorted(prefixes.items(), key=lambda item: -len(item[1]))  # the longest namespace wins
        self.iris: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        spelled = self.iris.get(iri)
        if spelled is None:
            spelled = f"<{iri}>"
            for prefix, ns in self.names:
                if iri.startswith(ns) and _LOCAL_NAME.fullmatch(iri[len(ns):]):
                    spelled = f"{prefix}:{iri[len(ns):]}"
                    break
            if len(self.iris) > 100_000:  # subjects are seen once; keep the memory of a big graph bounded
                self.iris.clear()
            self.iris[iri] = spelled
        return spelled

    def predicate(self, iri: str) -> str:
        return "a" if iri == _RDF_TYPE else self.iri(iri)

    def of(self, term) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal) and term.language is None:
            bare = _BARE.get(term.datatype.value)
            if bare is not None and bare.fullmatch(term.value):
                return term.value
        return str(term)  # N-Triples syntax, which Turtle reads as it is


def _prefixes(g: Graph) -> dict[str, str]:
    return {p: str(ns) for p, ns in g.namespaces() if p and str(ns)}


def _as_store(g: Graph) -> ox.Store:
    store = ox.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def extraction_json(extraction) -> bytes:
    """The output file of one post's extraction: the gold files' shape plus evidence."""
    return (json.dumps(extraction.to_json(evidence=True), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
