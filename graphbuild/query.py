"""SPARQL over a built graph, answered by pyoxigraph (tens of times faster than rdflib's engine)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graphbuild.errors import InputError, QueryError


@dataclass(frozen=True)
class QueryResult:
    variables: list[str]
    rows: list[list[str | None]]


def load_store(path: str | Path) -> ox.Store:
    """A pyoxigraph store of the graph at `path`: a Turtle file, loaded into memory, or a
    store folder written by `graphbuild build --store`, opened read-only where it is."""
    if Path(path).is_dir():
        try:
            return ox.Store.read_only(str(path))
        except OSError as e:
            raise InputError(path, f"is not a graphbuild store folder ({e})") from e
    store = ox.Store()
    try:
        with open(path, "rb") as f:
            store.bulk_load(f, ox.RdfFormat.TURTLE)
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    except SyntaxError as e:
        raise InputError(path, f"is not valid Turtle ({e})") from e
    return store


def read_query(query: str) -> str:
    """A query given as text, or as the path of a `.rq` file."""
    if query.strip().endswith(".rq") and "\n" not in query.strip():
        path = Path(query.strip())
        try:
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    return query


def run_query(store: ox.Store, query: str) -> QueryResult:
    """Run a SELECT (or ASK) query; values come back as plain strings."""
    try:
        result = store.query(query)
    except SyntaxError as e:
        raise QueryError(f"the query does not parse: {e}") from e
    if isinstance(result, (bool, ox.QueryBoolean)):
        return QueryResult(["ask"], [["true" if result else "false"]])
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("only SELECT and ASK queries print as tables")
    variables = [v.value for v in result.variables]
    rows = [[_plain(solution[v]) for v in variables] for solution in result]
    return QueryResult(variables, rows)


def _plain(term) -> str | None:
    return None if term is None else term.value


def format_result(result: QueryResult, fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps([dict(zip(result.variables, row)) for row in result.rows], ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(result.variables)
        writer.writerows([["" if v is None else v for v in row] for row in result.rows])
        return out.getvalue()
    cells = [result.variables] + [["" if v is None else v for v in row] for row in result.rows]
    widths = [min(60, max(_width(r[i]) for r in cells)) for i in range(len(result.variables))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(_pad(_clip(v, w), w) for v, w in zip(row, widths)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, width: int) -> str:
    while _width(text) > width:
        text = text[:-2] + "…"
    return text


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
