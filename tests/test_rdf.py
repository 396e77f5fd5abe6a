import io

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV, SKOS

from graphbuild.outputs.export import read_turtle, serialize
from graphbuild.nlp.extract import extract
from graphbuild.graph.store import GraphStore
from graphbuild.graph.namespace import GB, NIF
from graphbuild.graph.rdf import entity_iri
from graphbuild.graph.store import to_rdf
from graphbuild.nlp.records import Entity, Evidence, Extraction, Mention, Relation
from tests.conftest import make_doc


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
    evidence = g.value(statement, PROV.wasDerivedFrom)
    assert int(g.value(evidence, NIF.beginIndex)) == record().mentions[0].evidence.start
    assert str(g.value(g.value(evidence, NIF.sentence), NIF.anchorOf)) == record().mentions[0].evidence.sentence
    assert (entity_iri("svc:amazon-foo"), RDF.type, GB.CandidateService) in g


def test_a_mention_and_the_evidence_of_a_relation_at_the_same_characters_are_two_nodes():
    g = to_rdf([record()])
    ecs = entity_iri("svc:ecs")
    mention = g.value(ecs, GB.mentionedIn)
    evidence = g.value(g.value(predicate=RDF.object, object=ecs), PROV.wasDerivedFrom)
    assert mention != evidence and (mention, RDF.type, GB.Mention) in g and (evidence, RDF.type, GB.Evidence) in g
    assert [str(m) for m in g.objects(mention, GB.method)] == ["vocabulary"]
    assert [str(m) for m in g.objects(evidence, GB.method)] == ["sentence"]
    assert [float(c) for c in g.objects(mention, GB.confidence)] == [0.95]
    assert [float(c) for c in g.objects(evidence, GB.confidence)] == [0.7]
    assert g.value(mention, NIF.sentence) == g.value(evidence, NIF.sentence)  # the sentence is stored once
    assert len(list(g.subjects(RDF.type, NIF.Sentence))) == 1


def test_the_name_most_posts_use_is_the_one_preferred_label_and_the_others_are_alternatives():
    def post(doc_id, name):
        return Extraction(doc_id, doc_id, f"{doc_id}.txt", "題", 10,
                          entities=(Entity("org:hoshizora", "Company", name, (name,)),), mentions=(), relations=())
    g = to_rdf([post("a", "ホシゾラ物流"), post("b", "ホシゾラ 物流"), post("c", "ホシゾラ物流")])
    node = entity_iri("org:hoshizora")
    assert list(g.objects(node, SKOS.prefLabel)) == [Literal("ホシゾラ物流", lang="ja")]
    assert list(g.objects(node, SKOS.altLabel)) == [Literal("ホシゾラ 物流", lang="ja")]
    tie = to_rdf([post("b", "ホシゾラ 物流"), post("a", "ホシゾラ物流")])  # one post each: code point order
    assert list(tie.objects(node, SKOS.prefLabel)) == [Literal("ホシゾラ 物流", lang="ja")]


def test_japanese_names_give_readable_iris_and_reserved_characters_are_encoded():
    assert str(entity_iri("org:ホシゾラ物流")).endswith("/company/ホシゾラ物流")
    assert str(entity_iri("org:a b/c?d#e")).endswith("/company/a%20b-c%3Fd%23e")
    store = GraphStore()
    store.add(record(company="ホシゾラ物流"))
    store.finish()
    out = io.BytesIO()
    store.write_turtle(out)
    turtle = out.getvalue().decode()
    assert "\norg:ホシゾラ物流\n" in turtle and "%E3" not in turtle
    assert isomorphic(read_turtle(io.BytesIO(out.getvalue())), store.to_rdflib())


def test_any_name_gives_a_valid_iri_and_round_trips():
    g = to_rdf([record(company='悪い<名前> "{|}^`\\ 会社')])
    again = read_turtle(__import__("io").BytesIO(serialize(g)))
    assert isomorphic(g, again)


POST_A = """AWS Summit 2019 参加レポート

NTTデータの方のセッションを聞きました。ソニー・ミュージックの事例では Amazon Managed Blockchain を採用したそうです。
株式会社ヤマブキ技研では AWS Fargate を本番で利用しています。AWS の発表もありました。
"""

POST_B = """AWS SUMMIT TOKYO 2019 二日目のまとめ

NTT データ のブースに寄りました。ソニー・ミュージックエンタテインメントと、ソニー・インタラクティブエンタテインメントの講演がありました。
ヤマブキ技研ソリューションズ株式会社は Amazon ECS を導入しています。AWS Japan の方とも話しました。
"""


@pytest.mark.model
def test_two_posts_naming_one_thing_differently_give_one_node_and_similar_names_stay_apart(nlp):
    records = [extract(*make_doc(nlp, text)) for text in (POST_A, POST_B)]
    g = to_rdf(records)

    def nodes(rdf_type, *surfaces):
        """The distinct nodes whose labels include any of `surfaces`."""
        found = set()
        for node in g.subjects(RDF.type, rdf_type):
            labels = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel) for o in g.objects(node, p)}
            if labels & set(surfaces):
                found.add(node)
        return found

    summit = nodes(GB.Event, "AWS Summit 2019", "AWS SUMMIT TOKYO 2019")
    assert len(summit) == 1
    assert {"AWS Summit 2019", "AWS SUMMIT TOKYO 2019"} <= {str(o) for o in g.objects(summit.pop(), SKOS.altLabel)}
    assert len(nodes(GB.Company, "NTTデータ", "NTT データ")) == 1
    assert len(nodes(GB.Company, "ソニー・ミュージック", "ソニー・ミュージックエンタテインメント")) == 1
    assert len(nodes(GB.Company, "ソニー・ミュージック", "ソニー・インタラクティブエンタテインメント")) == 2
    assert len(nodes(GB.Company, "株式会社ヤマブキ技研", "ヤマブキ技研", "ヤマブキ技研ソリューションズ株式会社")) == 2
    assert len(nodes(GB.Company, "AWS", "AWS Japan")) == 2


def test_a_speaker_lines_company_and_job_title_reach_the_graph(nlp):
    text = ("AWS Summit Tokyo 2019 参加レポート\n\n## コンテナ移行の実践\n"
            "登壇：株式会社メルカリ 基盤チーム マネージャー 山田 太郎 氏\n\nECS に移行した話でした。\n\n"
            "## Deep dive into Aurora\nSpeaker: Jane Doe, Principal SA, Amazon Web Services\n\nAurora の話。\n")
    g = to_rdf([extract(*make_doc(nlp, text))])
    schema = "https://schema.org/"
    yamada, jane = entity_iri("person:山田太郎"), entity_iri("person:janedoe")
    assert (yamada, URIRef(schema + "worksFor"), entity_iri("org:メルカリ")) in g
    assert (jane, URIRef(schema + "worksFor"), entity_iri("org:amazonwebservices")) in g
    assert str(g.value(jane, URIRef(schema + "jobTitle"))) == "Principal SA"
    assert "マネージャー" in str(g.value(yamada, URIRef(schema + "jobTitle")))
    # the affiliation is a relation like the others: a statement with its evidence on the speaker line
    statement = next(g.subjects(RDF.object, entity_iri("org:メルカリ")))
    assert g.value(statement, PROV.wasDerivedFrom) is not None
