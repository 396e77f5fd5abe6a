import spacy

from graphbuild.vocabulary_ruler import MENTIONS_KEY, RULE_PREFIX


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
