import json

import pytest

from graphbuild.errors import GoldError
from graphbuild.evaluate import evaluate, format_evaluation, load_gold
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
