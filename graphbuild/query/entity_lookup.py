"""Finding the node a person means by a name: through the vocabulary first ("Fargate",
"ファーゲート" and "AWS Fargate" are one term), then through the labels in the graph."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from graphbuild.errors import QueryError
from graphbuild.graph.namespace import GB
from graphbuild.graph.rdf import CLASS_TYPE, PREFIXES, entity_iri

_TYPES = {str(cls): name for cls, name in [*CLASS_TYPE.items(), (GB.Document, "Document")]}
_RANK = {name: i for i, name in enumerate(_TYPES.values())}  # a node of two of our classes takes the first


@dataclass(frozen=True)
class Entity:
    iri: str
    type: str
    label: str


def entity(store: ox.Store, iri: str) -> Entity | None:
    """The type and preferred label of the node `iri`, or None when the graph has no such entity."""
    found = None
    node = str(ox.NamedNode(iri))
    for r in store.query(f"SELECT ?class ?label WHERE {{ {node} a ?class . OPTIONAL {{ {node} skos:prefLabel ?p }} "
                         f"OPTIONAL {{ {node} rdfs:label ?l }} BIND(COALESCE(?p, ?l, STR({node})) AS ?label) }}",
                         prefixes=PREFIXES):
        type_ = _TYPES.get(r["class"].value)
        if type_ is not None and (found is None or _RANK[type_] < _RANK[found.type]):
            found = Entity(iri, type_, r["label"].value)
    return found


def find_entities(store: ox.Store, name: str, type_: str | None = None) -> list[Entity]:
    """The entities of the graph called `name` (of type `type_` when given), best first: the
    vocabulary term the name spells, else nodes with that label (case ignored)."""
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        name = name[1:-1]
    if name.startswith(("http://", "https://", "urn:")):
        found = entity(store, name)
        return [found] if found and (type_ is None or found.type == type_) else []
    hits = [e for e in (entity(store, iri) for iri in vocabulary_iris(name)) if e is not None]
    hits = [e for e in hits if type_ is None or e.type == type_]
    if hits:
        return hits
    seen: dict[str, Entity] = {}
    for iri in _label_iris(store, name):
        e = entity(store, iri)
        if e is not None and (type_ is None or e.type == type_) and iri not in seen:
            seen[iri] = e
    return sorted(seen.values(), key=lambda e: (_RANK[e.type], e.label, e.iri))


def resolve_entity(store: ox.Store, name: str, type_: str | None = None) -> Entity:
    """The one entity called `name`; a QueryError naming the candidates when there are none or several."""
    hits = find_entities(store, name, type_)
    what = type_ or "entity"
    if len(hits) == 1:
        return hits[0]
    exact = [e for e in hits if e.label.lower() == name.strip().lower()]
    if len(exact) == 1:  # the one whose preferred label it is
        return exact[0]
    if hits and type_ is None and len({e.type for e in hits}) == len(hits):
        return hits[0]  # one node per type (a company and its product): the first type, see _RANK
    if hits:
        listed = "; ".join(f"{e.label} ({e.type}, <{e.iri}>)" for e in hits[:6])
        raise QueryError(f"{len(hits)} {what} nodes are called {name!r}: {listed}; give the IRI")
    near = similar_labels(store, name, type_)
    hint = f"; similar names in the graph: {', '.join(near)}" if near else ""
    raise QueryError(f"no {what} called {name!r} in this graph{hint}")


def similar_labels(store: ox.Store, name: str, type_: str | None = None, limit: int = 5) -> list[str]:
    """Up to `limit` labels of the graph that contain `name` (case ignored), for 'did you mean' hints."""
    typed = "" if type_ is None else f"?node a gb:{type_} ."
    q = ox.Literal(name.strip())
    rows = store.query(f"SELECT DISTINCT ?l WHERE {{ ?node skos:prefLabel ?l . {typed} "
                       f"FILTER(CONTAINS(LCASE(STR(?l)), LCASE({q}))) }} ORDER BY STRLEN(STR(?l)) ?l LIMIT {limit}",
                       prefixes=PREFIXES)
    return [r["l"].value for r in rows]


def vocabulary_iris(name: str) -> list[str]:
    """IRIs of the vocabulary terms whose spelling is the whole of `name`."""
    from graphbuild.nlp.vocabulary import Vocabulary

    vocabulary = Vocabulary.load()
    iris = [str(entity_iri(m.term.id)) for m in vocabulary.find(name) if m.start == 0 and m.end == len(name)]
    return list(dict.fromkeys(iris))


def _label_iris(store: ox.Store, name: str) -> list[str]:
    """Nodes with a label equal to `name`: exact literals first (an index lookup), then case ignored."""
    exact = " ".join(str(literal) for literal in (ox.Literal(name, language="ja"), ox.Literal(name, language="en"),
                                                   ox.Literal(name)))
    iris = [r["node"].value for r in store.query(
        f"SELECT DISTINCT ?node WHERE {{ VALUES ?l {{ {exact} }} ?node skos:prefLabel|skos:altLabel|rdfs:label ?l }}",
        prefixes=PREFIXES)]
    if iris:
        return iris
    return [r["node"].value for r in store.query(
        f"SELECT DISTINCT ?node WHERE {{ ?node skos:prefLabel|skos:altLabel ?l . "
        f"FILTER(LCASE(STR(?l)) = LCASE({ox.Literal(name)})) }}", prefixes=PREFIXES)]
