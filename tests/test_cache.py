"""The build cache: keys follow the post and the pipeline; a damaged entry is a miss."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from graphbuild.build.cache import ExtractionCache, pipeline_fingerprint
from graphbuild.ingest.posts import document_from_text
from graphbuild.nlp.pipeline import Pipeline
from graphbuild.nlp.vocabulary import DEFAULT_PATH
from tests.test_rdf import record


def test_an_entry_comes_back_equal_under_the_post_s_current_path(tmp_path):
    cache = ExtractionCache(tmp_path, "pipeline-1")
    document = document_from_text("AWS Summit Tokyo 2019 の参加レポートです。", source="old/place/post.txt")
    extraction = dataclasses.replace(record(), source=document.source)
    cache.put(document, extraction)
    assert cache.get(document) == extraction
    moved = dataclasses.replace(document, source="new/place/post.txt")
    assert cache.get(moved) == dataclasses.replace(extraction, source="new/place/post.txt")


def test_a_changed_text_or_pipeline_misses(tmp_path):
    document = document_from_text("本文です。")
    ExtractionCache(tmp_path, "pipeline-1").put(document, record())
    assert ExtractionCache(tmp_path, "pipeline-2").get(document) is None
    assert ExtractionCache(tmp_path, "pipeline-1").get(document_from_text("本文です。!")) is None


def test_the_fingerprint_changes_with_the_vocabulary_the_components_and_their_settings(tmp_path):
    vocabulary = tmp_path / "vocabulary.jsonl"
    vocabulary.write_bytes(DEFAULT_PATH.read_bytes())
    same = pipeline_fingerprint(Pipeline(vocabulary_path=vocabulary))
    assert pipeline_fingerprint(Pipeline(vocabulary_path=vocabulary)) == same
    assert pipeline_fingerprint(Pipeline()) == pipeline_fingerprint(None) == same  # the same bytes elsewhere
    assert pipeline_fingerprint(Pipeline(vocabulary_path=vocabulary).without("graphbuild_talks")) != same
    assert pipeline_fingerprint(Pipeline(vocabulary_path=vocabulary).configured(
        "graphbuild_relations", parse_stages=["tok2vec", "parser"])) != same
    vocabulary.write_bytes(DEFAULT_PATH.read_bytes() + b'{"id": "svc:new", "type": "Service", "name": "New"}\n')
    assert pipeline_fingerprint(Pipeline(vocabulary_path=vocabulary)) != same


def test_a_pipeline_is_one_hashable_picklable_value():
    import pickle

    pipeline = Pipeline().configured("graphbuild_relations", parse_stages=["tok2vec", "parser"])
    assert pickle.loads(pickle.dumps(pipeline)) == pipeline and hash(pipeline) == hash(pickle.loads(pickle.dumps(pipeline)))
    assert Pipeline().without("graphbuild_talks").components == tuple(
        c for c in Pipeline().components if c != "graphbuild_talks")


def test_a_damaged_entry_is_a_miss_not_an_error(tmp_path):
    cache = ExtractionCache(tmp_path, "pipeline-1")
    document = document_from_text("本文です。")
    key = cache.put(document, record()).key
    cache.path(key, "nt").write_bytes(b"\x1f\x8b not really gzip")
    assert cache.get_post(document) is None
    cache.path(key, "record").write_bytes(b"\x1f\x8b not really gzip")
    assert cache.get(document) is None and cache.get_post(document) is None


def test_every_module_that_makes_a_cached_entry_is_in_the_fingerprint():
    """A module that extraction imports but EXTRACTION_CODE leaves out would leave stale entries after it changed."""
    import subprocess
    import sys
    from fnmatch import fnmatch

    from graphbuild.build.cache import EXTRACTION_CODE, PACKAGE_DIR

    listing = ("import sys, graphbuild.build.executors, graphbuild.nlp.extract, graphbuild.nlp.pipeline as p; "
               "p._register_components(); print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
               "if n.startswith('graphbuild.') and getattr(m, '__file__', None)))")  # what a worker runs
    files = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True, check=True).stdout.split()
    used = {Path(f).resolve().relative_to(PACKAGE_DIR).as_posix() for f in files}
    assert "nlp/talks.py" in used
    left_out = {f for f in used if not any(fnmatch(f, pattern) for pattern in EXTRACTION_CODE)}
    left_out -= {"errors.py"} | {f for f in left_out if f.endswith("__init__.py")}
    assert not left_out, f"extraction imports {left_out}; add them to EXTRACTION_CODE"
