from rdflib import RDF, Literal
from rdflib.namespace import SKOS

from graphbuild.graph.namespace import GB
from graphbuild.graph.rdf import entity_iri
from graphbuild.graph.store import to_rdf
from graphbuild.graph.validate import validate_graph
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


def test_two_preferred_labels_in_one_language_do_not_conform():
    g = to_rdf([record()])
    g.add((entity_iri("svc:ecs"), SKOS.prefLabel, Literal("Amazon ECS", lang="en")))
    conforms, report = validate_graph(g)
    assert not conforms and "one preferred label per language" in report
    g.remove((entity_iri("svc:ecs"), SKOS.prefLabel, Literal("Amazon ECS", lang="en")))
    g.add((entity_iri("svc:ecs"), SKOS.prefLabel, Literal("アマゾン ECS", lang="ja")))  # another language is fine
    assert validate_graph(g)[0]


def test_evidence_that_is_also_a_mention_does_not_conform():
    g = to_rdf([record()])
    evidence = next(g.subjects(RDF.type, GB.Evidence))
    g.add((evidence, RDF.type, GB.Mention))
    g.add((evidence, GB.method, Literal("vocabulary")))
    conforms, report = validate_graph(g)
    assert not conforms and "one method" in report
