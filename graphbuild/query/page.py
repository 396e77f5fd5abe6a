"""The endpoint's query page and the saved queries it offers (`GET /`, `GET /queries`,
`GET /queries/NAME?param=value`), kept apart from the SPARQL protocol code in `serve`.

A parameter is bound without the store: a name the vocabulary knows becomes its IRI, any other
name a match on the graph's labels inside the query, so the bound query runs through `/sparql`
like any other (wherever `serve` evaluates queries)."""

from __future__ import annotations

import json
from functools import lru_cache
from http import HTTPStatus
from importlib import resources
from urllib.parse import parse_qs, unquote

from graphbuild.errors import QueryError
from graphbuild.query.saved import bind_values, insert_in_where, saved_queries


@lru_cache(maxsize=1)
def page() -> bytes:
    """The query page (HTML with its script), from the package."""
    return (resources.files("graphbuild.query") / "page_assets" / "query.html").read_bytes()


def answer(path: str, query_string: str) -> tuple[HTTPStatus, str, bytes] | None:
    """(status, content type, body) for the page's own routes, or None when `path` is not one."""
    if path in ("/", "/index.html"):
        return HTTPStatus.OK, "text/html; charset=utf-8", page()
    if path == "/queries":
        listed = [{"name": q.name, "description": q.description, "text": q.text,
                   "parameters": [{"name": p.name, "type": p.type, "description": p.description} for p in q.parameters]}
                  for q in saved_queries().values()]
        return HTTPStatus.OK, "application/json; charset=utf-8", json.dumps(listed, ensure_ascii=False).encode("utf-8")
    if path.startswith("/queries/"):
        name = unquote(path[len("/queries/"):])
        values = {k: v[0] for k, v in parse_qs(query_string).items() if v and v[0].strip()}
        try:
            text = bound_query(name, values)
        except QueryError as e:
            return HTTPStatus.BAD_REQUEST, "text/plain; charset=utf-8", (str(e) + "\n").encode("utf-8")
        return HTTPStatus.OK, "application/sparql-query; charset=utf-8", text.encode("utf-8")
    return None


def bound_query(name: str, values: dict[str, str]) -> str:
    """The saved query `name` with its parameters bound: vocabulary names to their IRI, others to
    the nodes of the right type whose label is the name (case ignored)."""
    from graphbuild.query.entity_lookup import vocabulary_iris  # the same spelling -> term lookup as the CLI
    from graphbuild.graph.rdf import TYPE_CLASS

    queries = saved_queries()
    if name not in queries:
        raise QueryError(f"no saved query {name!r} (saved queries: {', '.join(queries)})")
    saved = queries[name]
    known = {p.name: p for p in saved.parameters}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise QueryError(f"{name} has no parameter {', '.join(unknown)} (its parameters: {', '.join(known) or 'none'})")
    iris, by_label = {}, {}
    for key, value in values.items():
        wanted = str(TYPE_CLASS.get(known[key].type, ""))
        typed = [iri for iri in vocabulary_iris(value.strip()) if _has_type(iri, known[key].type)]
        if typed:
            iris[key] = typed[0]
        else:
            by_label[key] = (value.strip(), wanted)
    text = bind_values(saved.text, iris)
    for key, (label, cls) in sorted(by_label.items()):
        literal = json.dumps(label, ensure_ascii=False)
        lookup = (f"{{ SELECT DISTINCT ?{key} WHERE {{ ?{key} <http://www.w3.org/2004/02/skos/core#prefLabel>|"
                  f"<http://www.w3.org/2004/02/skos/core#altLabel> ?{key}_label . "
                  + (f"?{key} a <{cls}> . " if cls else "")
                  + f"FILTER(LCASE(STR(?{key}_label)) = LCASE({literal})) }} }}")
        text = insert_in_where(text, lookup)
    return text


_SEGMENT_TYPE = {"service": "Service", "company": "Company", "technology": "Technology", "event": "Event",
                 "person": "Person", "talk": "Talk"}  # the IRI forms of `rdf.entity_iri`


def _has_type(iri: str, type_: str) -> bool:
    """Whether an entity IRI (…/id/service/…) is of `type_`."""
    return _SEGMENT_TYPE.get(iri.rsplit("/id/", 1)[-1].split("/", 1)[0]) == type_
