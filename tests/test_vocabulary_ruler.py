import spacy

import pytest

from graphbuild.nlp.vocabulary_ruler import FUZZY_PREFIX, MENTIONS_KEY, RULE_PREFIX


def blank_with_ruler():
    nlp = spacy.blank("ja")
    nlp.add_pipe("graphbuild_vocabulary")
    return nlp


def test_add_pipe_by_name_finds_terms_and_splits_tokens():
    doc = blank_with_ruler()("KubernetesAWSの統合とAmazon EKS")
    spans = {(s.text, s.kb_id_) for s in doc.spans[MENTIONS_KEY]}
    assert {("Kubernetes", "tech:kubernetes"), ("AWS", "org:amazonwebservices"), ("Amazon EKS", "svc:eks")} <= spans
    assert "Kubernetes" in [t.text for t in doc]


def test_rules_fill_gaps_the_vocabulary_leaves():
    doc = blank_with_ruler()("株式会社サンプル商事の @someone さんが Amazon Foobar を紹介")
    kb = {s.text: s.kb_id_ for s in doc.spans[MENTIONS_KEY]}
    assert kb["@someone"].startswith(RULE_PREFIX + "handle")
    assert kb["Amazon Foobar"] == RULE_PREFIX + "amazon-name|Amazon Foobar"
    assert any(k.startswith("株式会社サンプル商事") for k in kb)


@pytest.mark.model
def test_a_misspelt_name_is_found_as_fuzzy_but_a_dictionary_word_is_not(nlp):
    from tests.conftest import make_doc

    _, doc = make_doc(nlp, "記事\n\nログは fluetnd で集め、Container の数を増やした。")
    kb = {s.text: s.kb_id_ for s in doc.spans[MENTIONS_KEY]}
    assert kb["fluetnd"] == FUZZY_PREFIX + "tech:fluentd"
    assert "Container" not in kb  # one edit from containerd, but Sudachi knows the English word


@pytest.mark.model
def test_a_company_named_with_its_legal_form_is_found_again_by_its_bare_name(nlp):
    doc = nlp("最初は株式会社ツバメフードテックの森下さんの話。ツバメフードテックは冷凍食品の EC を運営しています。"
              "ツバメフードテックス社は別の会社です。")
    spans = [(s.text, s.kb_id_) for s in doc.spans[MENTIONS_KEY] if s.label_ == "Company"]
    kb_ids = {kb for _, kb in spans}
    assert [text for text, _ in spans].count("ツバメフードテック") == 1  # not inside the longer name
    assert len(kb_ids) == 1 and next(iter(kb_ids)).startswith(RULE_PREFIX + "company-form")


@pytest.mark.parametrize("text, name", [
    ("同時に出た S3 Metadata と組み合わせる", "Amazon S3 Metadata"),
    ("GraphRAG 部分は Amazon Neptune Analytics を使う", "Amazon Neptune Analytics"),
    ("上位の送信元は CloudWatch Contributor Insights で見た", "Amazon CloudWatch Contributor Insights"),
    ("Lambda Runtime API を直接叩く", "AWS Lambda Runtime API"),
])
def test_capitalised_words_after_a_product_name_name_its_feature(text, name):
    doc = blank_with_ruler()(text)
    kb = {s.kb_id_ for s in doc.spans[MENTIONS_KEY]}
    assert f"{RULE_PREFIX}feature|{name}" in kb
    assert not any(k.startswith("tech:") for k in kb)  # PostgreSQL is part of the name


@pytest.mark.parametrize("text, term", [
    ("Amazon ECS Best Practices を読む", "svc:ecs"),
    ("S3 API を叩く", "svc:s3"),
    ("Amazon EC2 Trn2 インスタンスの一般提供", "svc:ec2"),
    ("EC2 ECS EKS を比べる", "svc:ec2"),
])
def test_generic_words_an_instance_type_or_another_product_are_no_feature(text, term):
    doc = blank_with_ruler()(text)
    kb = {s.kb_id_ for s in doc.spans[MENTIONS_KEY]}
    assert term in kb and not any(k.startswith(f"{RULE_PREFIX}feature") for k in kb)


def test_a_numbered_event_wins_over_the_products_in_its_subtitle():
    doc = blank_with_ruler()("「サーバーレス事例ナイト Online #3 〜Aurora / DynamoDB 編〜」に参加しました")
    kb = [s.kb_id_ for s in doc.spans[MENTIONS_KEY]]
    assert any(k.startswith(RULE_PREFIX + "event-number|サーバーレス事例ナイト Online #3") for k in kb)
    assert "svc:dynamodb" not in kb


def test_editions_and_renamed_services_are_the_service(nlp):
    """An engine edition names its service; a service's old and new names are one service."""
    doc = nlp("データベースは Aurora PostgreSQL に移し、ログは Kinesis Data Firehose（今の Amazon Data Firehose）で送る。"
              "メトリクスは Amazon Managed Service for Prometheus に集める。")
    found = [(s.text, s.kb_id_) for s in doc.spans[MENTIONS_KEY] if s.label_ == "Service"]
    assert ("Aurora PostgreSQL", "svc:aurora") in found
    assert {kb for text, kb in found if "Firehose" in text} == {"svc:firehose"}
    assert ("Amazon Managed Service for Prometheus", "svc:amp") in found
