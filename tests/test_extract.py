import pytest

from graphbuild.nlp.extract import extract
from tests.conftest import make_doc

pytestmark = pytest.mark.model


def test_record_has_the_gold_shape_and_offsets_point_at_the_text(nlp):
    document, doc = make_doc(nlp, "記事の題\n\n株式会社サンプルでは AWS Fargate と Amazon ECS を採用しています。")
    record = extract(document, doc)
    data = record.to_json()
    assert set(data) == {"doc", "title", "author", "entities", "relations"}
    for e in data["entities"]:
        assert set(e) <= {"id", "type", "name", "aliases", "boto"}
    assert {"s", "p", "o"} == set(data["relations"][0])
    ecs = next(e for e in data["entities"] if e["id"] == "svc:ecs")
    assert ecs["boto"] == "ecs" and ecs["name"] == "Amazon Elastic Container Service"
    for m in record.mentions:
        assert document.text[m.evidence.start:m.evidence.end] == m.surface == m.evidence.text
        assert m.evidence.text in m.evidence.sentence


def test_name_and_handle_side_by_side_are_one_person(nlp):
    document, doc = make_doc(nlp, "記事\n\nこんにちは、山田太郎(@taro_y)です。ECS の話をします。")
    people = [e for e in extract(document, doc).entities if e.type == "Person"]
    assert len(people) == 1 and "@taro_y" in people[0].aliases


def test_a_surname_alone_is_the_person_named_in_full_in_the_post(nlp):
    document, doc = make_doc(nlp, "イベントレポート\n\n## DynamoDB 設計の基本\n\nスピーカー：川辺 航平 氏（株式会社サンプル）、柏木 望 氏\n\n"
                                  "前半は柏木さんによる設計の基本、後半は川辺さんによる運用の話でした。\n")
    record = extract(document, doc)
    people = {e.name: e.aliases for e in record.entities if e.type == "Person"}
    assert set(people) == {"川辺 航平", "柏木 望"}
    assert any("川辺" in a and "翔太" not in a for a in people["川辺 航平"])
    speakers = {r.o for r in record.relations if r.p == "presentedBy"}
    assert not any(key.endswith(("川辺", "柏木")) for key in speakers)


def test_the_study_group_of_a_numbered_meetup_is_a_company(nlp):
    document, doc = make_doc(nlp, "湾岸クラウド勉強会 #9 に参加しました\n\nLambda の話が多かったです。\n")
    entities = {(e.type, e.name) for e in extract(document, doc).entities}
    assert ("Company", "湾岸クラウド勉強会") in entities
    assert any(t == "Event" and n.startswith("湾岸クラウド勉強会 #9") for t, n in entities)


@pytest.mark.parametrize("line", ["@aoi_sugi(杉本 葵)", "こんにちは、松浦（[@mtr_sre](https://x.com/mtr_sre)）です。"])
def test_a_handle_beside_a_name_either_way_round_is_that_person(nlp, line):
    document, doc = make_doc(nlp, f"re:Invent 振り返り\n\n{line}\n\nECS の話をします。\n")
    people = [e for e in extract(document, doc).entities if e.type == "Person"]
    assert len(people) == 1 and any(a.startswith("@") for a in people[0].aliases)


def test_an_honorific_left_over_from_a_speaker_list_is_no_person():
    from graphbuild.nlp.entities import make_ref

    assert make_ref("Person", "氏 ほか", "speaker-line") is None
    assert make_ref("Person", "Jane Roe 氏", "speaker-line").name == "Jane Roe"
