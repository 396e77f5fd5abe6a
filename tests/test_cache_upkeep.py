"""The cache under damage and growth: every corrupted entry is detected, reported once and
recomputed; entries no recent build used are removed; the size limit holds."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import time

import pytest

from graphbuild.build.job import SAMPLE_CORPUS, build
from graphbuild.build.cache import PARTS, ExtractionCache
from graphbuild.build.cache_upkeep import USES, prune, record_use
from graphbuild.ingest.posts import document_from_text
from tests.test_build import _outputs
from tests.test_rdf import record

CORRUPTIONS = 240


def _mutations(rng: random.Random, data: bytes, other: bytes):
    """Ways a cache file gets damaged: cut short, bytes flipped, zeroed, replaced, swapped with another entry's."""
    cut = rng.randrange(len(data))
    flip = rng.randrange(len(data))
    flipped = bytearray(data)
    flipped[flip] ^= 1 << rng.randrange(8)
    inner = gzip.decompress(data)
    pos = rng.randrange(len(inner))
    changed = bytearray(inner)
    changed[pos] ^= 0x20
    return [
        ("truncated", data[:cut]),
        ("one bit flipped", bytes(flipped)),
        ("zeroed", bytes(len(data))),
        ("empty", b""),
        ("random bytes", rng.randbytes(rng.randrange(1, 400))),
        ("payload changed, gzip valid", gzip.compress(bytes(changed))),
        ("another entry's file", other),
        ("gzip of no header", gzip.compress(inner.partition(b"\n")[2])),
    ]


def _same_content(damaged: bytes, original: bytes) -> bool:
    try:
        return gzip.decompress(damaged) == gzip.decompress(original)
    except Exception:
        return False


def test_every_corrupted_entry_is_detected_reported_once_and_recomputed(tmp_path):
    rng = random.Random(16)
    cache = ExtractionCache(tmp_path, "pipeline-1")
    other_doc = document_from_text("別の投稿です。")
    other_key = cache.put(other_doc, record()).key
    tried = 0
    while tried < CORRUPTIONS:
        document = document_from_text(f"本文 {tried} です。")
        key = cache.put(document, record()).key
        part = PARTS[tried % len(PARTS)]
        path = cache.path(key, part)
        original = path.read_bytes()
        for kind, damaged in _mutations(rng, original, cache.path(other_key, part).read_bytes()):
            if _same_content(damaged, original):
                continue  # a bit of the gzip header (its time stamp) that changes nothing read
            cache.put(document, record())
            cache.path(key, part).write_bytes(damaged)
            cache.damaged.clear()
            read = cache.get if part == "record" else cache.get_post  # what reads that part
            assert read(document) is None, kind
            assert list(cache.damaged) == [key], kind  # reported, once
            assert not any(cache.path(key, p).exists() for p in PARTS), kind  # removed: the post is extracted again
            cache.damaged.clear()
            assert read(document) is None and not cache.damaged  # gone now, no second report
            cache.put(document, record())
            assert cache.get_post(document) is not None and cache.get(document).doc_id == record().doc_id, kind
            tried += 1
    assert cache.get(other_doc).doc_id == record().doc_id
    print(f"{tried} corrupted cache entries tried, every one detected and recomputed")


def test_an_entry_of_another_version_is_ignored_not_reported(tmp_path):
    document = document_from_text("本文です。")
    old = ExtractionCache(tmp_path, "pipeline-1")
    key = old.put(document, record()).key
    new = ExtractionCache(tmp_path, "pipeline-2")
    for part in PARTS:  # the same file name holding another version's entry
        shutil.copy(old.path(key, part), tmp_path / "copy")
        os.makedirs(new.path(new.key(document), part).parent, exist_ok=True)
        shutil.copy(tmp_path / "copy", new.path(new.key(document), part))
    assert new.get_post(document) is None and not new.damaged


@pytest.mark.model
def test_a_build_reports_a_damaged_entry_once_and_gives_the_same_outputs(nlp, tmp_path):
    out = tmp_path / "out"
    first = build(None, out, nlp=nlp, progress=False)
    expected = _outputs(out)
    cache = first.extractions.cache
    key = first.extractions.keys[1]
    path = cache.path(key, "nt")
    path.write_bytes(path.read_bytes()[:40])  # cut short, as by a full disk or a crash
    # a rebuild that can use the last build's graph state reads no cache entry of an unchanged post
    shutil.rmtree(cache.directory / "graph-state")
    second = build(None, out, nlp=nlp, progress=False)
    assert len(second.damaged) == 1 and "gzip" in second.damaged[0][1]
    posts = len(first.extractions)
    assert second.cached == posts - 1 and "extracted again" in second.summary()
    assert _outputs(out) == expected
    third = build(None, out, nlp=nlp, progress=False)
    assert not third.damaged and third.cached == posts


@pytest.mark.model
def test_entries_no_recent_build_used_are_pruned_and_temporary_files_swept(nlp, tmp_path):
    posts, out = tmp_path / "posts", tmp_path / "out"
    shutil.copytree(SAMPLE_CORPUS, posts)
    report = build([posts], out, nlp=nlp, progress=False)
    cache = report.extractions.cache
    old_key = report.extractions.keys[0]
    first = sorted(posts.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n追記です。\n", encoding="utf-8")
    stale_tmp = cache.path(old_key, "nt").with_name(".stale.nt.gz.1234.tmp")
    stale_tmp.write_bytes(b"half")
    long_ago = time.time() - 7200
    for path in [*(cache.path(old_key, p) for p in PARTS), stale_tmp]:
        os.utime(path, (long_ago, long_ago))
    for _ in range(4):  # the old version of the post was used by the first build only
        report = build([posts], out, nlp=nlp, progress=False)
    assert not any(cache.path(old_key, p).exists() for p in PARTS)
    assert not stale_tmp.exists()
    assert all(cache.path(k, p).exists() for k in report.extractions.keys for p in PARTS)
    assert len(list((cache.directory / USES).glob("*.keys"))) == 3


def test_the_size_limit_keeps_the_last_build_and_drops_the_longest_unused(tmp_path):
    cache = ExtractionCache(tmp_path, "pipeline-1")
    builds = []
    for n in range(3):
        keys = [cache.put(document_from_text(f"投稿 {n} {m} " + "あ" * 2000), record()).key for m in range(3)]
        builds.append(keys)
        record_use(tmp_path, keys)
    kept = sum(cache.path(k, p).stat().st_size for k in builds[1] + builds[2] for p in PARTS)
    result = prune(tmp_path, limit_bytes=kept + 10, grace_seconds=-1)
    assert result.entries == 3
    assert not any(cache.path(k, "nt").exists() for k in builds[0])  # the longest unused
    assert all(cache.path(k, "nt").exists() for k in builds[1] + builds[2])
    prune(tmp_path, limit_bytes=1, grace_seconds=-1)
    assert all(cache.path(k, "nt").exists() for k in builds[2])  # the last build's own entries always stay
