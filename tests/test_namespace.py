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


def test_a_talk_is_close_to_schema_s_education_event_but_not_the_same_class():
    """owl:equivalentClass would make every schema:EducationEvent a gb:Talk under reasoning."""
    from rdflib import OWL, RDFS, SKOS, URIRef

    g = Graph().parse(ONTOLOGY, format="turtle")
    education = URIRef("https://schema.org/EducationEvent")
    assert not set(g.triples((None, OWL.equivalentClass, None)))
    assert (GB.Talk, SKOS.closeMatch, education) in g and (GB.Talk, RDFS.subClassOf, education) not in g
