import json

import pytest
from click.testing import CliRunner
from rdflib import Graph

from graphbuild.build.job import SAMPLE_CORPUS
from graphbuild.cli import main
from tests.conftest import REPO

pytestmark = pytest.mark.model


def test_build_sample_corpus_writes_graph_map_and_extractions(sample_build):
    report, out = sample_build
    assert not report.skipped and len(report.extractions) == len(list(SAMPLE_CORPUS.iterdir()))
    assert len(Graph().parse(out / "graph.ttl", format="turtle")) == report.triples
    assert (out / "graph.html").read_text(encoding="utf-8").startswith("<html>")
    names = sorted(p.name for p in (out / "extractions").iterdir())
    assert names == sorted(p.stem + ".json" for p in SAMPLE_CORPUS.iterdir())


def test_validate_and_saved_queries_on_the_sample(sample_build):
    _, out = sample_build
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(out / "graph.ttl")]).exit_code == 0
    result = runner.invoke(main, ["query", str(out / "graph.ttl"), "talks-mentioning-service", "--param",
                                  "service=App Mesh", "--param", "event=AWS Summit Tokyo 2019", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [row["title"] for row in json.loads(result.output)] == ["マイクロサービスの通信をどう見える化するか"]
    result = runner.invoke(main, ["query", str(out / "graph.ttl"), str(REPO / "graphbuild/query/queries/companies-using-service.rq"),
                                  "--format", "csv"])
    assert "サンプルメディア" in result.output


def test_candidate_service_is_marked_in_the_sample(sample_build):
    _, out = sample_build
    result = CliRunner().invoke(main, ["query", str(out / "graph.ttl"), "candidate-services", "--format", "csv"])
    assert "Amazon CodeGuru" in result.output


def test_bad_input_gets_a_message_and_keeps_previous_output(sample_build, tmp_path):
    _, out = sample_build
    before = (out / "graph.ttl").read_bytes()
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = CliRunner().invoke(main, ["build", str(bad), "-o", str(out), "--quiet"])
    assert result.exit_code == 1 and "empty.txt" in result.output and "is empty" in result.output
    assert (out / "graph.ttl").read_bytes() == before


def test_validate_reports_a_broken_file(tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("this is not turtle", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1 and "broken.ttl" in result.output and "not valid Turtle" in result.output


def test_watch_rebuilds_when_a_post_changes_taking_the_others_from_the_cache(tmp_path):
    import shutil
    import subprocess
    import sys
    import time

    corpus, out = tmp_path / "posts", tmp_path / "out"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    command = [sys.executable, "-m", "graphbuild", "build", "--quiet", "--jobs", "1", "--watch", "--interval", "0.2",
               "-o", str(out), str(corpus)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("4 posts built (0 from the cache)"), first + process.stderr.read()
        assert "watching 4 posts" in process.stderr.readline()
        post = sorted(corpus.iterdir())[0]
        post.write_text(post.read_text(encoding="utf-8") + "\n株式会社ホシゾラ物流では Amazon EKS を採用しました。\n",
                        encoding="utf-8")
        started = time.monotonic()
        second = process.stdout.readline()
        assert second.startswith("4 posts built (3 from the cache)"), second
        assert time.monotonic() - started < 60
        assert "ホシゾラ物流" in (out / "graph.ttl").read_text(encoding="utf-8")
    finally:
        process.terminate()
        process.wait(timeout=30)
