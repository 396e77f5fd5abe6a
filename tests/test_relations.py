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


def test_negation_after_a_list_blocks_every_item(nlp):
    found = relations(nlp, "記事\n\nクックパッドでは ASGやCloudWatchを使わず、ECS を採用しています。")
    assert not {("org:クックパッド", "uses", "svc:autoscaling"), ("org:クックパッド", "uses", "svc:cloudwatch")} & found
    assert ("org:クックパッド", "uses", "svc:ecs") in found


def test_a_company_is_not_the_user_when_the_parse_names_another_subject(nlp):
    found = relations(nlp, "記事\n\nAllan は株式会社サンプル商事で働き、顧客が Docker を本番環境で利用するための支援をしています。")
    assert not any(p == "uses" for _, p, _ in found)


def test_a_bullet_about_a_company_owns_the_bullets_under_it(nlp):
    text = ("記事\n\n1. ジョブ基盤の話\n  • クックパッドにおけるバッチ実行環境の話です。\n"
            "  • キューから取り出したジョブを Amazon ECS のクラスタで動かし、足りなければ EC2 を足す。\n\n次の話題\n\nAWS Lambda の新機能。\n")
    found = relations(nlp, text)
    assert {("org:クックパッド", "uses", "svc:ecs"), ("org:クックパッド", "uses", "svc:ec2")} <= found
    assert ("org:クックパッド", "uses", "svc:lambda") not in found


def test_a_company_talk_about_its_own_system_gives_uses_from_its_section(nlp):
    text = ("AWS Summit Tokyo 2019 参加レポート\n\nメルカリ の 大規模 IaaS 活用の実践\n株式会社メルカリ 基盤チーム 山田 太郎 氏\n\n"
            "アプリは全て EC2 上で動かし、前段には ALB を置いているそうです。\n"
            "監視に CloudWatch は使わず自前で実装していました。\n")
    found = relations(nlp, text)
    assert {("org:メルカリ", "uses", "svc:ec2"), ("org:メルカリ", "uses", "svc:alb")} <= found
    assert ("org:メルカリ", "uses", "svc:cloudwatch") not in found


def test_what_a_speakers_company_moved_away_from_is_not_used(nlp):
    text = ("JAWS-UG 参加レポート\n\n### LT1: Kafka をやめてマネージドに寄せた話（株式会社ミナトベイ物流 港 太郎 さん）\n\n"
            "- 以前は EC2 上の自前の Kafka クラスターだったが、運用する人がいなくなったので Amazon MSK に移した\n"
            "- 取り込みは AWS IoT Core から Amazon Kinesis Data Streams で受けている\n")
    found = {(s, p, o) for s, p, o in relations(nlp, text) if p == "uses"}
    assert ("org:ミナトベイ物流", "uses", "svc:kinesis") in found
    assert not {o for _, _, o in found} & {"svc:ec2", "tech:apachekafka"}


def test_a_company_form_after_latin_words_names_the_whole_company(nlp):
    _, doc = make_doc(nlp, "登壇者：Datadog Japan合同会社 セールスエンジニア 石川 悠 氏")
    companies = [s.text for s in doc.spans["graphbuild_mentions"] if s.label_ == "Company"]
    assert companies == ["Datadog Japan合同会社"]


def test_a_case_study_introduced_with_its_company_names_no_writer(nlp):
    text = "serverless.tokyo #7 参加レポート\n\n書いた人: @sample_writer です。\n\n株式会社サンプル商事の事例です。\n"
    writers = {o for s, p, o in relations(nlp, text) if p == "authoredBy"}
    assert writers == {"person:samplewriter"}


def test_an_event_inside_a_meetup_lt_title_is_its_topic_not_where_it_was_given(nlp):
    text = ("# 北関東クラウド勉強会 #21 に参加してきた\n\n## 10分でふりかえる re:Invent 2024 まとめ\n\n"
            "登壇：@nasu_k8s さん\n\nEKS の話でした。\n")
    found = relations(nlp, text)
    part_of = {o for s, p, o in found if p == "partOf"}
    assert part_of and all(o.startswith("evt:") and "reinvent" not in o for o in part_of)


def test_a_person_named_in_a_keynote_title_gave_it(nlp):
    found = relations(nlp, "re:Invent 2019 参加レポート\n\n## Keynote | Andy Jassy\n\n3 時間のキーノートでした。新サービスが多数。\n")
    assert any(p == "presentedBy" and o.startswith("person:") and "jassy" in o for _, p, o in found)
