"""Sentence analyses kept per post: a changed post has only its new sentences analysed."""

from __future__ import annotations

import dataclasses
import os
import time

import pytest

from graphbuild.build.analysis_cache import AnalysisCache
from graphbuild.build.cache_upkeep import prune, record_use
from graphbuild.build.executors import extract_document
from graphbuild.ingest.posts import document_from_text
from graphbuild.nlp.pipeline import sentence_analysers

POST = ("# AWS Summit Tokyo 2019 参加レポート\n\n"
        "登壇者: 株式会社ほしぞら物流 山田 太郎さん\n\n"
        "ほしぞら物流では Amazon EKS と AWS Fargate を本番で使っています。\n"
        "ログは Amazon CloudWatch Logs に集め、AWS App Mesh でサービス間の通信を見ています。\n")


class _Counting:
    """The analysers' `nlp`, noting each text they make a `Doc` of (the texts they analyse anew)."""

    def __init__(self, nlp, texts: list[str]) -> None:
        self._nlp, self._texts = nlp, texts

    def make_doc(self, text):
        self._texts.append(text)
        return self._nlp.make_doc(text)

    def __getattr__(self, name):
        return getattr(self._nlp, name)


@pytest.fixture
def analysed_texts(nlp, monkeypatch):
    """The texts the pipeline's sentence analysers analyse from here on (none remembered in memory)."""
    texts: list[str] = []
    for analyser in sentence_analysers(nlp).values():
        monkeypatch.setattr(analyser, "_cache", type(analyser._cache)())
        monkeypatch.setattr(analyser, "nlp", _Counting(analyser.nlp, texts))
    return texts


def _forget(nlp) -> None:
    for analyser in sentence_analysers(nlp).values():
        analyser._cache.clear()


def test_a_changed_post_is_analysed_again_only_where_it_changed(nlp, tmp_path, analysed_texts):
    analyses = AnalysisCache.of(tmp_path, "this pipeline")
    document = document_from_text(POST)
    first = extract_document(document, nlp=nlp, analyses=analyses)
    assert first.extraction is not None and analyses.path(document.name).exists()
    everything = len(analysed_texts)
    assert everything > 0

    changed = dataclasses.replace(document, text=document.text + "株式会社ほしぞら物流では Amazon Aurora も採用しました。\n")
    _forget(nlp)
    analysed_texts.clear()
    reused = extract_document(changed, nlp=nlp, analyses=analyses)
    assert 0 < len(analysed_texts) < everything  # the new sentence only
    assert all("Aurora" in text for text in analysed_texts)

    _forget(nlp)
    fresh = extract_document(changed, nlp=nlp)
    assert reused.output_json == fresh.output_json and reused.ntriples == fresh.ntriples


def test_analyses_of_another_pipeline_or_a_damaged_file_are_not_used(nlp, tmp_path, analysed_texts):
    document = document_from_text(POST)
    extract_document(document, nlp=nlp, analyses=AnalysisCache.of(tmp_path, "one pipeline"))
    other = AnalysisCache.of(tmp_path, "another pipeline")
    assert other.read(document.name) == {}
    other.path(document.name).write_bytes(b"not an analysis file")
    assert other.read(document.name) == {}
    _forget(nlp)
    analysed_texts.clear()
    outcome = extract_document(document, nlp=nlp, analyses=other)
    assert outcome.extraction is not None and analysed_texts  # analysed afresh, the file replaced
    assert other.read(document.name)


def test_the_analyses_of_posts_no_recent_build_used_are_pruned(tmp_path):
    analyses = AnalysisCache.of(tmp_path, "fingerprint")
    for name in ("kept.md", "gone.md"):
        analyses.write(name, {"graphbuild_relations": {"文": b"bytes"}})
        old = time.time() - 2 * 86400
        os.utime(analyses.path(name), (old, old))
    record_use(tmp_path, [AnalysisCache.key("kept.md")])
    prune(tmp_path)
    assert analyses.read("kept.md") and not analyses.path("gone.md").exists()
