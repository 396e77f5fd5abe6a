"""Defects found in review of the extraction on posts it had not seen; each failed before its fix."""

import pytest

from graphbuild.nlp.extract import extract
from graphbuild.ingest.posts import document_from_text
from graphbuild.nlp.pipeline import process_one
from graphbuild.nlp.normalize import fold_with_offsets

pytestmark = pytest.mark.model


def record(nlp, text, format="text"):
    document = document_from_text(text, format=format)
    return extract(document, process_one(nlp, document))


def names(rec, type_):
    return {e.name for e in rec.entities if e.type == type_}


def test_half_width_katakana_with_voiced_marks_folds_to_one_letter():
    folded, origin = fold_with_offsets("ﾃﾞﾌﾞｻﾐ")
    assert folded == "デブサミ" and origin == [0, 2, 4, 5]


def test_half_width_names_match_the_vocabulary(nlp):
    rec = record(nlp, "メモ\n\nｱﾏｿﾞﾝ ウェブ サービスの人が ﾃﾞﾌﾞｻﾐ2019 で話していました。")
    assert "Developers Summit 2019" in names(rec, "Event")
    assert "Amazon Web Services" in names(rec, "Company")


def test_the_sha_of_a_name_is_kept(nlp):
    rec = record(nlp, "メモ\n\n株式会社講談社の電子書籍チームと、株式会社新潮社の方が話しました。")
    assert {"講談社", "新潮社"} <= names(rec, "Company")
    assert not names(rec, "Company") & {"講談", "新潮"}


def test_company_names_that_begin_with_hiragana(nlp):
    rec = record(nlp, "メモ\n\n今回はさくらインターネット株式会社の方と、株式会社ぐるなびの方が登壇しました。")
    assert {"さくらインターネット", "ぐるなび"} <= names(rec, "Company")
    assert "インターネット" not in names(rec, "Company")


def test_markdown_time_slot_heading_is_a_talk_with_its_own_services(nlp):
    text = ("# AWS Summit Tokyo 2024 参加レポート\n\n## 11:00-11:40 Aurora の運用\n\nRDS からの移行の話。\n\n"
            "## 13:00-13:30 CDK で始める IaC\n\nCDK で VPC と ECS を定義する話でした。\n")
    rec = record(nlp, text, "markdown")
    talks = {e.id: e.name for e in rec.entities if e.type == "Talk"}
    assert set(talks.values()) == {"Aurora の運用", "CDK で始める IaC"}
    cdk_talk = next(k for k, v in talks.items() if v.startswith("CDK"))
    mentioned = {r.o for r in rec.relations if r.s == cdk_talk and r.p == "mentions"}
    assert {"svc:cdk", "svc:ecs"} <= mentioned and "svc:rds" not in mentioned


def test_speaker_named_in_the_first_sentence_of_a_talk(nlp):
    text = ("AWS Summit Tokyo 2024 参加レポート\n\n## 13:00-13:30 CDK で始める IaC\n\n"
            "AWS の中村 亮さんのセッション。CDK で VPC と ECS を定義する話でした。\n")
    rec = record(nlp, text, "markdown")
    presenters = {r.o for r in rec.relations if r.p == "presentedBy"}
    assert "person:中村亮" in presenters and "org:amazonwebservices" in presenters


def test_writer_of_a_company_blog_introducing_themselves(nlp):
    rec = record(nlp, "ミナトテック技術ブログ\n\n株式会社ミナトテックの森です。今日は S3 の話をします。\n")
    authors = {r.o for r in rec.relations if r.p == "authoredBy"}
    assert {"org:ミナトテック", "person:森"} <= authors


def test_iam_identity_center_is_not_iam(nlp):
    rec = record(nlp, "メモ\n\nAWS IAM Identity Center でシングルサインオンを設定しました。")
    assert "AWS IAM Identity Center" in names(rec, "Service")
    assert "AWS Identity and Access Management" not in names(rec, "Service")
