import pytest

from tests.conftest import make_doc

pytestmark = pytest.mark.model


def relations(nlp, text):
    _, doc = make_doc(nlp, text)
    return {(r.s.key if r.s else "doc", r.p, r.o.key) for r in doc._.graphbuild_relations}


def test_case_study_sentence_gives_uses(nlp):
    found = relations(nlp, "記事\n\nクックパッドでは Amazon ECS を本番環境に導入しました。")
    assert ("org:クックパッド", "uses", "svc:ecs") in found


def test_negation_blocks_uses(nlp):
    found = relations(nlp, "記事\n\nクックパッドでは ASGは使わず自前で実装しましたが、ECS を採用しています。")
    assert ("org:クックパッド", "uses", "svc:autoscaling") not in found
    assert ("org:クックパッド", "uses", "svc:ecs") in found


def test_talk_relations(nlp):
    text = ("AWS Summit Tokyo 2019 に参加しました\n\n「サービスメッシュ入門とその実践について」\n@mesh_fan様\n\n"
            "AWS App Mesh と Envoy の話でした。\n")
    found = relations(nlp, text)
    talk = next(o for s, p, o in found if p == "reportsOn" and o.startswith("talk:"))
    assert (talk, "partOf", "evt:aws-summit/tokyo/2019") in found
    assert (talk, "mentions", "svc:appmesh") in found and (talk, "mentions", "tech:envoy") in found
    assert (talk, "presentedBy", "person:meshfan") in found  # keys are folded names
    assert ("doc", "reportsOn", "evt:aws-summit/tokyo/2019") in found
