"""Sorted Turtle (and TriG) from a pyoxigraph store: subjects in IRI order, each subject's triples sorted,
so the same triples give the same bytes whatever order they were added in (pyoxigraph's own
writer follows its index order, which does not).

A graph of millions of triples is sorted the way `sort(1)` sorts a file too big for memory:
triples are read in one pass over the store, sorted in runs of bounded size that go to
temporary files, and the runs are merged into the output.
"""

from __future__ import annotations

import heapq
import io
import os
import pickle
import re
import tempfile
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import IO, Iterable, Iterator

import pyoxigraph as ox

from graphbuild.util.atomic_files import atomic_file

RUN_BYTES = 64 * 1024 * 1024  # triples sorted in memory at a time (roughly); more go through run files
Row = tuple[int, str, str, str]  # (0 for a blank node subject, 1 for an IRI; subject; predicate IRI; object in Turtle)
Block = tuple[tuple[int, str], str, int]  # (subject's sort key, the subject's Turtle block, its number of triples)


def write_store_turtle(store: ox.Store, target: str | os.PathLike | IO, prefixes: dict[str, str],
                       run_bytes: int = RUN_BYTES) -> int:
    """Write the default graph of `store` as sorted Turtle to a path (atomically) or an open
    file, with memory bounded by `run_bytes`; returns the number of triples."""
    if not hasattr(target, "write"):
        with atomic_file(target) as f:
            return write_store_turtle(store, f, prefixes, run_bytes)
    terms = TurtleTerms(prefixes)
    with tempfile.TemporaryDirectory(prefix=".graphbuild-turtle-") as runs_dir:
        return write_blocks(target, prefixes, sorted_blocks(store, terms, Path(runs_dir), run_bytes))


def sorted_blocks(store: ox.Store, terms: "TurtleTerms", runs_dir: Path, run_bytes: int = RUN_BYTES,
                  graph: ox.NamedNode | None = None) -> Iterator[Block]:
    """Every subject's Turtle block (of the default graph, or of `graph`), in subject order; runs
    that do not fit in `run_bytes` go to `runs_dir`."""
    rows = _sorted_rows(_rows(store, terms, graph), runs_dir, run_bytes)
    for key, group in groupby(rows, key=itemgetter(0, 1)):
        yield _block(key, [(p, o) for _, _, p, o in group], terms)


def write_blocks(target: IO, prefixes: dict[str, str], blocks: Iterable[Block]) -> int:
    """Write the prefixes, then `blocks` (already in subject order); returns the number of triples."""
    text = isinstance(target, io.TextIOBase)
    chunk = [prefix_lines(prefixes)]
    size = count = 0
    for _, block, n in blocks:
        chunk.append(block)
        size += len(block)
        count += n
        if size > 1 << 20:
            data = "".join(chunk)
            target.write(data if text else data.encode("utf-8"))
            chunk, size = [], 0
    data = "".join(chunk)
    target.write(data if text else data.encode("utf-8"))
    return count


def write_store_trig(store: ox.Store, target: str | os.PathLike | IO, prefixes: dict[str, str],
                     run_bytes: int = RUN_BYTES) -> int:
    """Write the named graphs of `store` as sorted TriG (graphs in IRI order, each sorted as
    `write_store_turtle` sorts the default graph) to a path (atomically) or an open file;
    returns the number of quads."""
    if not hasattr(target, "write"):
        with atomic_file(target) as f:
            return write_store_trig(store, f, prefixes, run_bytes)
    terms = TurtleTerms(prefixes)
    with tempfile.TemporaryDirectory(prefix=".graphbuild-trig-") as runs_dir:
        graphs = sorted(store.named_graphs(), key=lambda g: g.value)
        return write_graph_texts(target, prefixes, (graph_text(store, g, terms, Path(runs_dir), run_bytes)
                                                    for g in graphs))


def graph_text(store: ox.Store, graph: ox.NamedNode, terms: "TurtleTerms", runs_dir: Path,
               run_bytes: int = RUN_BYTES) -> tuple[str, int]:
    """One named graph as a TriG block, and its number of triples."""
    return graph_text_of_blocks(graph, list(sorted_blocks(store, terms, runs_dir, run_bytes, graph)), terms)


