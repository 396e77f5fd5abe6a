"""The pipeline is one value: every executor runs the pipeline a build is given, and the cache keys on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphbuild.build.cache import pipeline_fingerprint
from graphbuild.build.executors import open_executor
from graphbuild.build.job import build
from graphbuild.build.state import SAMPLE_CORPUS
from graphbuild.cli import main
from graphbuild.nlp.pipeline import Pipeline
from graphbuild.nlp.user_vocabulary import with_user_vocabulary

pytestmark = pytest.mark.model

MY_TERMS = '[companies]\n"ホシゾラ物流" = ["ホシゾラ"]\n[technologies]\n"Sakura DB" = []\n'
NEW_POST = "# ホシゾラ物流の事例\n\nホシゾラ物流では Sakura DB と AWS Fargate を使ってコンテナを動かしています。\n"


@pytest.fixture(scope="module")
def custom(tmp_path_factory) -> tuple[Pipeline, Path, Path]:
    """A pipeline with terms of its own, the TOML file they come from, and a corpus that names them."""
    tmp = tmp_path_factory.mktemp("custom")
    terms = tmp / "mine.toml"
    terms.write_text(MY_TERMS, encoding="utf-8")
    corpus = tmp / "posts"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    (corpus / "hoshizora.md").write_text(NEW_POST, encoding="utf-8")
    return Pipeline(vocabulary_path=with_user_vocabulary(terms)), terms, corpus


def _extractions(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "extractions").glob("*.json"))}


def test_worker_processes_and_dask_run_the_pipeline_they_are_given(custom, tmp_path):
    pipeline, terms, corpus = custom
    here = build([corpus], tmp_path / "here", nlp=pipeline, jobs=1, progress=False)
    assert not here.skipped  # a term only the custom vocabulary has is no KeyError
    assert "org:ホシゾラ物流" in (tmp_path / "here" / "graph.ttl").read_text(encoding="utf-8")
    workers = build([corpus], tmp_path / "workers", nlp=pipeline, jobs=2, progress=False)
    assert workers.cached == 0 and not workers.skipped
    assert _extractions(tmp_path / "workers") == _extractions(tmp_path / "here")
    result = CliRunner().invoke(main, ["build", str(corpus), "-o", str(tmp_path / "dask"), "--executor", "dask",
                                       "-j", "2", "--vocabulary", str(terms), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "0 skipped" in result.output
    assert _extractions(tmp_path / "dask") == _extractions(tmp_path / "here")


def test_a_custom_pipeline_has_its_own_cache_key(custom, nlp, tmp_path):
    pipeline, _, corpus = custom
    assert pipeline_fingerprint(pipeline) != pipeline_fingerprint(None) == pipeline_fingerprint(nlp)
    cache = tmp_path / "cache"
    build([corpus], tmp_path / "custom", nlp=pipeline, jobs=1, progress=False, cache_dir=cache)
    default = build([corpus], tmp_path / "default", nlp=nlp, progress=False, cache_dir=cache)
    assert default.cached == 0  # nothing the custom pipeline extracted is taken for the default one's
    named = {d: {e["id"] for e in _extractions(tmp_path / d)["hoshizora.json"]["entities"]} for d in ("custom", "default")}
    assert named["custom"] - named["default"] == {"org:ホシゾラ物流", "tech:sakuradb"}
    again = build([corpus], tmp_path / "again", nlp=pipeline, jobs=2, progress=False, cache_dir=cache)
    assert again.cached == len(again.extractions)


def test_a_loaded_pipeline_with_a_component_removed_is_another_pipeline(tmp_path):
    nlp = Pipeline().load()
    assert Pipeline.of(nlp) == Pipeline() and pipeline_fingerprint(nlp) == pipeline_fingerprint(None)
    nlp.remove_pipe("graphbuild_talks")
    assert Pipeline.of(nlp) is None
    assert pipeline_fingerprint(nlp) != pipeline_fingerprint(None)
    assert pipeline_fingerprint(Pipeline().without("graphbuild_talks")) != pipeline_fingerprint(None)
    with pytest.raises(ValueError, match="cannot run on worker processes"):
        build(None, tmp_path / "out", nlp=nlp, jobs=2, progress=False)
    assert not (tmp_path / "out").exists()


def test_one_dask_cluster_serves_every_rebuild(custom, tmp_path, monkeypatch):
    import distributed

    started = []

    class CountedCluster(distributed.LocalCluster):
        def __init__(self, *args, **kwargs):
            started.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", CountedCluster)
    pipeline, _, corpus = custom
    posts = tmp_path / "posts"
    shutil.copytree(corpus, posts)
    with open_executor("dask", 1) as dask:
        first = build([posts], tmp_path / "out", nlp=pipeline, executor=dask, progress=False)
        (posts / "hoshizora.md").write_text(NEW_POST + "\nホシゾラ物流は Amazon EKS も試しました。\n", encoding="utf-8")
        second = build([posts], tmp_path / "out", nlp=pipeline, executor=dask, progress=False)
    assert len(started) == 1
    assert second.cached == len(second.extractions) - 1 == len(first.extractions) - 1
