from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from graphbuild.graph.namespace import GB, NIF

ONTOLOGY = Path(__file__).resolve().parent.parent / "graphbuild" / "graph" / "ontology" / "graphbuild.ttl"


def test_every_term_is_declared_in_the_ontology():
    declared = set(Graph().parse(ONTOLOGY, format="turtle").subjects())
    missing = [t for ns in (GB, NIF) for t in ns.__annotations__ if URIRef(ns._NS + t) not in declared]
    assert missing == []


def test_misspelt_term_fails():
    with pytest.raises(AttributeError):
        GB.usess  # noqa: B018
