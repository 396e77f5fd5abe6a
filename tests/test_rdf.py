from rdflib import RDF, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from graphbuild.export import read_turtle, serialize
from graphbuild.namespace import GB
from graphbuild.rdf import entity_iri, to_networkx, to_rdf
from graphbuild.records import Entity, Evidence, Extraction, Mention, Relation


def record(doc_id="d1", company="サンプル商事"):
    text = f"{company}では Amazon ECS を採用しています。"
    start = text.index("Amazon ECS")
    ev = Evidence(doc_id, 0, start, start + 10, "Amazon ECS", text)
    org = Evidence(doc_id, 0, 0, len(company), company, text)
    return Extraction(
        doc_id, "post", "posts/post.txt", "題", len(text),
        entities=(Entity("svc:ecs", "Service", "Amazon Elastic Container Service", ("Amazon ECS",), "ecs"),
                  Entity(f"org:{company}", "Company", company, (company,), method="company-form"),
                  Entity("svc:amazon-foo", "Service", "Amazon Foo", ("Amazon Foo",), candidate=True)),
        mentions=(Mention("svc:ecs", "Amazon ECS", ev, "vocabulary", 0.95), Mention(f"org:{company}", company, org, "ner", 0.5)),
        relations=(Relation(f"org:{company}", "uses", "svc:ecs", (ev,), "sentence", 0.7),),
    )


def test_graph_has_types_labels_and_evidence():
    g = to_rdf([record()])
    ecs = entity_iri("svc:ecs")
    assert (ecs, RDF.type, GB.Service) in g and (ecs, GB.botoClient, Literal("ecs")) in g
    assert (ecs, SKOS.altLabel, Literal("Amazon ECS", lang="en")) in g
    assert (entity_iri("org:サンプル商事"), GB.uses, ecs) in g
    statement = g.value(predicate=RDF.object, object=ecs)
    mention = g.value(statement, __import__("rdflib").namespace.PROV.wasDerivedFrom)
    assert int(g.value(mention, GB.startChar)) == record().mentions[0].evidence.start
    assert (entity_iri("svc:amazon-foo"), RDF.type, GB.CandidateService) in g


def test_same_service_from_two_posts_is_one_node():
    g = to_rdf([record("d1"), record("d2", "別の会社")])
    assert len(set(g.subjects(RDF.type, GB.Service))) == 2  # ECS and the candidate
    G = to_networkx(g)
    assert G.in_degree(str(entity_iri("svc:ecs"))) == 2


def test_any_name_gives_a_valid_iri_and_round_trips():
    g = to_rdf([record(company='悪い<名前> "{|}^`\\ 会社')])
    again = read_turtle(__import__("io").BytesIO(serialize(g)))
    assert isomorphic(g, again)


def test_networkx_view_counts_support():
    G = to_networkx(to_rdf([record()]))
    data = G.get_edge_data(str(entity_iri("org:サンプル商事")), str(entity_iri("svc:ecs")))["uses"]
    assert data["weight"] == 1 and "採用" in data["evidence"][0]
