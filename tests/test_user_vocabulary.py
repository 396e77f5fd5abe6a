import json

import pytest
from click.testing import CliRunner

from graphbuild.cli import main
from graphbuild.errors import InputError
from graphbuild.nlp.user_vocabulary import user_entries, with_user_vocabulary

VOCABULARY = '[companies]\n"ホシゾラ物流" = ["ホシゾラ"]\n[technologies]\n"Kumogata DB" = ["KumogataDB"]\n'
POST = "導入事例\n\nホシゾラ物流では在庫データを Kumogata DB に置き、Amazon ECS で集計しています。\n"


def test_a_user_vocabulary_adds_terms_without_regenerating_the_shipped_one(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(VOCABULARY, encoding="utf-8")
    merged = with_user_vocabulary(path)
    ids = [json.loads(line)["id"] for line in open(merged, encoding="utf-8")]
    assert "org:ホシゾラ物流" in ids and "tech:kumogatadb" in ids and "svc:ecs" in ids
    assert with_user_vocabulary(path) == merged  # named by content: the same file for every executor


def test_a_bad_vocabulary_file_names_the_file_and_the_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[gadgets]\n"x" = []\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad.toml.*gadgets"):
        user_entries(path)
    result = CliRunner().invoke(main, ["extract", str(path), "--vocabulary", str(tmp_path / "none.toml")])
    assert result.exit_code == 1 and "none.toml: no such vocabulary file" in result.output


@pytest.mark.model
def test_extract_and_build_find_the_users_terms(tmp_path):
    vocabulary, post = tmp_path / "mine.toml", tmp_path / "posts" / "case.txt"
    vocabulary.write_text(VOCABULARY, encoding="utf-8")
    post.parent.mkdir()
    post.write_text(POST, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["extract", str(post), "--vocabulary", str(vocabulary)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert {"ホシゾラ物流", "Kumogata DB"} <= {e["name"] for e in record["entities"]}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = runner.invoke(main, ["build", str(post.parent), "-o", str(out), "--quiet", "-j", jobs,
                                      "--vocabulary", str(vocabulary)])
        assert result.exit_code == 0, result.output
        assert "Kumogata DB" in (out / "graph.ttl").read_text(encoding="utf-8")
