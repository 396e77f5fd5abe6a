"""The saved SPARQL queries shipped in the package (`query/queries/*.rq`), callable by name.

A query file starts with comment lines: what it answers, then one `# @param NAME TYPE: text`
line per parameter.  A parameter is a variable of the query; given a name ("Fargate"), it is
resolved to the node it means (see `entity_lookup`) and bound by a `VALUES` block put at the
start of the query's first WHERE block, so the file itself stays plain SPARQL that any client
can run (it then covers every value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pyoxigraph as ox

from graphbuild.errors import QueryError

_PARAM = re.compile(r"#\s*@param\s+(\w+)\s+(\w+)\s*:\s*(.*)")


@dataclass(frozen=True)
class Parameter:
    name: str  # the query variable it binds
    type: str  # the entity type of its value: Service, Company, Event, ...
    description: str


@dataclass(frozen=True)
class SavedQuery:
    name: str
    description: str
    text: str
    parameters: list[Parameter] = field(default_factory=list)

    def bindings(self, store: ox.Store, values: dict[str, str]) -> dict[str, str]:
        """Parameter name -> IRI for `values` (parameter name -> name of an entity), each resolved in `store`."""
        from graphbuild.query.entity_lookup import resolve_entity

        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            offered = ", ".join(known) or "none"
            raise QueryError(f"{self.name} has no parameter {', '.join(unknown)} (its parameters: {offered})")
        return {name: resolve_entity(store, value, known[name].type).iri for name, value in values.items()}

    def with_values(self, store: ox.Store, values: dict[str, str]) -> str:
        """The query text with `values` resolved and bound (the text itself when there are none)."""
        return bind_values(self.text, self.bindings(store, values))


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bind_values(text: str, iris: dict[str, str]) -> str:
    """`text` with `VALUES ?name { <iri> }` for each binding at the start of its first WHERE block."""
    if not iris:
        return text
    return insert_in_where(text, " ".join(f"VALUES ?{name} {{ <{iri}> }}" for name, iri in sorted(iris.items())))


def insert_in_where(text: str, block: str) -> str:
    """`text` with `block` (SPARQL patterns) put at the start of its first WHERE block."""
    m = _WHERE.search(_without_comments(text))
    if m is None:
        raise QueryError("a query with parameters needs a WHERE block to bind them in")
    return text[:m.end()] + "\n  " + block + text[m.end():]


def _without_comments(text: str) -> str:
    """`text` with each comment blanked out (same length), so positions found in it hold in `text`."""
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text)


def queries_folder():
    """The folder of saved queries inside the installed package."""
    return resources.files("graphbuild.query") / "queries"


@lru_cache(maxsize=1)
def saved_queries() -> dict[str, SavedQuery]:
    """Every saved query by name (its file name without `.rq`)."""
    found = {}
    for entry in sorted(queries_folder().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            found[entry.name[:-3]] = parse_saved_query(entry.name[:-3], entry.read_text(encoding="utf-8"))
    return found


def saved_query(name: str) -> SavedQuery:
    """The saved query called `name`; a QueryError listing the saved queries when there is none."""
    queries = saved_queries()
    if name not in queries:
        raise QueryError(f"{name!r} is neither a SPARQL query nor a saved query (saved queries: {', '.join(queries)})")
    return queries[name]


def parse_saved_query(name: str, text: str) -> SavedQuery:
    """A saved query's description and parameters, read from its leading comment lines."""
    description, parameters = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("#"):
            break
        m = _PARAM.match(line)
        if m:
            parameters.append(Parameter(m.group(1), m.group(2), m.group(3).strip()))
        else:
            description.append(line.lstrip("#").strip())
    return SavedQuery(name, " ".join(d for d in description if d), text, parameters)
