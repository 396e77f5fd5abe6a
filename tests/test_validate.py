from rdflib import Literal

from graphbuild.namespace import GB
from graphbuild.rdf import entity_iri, to_rdf
from graphbuild.validate import validate_graph
from tests.test_rdf import record


def test_built_graph_conforms():
    conforms, report = validate_graph(to_rdf([record()]))
    assert conforms, report


def test_talk_part_of_a_company_does_not_conform():
    g = to_rdf([record()])
    g.add((entity_iri("talk:t"), __import__("rdflib").RDF.type, GB.Talk))
    g.add((entity_iri("talk:t"), __import__("rdflib").namespace.SKOS.prefLabel, Literal("t", lang="en")))
    g.add((entity_iri("talk:t"), GB.partOf, entity_iri("org:サンプル商事")))
    conforms, report = validate_graph(g)
    assert not conforms and "part of an event" in report
