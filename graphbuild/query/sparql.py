"""SPARQL over a built graph, answered by pyoxigraph (tens of times faster than rdflib's engine).

The graph's prefixes (`gb:`, `skos:`, `svc:`, ...) are predefined, a query can be the name
of a saved query (see `saved_queries`) with parameters, CONSTRUCT and DESCRIBE answers
are graphs, and a query that does not parse says where and why in one line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graphbuild.errors import InputError, QueryError
from graphbuild.graph.rdf import PREFIXES


@dataclass(frozen=True)
class QueryResult:
    """A query's answer: rows of plain strings; for CONSTRUCT and DESCRIBE also the triples
    (`triples` is None for SELECT and ASK), with `variables` subject, predicate, object."""

    variables: list[str]
    rows: list[list[str | None]]
    triples: list[ox.Triple] | None = field(default=None, compare=False)


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
    except FileNotFoundError as e:
        raise InputError(path, "no such file") from e
    except OSError as e:
        raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    except SyntaxError as e:
        raise InputError(path, f"is not valid Turtle ({e})") from e
    return store


_NAME_LIKE = re.compile(r"^[\w.\-/\\~:]+$")


def read_query(query: str) -> str:
    """A query given as text, as the path of a `.rq` file, or as the name of a saved query."""
    from graphbuild.query.saved import saved_queries, saved_query

    text = query.strip()
    if not _NAME_LIKE.match(text) or text.upper() in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        return query
    path = Path(text)
    if path.is_file() or text.endswith(".rq") or "/" in text or "\\" in text:
        if not path.exists():
            hint = (f"; the saved query {path.stem!r} is called by its name alone" if path.stem in saved_queries()
                    else f"; saved queries: {', '.join(saved_queries())}")
            raise InputError(path, f"no such query file{hint}")
        try:
            return path.read_text(encoding="utf-8")
        except OSError as e:
            raise InputError(path, f"cannot be read ({e.strerror or e})") from e
    return saved_query(text).text


_PROLOGUE = re.compile(r"^(?:\s|#[^\n]*\n|(?:PREFIX\s+[\w\-.]*:\s*<[^>]*>)|(?:BASE\s*<[^>]*>))*", re.IGNORECASE)
_UPDATE = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)


def run_query(store: ox.Store, query: str, params: dict[str, str] | None = None) -> QueryResult:
    """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query with the graph's prefixes predefined; `params`
    (parameter -> entity name) fill the query's `# @param` variables.  Values come back as plain strings."""
    from graphbuild.query.saved import parse_saved_query

    start = _PROLOGUE.match(query).end()
    update = _UPDATE.match(query, start)
    if update:
        raise QueryError(f"{update.group(1).upper()} is an update: graphbuild only reads graphs "
                         "(SELECT, ASK, CONSTRUCT and DESCRIBE)")
    query = parse_saved_query("this query", query).with_values(store, params or {})
    try:
        result = store.query(query, prefixes=PREFIXES)
        if isinstance(result, (bool, ox.QueryBoolean)):
            return QueryResult(["ask"], [["true" if result else "false"]])
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return QueryResult(variables, [[_plain(solution[v]) for v in variables] for solution in result])
        triples = list(result)
    except SyntaxError as e:
        raise QueryError(syntax_message(query, e)) from e
    except OSError as e:
        raise QueryError(f"the query failed: {e}") from e
    rows = [[t.subject.value, t.predicate.value, t.object.value] for t in triples]
    return QueryResult(["subject", "predicate", "object"], rows, triples)


def syntax_message(query: str, error: SyntaxError) -> str:
    """pyoxigraph's parse error in one line: where, what was expected (without its character
    classes), and the text there; an undeclared prefix is named as such."""
    text = str(error)
    m = re.match(r"error at (\d+):(\d+): (.*)", text, re.DOTALL)
    if m is None:
        return "the query does not parse: " + " ".join(text.split())
    line, column, reason = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = query.splitlines() or [""]
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    where = f"the query does not parse at line {line}, column {column}"
    if "Prefix not found" in reason:
        prefix = re.search(r"([A-Za-z][\w\-.]*)?:[^\s:]*$", source[:column - 1])
        name = (prefix.group(1) or "") if prefix else "?"
        return (f"{where}: unknown prefix '{name}:' (predefined: {', '.join(PREFIXES)}; "
                "`graphbuild query --prefixes` lists them)")
    expected = re.sub(r"\[(?:'[^']*'|[^\]'])*\]", "", " ".join(reason.split()))
    expected = ", ".join(part.strip() for part in expected.replace("expected one of", "").replace("expected", "")
                         .split(",") if part.strip())
    near = source[column - 1:column + 19].strip()
    found = f" near {near!r}" if near else " at the end of the line"
    return f"{where}: expected {expected or 'something else'}{found}"


def prefixes_text() -> str:
    """The predefined prefixes as SPARQL PREFIX lines (what `graphbuild query --prefixes` prints)."""
    return "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items())


def _plain(term) -> str | None:
    return None if term is None else term.value


def format_result(result: QueryResult, fmt: str = "table") -> str:
    """The answer as an aligned table, CSV or JSON; a graph answer (CONSTRUCT, DESCRIBE) as
    Turtle unless CSV or JSON is asked for."""
    if result.triples is not None and fmt in ("table", "turtle"):
        return (ox.serialize(result.triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) or b"").decode("utf-8")
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
