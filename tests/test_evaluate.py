import json

import pytest

from graphbuild.errors import GoldError
from graphbuild.nlp.evaluate import evaluate, format_evaluation, load_gold
from tests.test_rdf import record


def test_scores_match_aliases_after_normalisation(tmp_path):
    gold = {"doc": "post.txt", "title": "t", "author": None,
            "entities": [{"id": "svc:ecs", "type": "Service", "name": "Amazon Elastic Container Service", "aliases": ["ECS"]},
                         {"id": "svc:s3", "type": "Service", "name": "Amazon S3", "aliases": ["S3"]},
                         {"id": "org:x", "type": "Company", "name": "サンプル商事", "aliases": ["サンプル 商事"]}],
            "relations": [{"s": "org:x", "p": "uses", "o": "svc:ecs"}]}
    (tmp_path / "post.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    result = evaluate([record()], load_gold(tmp_path))
    service = result.scores["Service"]
    assert (service.correct_predicted, service.predicted, service.found_gold, service.gold) == (1, 2, 1, 2)
    assert result.scores["Company"].f1 == 1.0 and result.scores["uses"].f1 == 1.0
    assert "Amazon Foo" in format_evaluation(result, errors=True)


def test_bad_gold_file_names_the_file(tmp_path):
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(GoldError, match="broken.json"):
        load_gold(tmp_path)


def _gold_file(tmp_path, entities, relations=()):
    gold = {"doc": "post.txt", "title": "t", "author": None, "entities": entities, "relations": list(relations)}
    (tmp_path / "post.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return load_gold(tmp_path)


def _extraction(entities):
    from graphbuild.nlp.records import Entity, Extraction
    return Extraction("d", "post", "posts/post.txt", "t", 10,
                      tuple(Entity(i, t, n, tuple(a)) for i, t, n, a in entities), (), ())


def test_matching_is_one_to_one(tmp_path):
    """Three spellings of one person, extracted as three entities, are one correct and two wrong."""
    gold = _gold_file(tmp_path, [{"id": "p", "type": "Person", "name": "山田 太郎", "aliases": ["山田 太郎", "山田さん", "@yamada"]}])
    ex = _extraction([("a", "Person", "山田 太郎", ["山田 太郎"]), ("b", "Person", "山田さん", ["山田さん"]),
                      ("c", "Person", "yamada", ["@yamada"])])
    person = evaluate([ex], gold).scores["Person"]
    assert (person.correct_predicted, person.predicted, person.found_gold) == (1, 3, 1)


def test_talk_titles_match_without_session_code_and_when_similar(tmp_path):
    gold = _gold_file(tmp_path, [
        {"id": "t1", "type": "Talk", "name": "ARC303-R: Designing for resilience", "aliases": []},
        {"id": "t2", "type": "Talk", "name": "Amazon ECS と AWS Fargate で始めるコンテナ運用の次の一歩", "aliases": []}])
    ex = _extraction([("x", "Talk", "Designing for resilience:", []),
                      ("y", "Talk", "ECS と Fargate で始めるコンテナ運用の次の一歩", [])])
    assert evaluate([ex], gold).scores["Talk"].found_gold == 2


def test_a_post_without_gold_is_an_error(tmp_path):
    gold = _gold_file(tmp_path, [])
    ex = _extraction([])
    ex = type(ex)(**{**ex.__dict__, "source": "posts/other.txt"})
    with pytest.raises(GoldError, match="other.txt.*no gold"):
        evaluate([ex], gold)