def graph_text_of_blocks(graph: ox.NamedNode, blocks: Iterable[Block], terms: "TurtleTerms") -> tuple[str, int]:
    """A named graph as a TriG block from its subjects' blocks (in subject order), and its number of triples."""
    blocks = list(blocks)
    return f"{terms.iri(graph.value)} {{\n\n" + "".join(b for _, b, _ in blocks) + "}\n\n", sum(n for _, _, n in blocks)


def write_graph_texts(target: IO, prefixes: dict[str, str], texts: Iterable[tuple[str, int]]) -> int:
    """Write the prefixes, then the named graphs' blocks (already in graph order); returns the number of quads."""
    return write_blocks(target, prefixes, (((0, ""), text, n) for text, n in texts))


def prefix_lines(prefixes: dict[str, str]) -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())) + "\n"


def subject_block(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, terms: "TurtleTerms",
                  graph: ox.NamedNode | None = None) -> Block | None:
    """The Turtle block of one subject of the default graph or of `graph` (None when it has no triples there)."""
    pairs = [(q.predicate.value, terms.of(q.object))
             for q in store.quads_for_pattern(subject, None, None, graph if graph is not None else ox.DefaultGraph())]
    return _block(subject_key(subject), pairs, terms) if pairs else None


def subject_key(subject: ox.NamedNode | ox.BlankNode) -> tuple[int, str]:
    """Where a subject goes in the file: blank nodes first, then IRIs in order (as SPARQL's ORDER BY)."""
    return (0 if isinstance(subject, ox.BlankNode) else 1), subject.value


def _block(key: tuple[int, str], pairs: list[tuple[str, str]], terms: "TurtleTerms") -> Block:
    pairs.sort()
    lines = " ;\n".join(f"    {terms.predicate(p)} {o}" for p, o in pairs)
    subject = f"_:{key[1]}" if key[0] == 0 else terms.iri(key[1])
    return key, f"{subject}\n{lines} .\n\n", len(pairs)


def _rows(store: ox.Store, terms: "TurtleTerms", graph: ox.NamedNode | None = None) -> Iterator[Row]:
    for q in store.quads_for_pattern(None, None, None, graph if graph is not None else ox.DefaultGraph()):
        yield (*subject_key(q.subject), q.predicate.value, terms.of(q.object))


def _sorted_rows(rows: Iterable[Row], runs_dir: Path, run_bytes: int) -> Iterator[Row]:
    run: list[Row] = []
    size = 0
    runs: list[Path] = []
    for row in rows:
        run.append(row)
        size += len(row[1]) + len(row[2]) + len(row[3]) + 200  # the strings and the tuple around them
        if size > run_bytes:
            run.sort()
            runs.append(_write_run(run, runs_dir / f"run-{len(runs)}"))
            run, size = [], 0
    run.sort()
    if not runs:
        return iter(run)
    runs.append(_write_run(run, runs_dir / f"run-{len(runs)}"))
    del run
    return heapq.merge(*map(_read_run, runs))


def _write_run(run: list[Row], path: Path) -> Path:
    with path.open("wb") as f:
        for i in range(0, len(run), 10_000):
            pickle.dump(run[i:i + 10_000], f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read_run(path: Path) -> Iterator[Row]:
    with path.open("rb") as f:
        while True:
            try:
                yield from pickle.load(f)
            except EOFError:
                return


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_BARE = {_XSD + "integer": re.compile(r"[+-]?\d+"), _XSD + "decimal": re.compile(r"[+-]?\d*\.\d+"),
         _XSD + "boolean": re.compile(r"true|false")}
# a local name that Turtle (and SPARQL) take after a prefix as it is: PN_LOCAL without ":" and the
# backslash escapes, letters of every script included
_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F"
         "\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_FIRST = f"(?:[{_BASE}_0-9]|%[0-9A-Fa-f]{{2}})"
_LATER = f"(?:[{_BASE}_0-9\\-\u00B7\u0300-\u036F\u203F-\u2040]|%[0-9A-Fa-f]{{2}})"
_LOCAL_NAME = re.compile(f"{_FIRST}(?:(?:{_LATER}|\\.)*{_LATER})?")


class TurtleTerms:
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
