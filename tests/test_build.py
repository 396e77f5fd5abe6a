"""The main job under stress: hostile inputs, repeated builds, and builds killed at random points."""

from __future__ import annotations

import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from graphbuild.build.job import SAMPLE_CORPUS, build
from graphbuild.errors import InputError
from graphbuild.outputs.export import read_turtle, serialize
from graphbuild.nlp.extract import extract
from graphbuild.ingest.posts import document_from_text
from graphbuild.nlp.pipeline import process_one
from graphbuild.graph.store import to_rdf
from graphbuild.graph.validate import validate_graph
from tests.hostile_corpus import expected_skips, write_hostile_corpus

pytestmark = pytest.mark.model


def assert_valid_rdf(path: Path) -> None:
    """Parse with two strict parsers of their own (pyoxigraph, and raptor's rapper when present) and check the shapes."""
    data = path.read_bytes()
    assert list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    rapper = shutil.which("rapper")
    if rapper is None and os.environ.get("CI"):
        pytest.fail("CI needs rapper (apt-get install raptor2-utils)")
    if rapper is not None:
        run = subprocess.run([rapper, "-i", "turtle", "-c", str(path)], capture_output=True, text=True)
        assert run.returncode == 0 and "error" not in run.stderr.lower(), run.stderr
    conforms, report = validate_graph(read_turtle(path))
    assert conforms, report


@pytest.fixture(scope="module")
def hostile_build(nlp, tmp_path_factory):
    corpus = write_hostile_corpus(tmp_path_factory.mktemp("hostile") / "corpus")
    out = tmp_path_factory.mktemp("hostile-out")
    return build([corpus], out, nlp=nlp, progress=False), corpus, out


def test_hostile_corpus_builds_with_a_clear_message_for_every_skipped_file(hostile_build):
    report, corpus, out = hostile_build
    inputs = [p for p in corpus.iterdir() if not p.name.startswith(".") and not p.is_dir()]
    assert len(inputs) >= 50
    skipped = {Path(path).name: reason for path, reason in report.skipped}
    assert len(report.extractions) + len(skipped) == len(inputs)  # every input built or reported
    expected = expected_skips()
    assert set(skipped) == set(expected), skipped
    for name, word in expected.items():
        assert word in skipped[name], (name, skipped[name])
    assert not any("bug" in reason for reason in skipped.values())  # no extraction crashed
    summary = report.summary()
    assert all(name in summary for name in skipped)


def test_hostile_corpus_gives_valid_rdf_and_a_safe_map(hostile_build):
    report, _, out = hostile_build
    assert_valid_rdf(out / "graph.ttl")
    page = (out / "graph.html").read_text(encoding="utf-8")
    for raw in ("<img src=x onerror", "<script>alert", "</script><script>"):
        assert raw not in page
    names = {e.name for ex in report.extractions for e in ex.entities}
    assert any("onerror" in n for n in names)  # the hostile name is in the graph, as text


def test_strict_build_stops_at_the_first_bad_file(nlp, tmp_path):
    corpus = tmp_path / "posts"
    corpus.mkdir()
    (corpus / "a-empty.txt").write_bytes(b"")
    (corpus / "b-good.txt").write_text("AWS Lambda の話。", encoding="utf-8")
    with pytest.raises(InputError, match="a-empty.txt: is empty"):
        build([corpus], tmp_path / "out", nlp=nlp, strict=True, progress=False)
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_a_failed_build_leaves_the_previous_outputs(nlp, tmp_path, sample_build):
    _, previous = sample_build
    out = tmp_path / "out"
    shutil.copytree(previous, out, symlinks=True)
    before = {p.name: p.read_bytes() for p in out.glob("graph.*")}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match="nothing written"):
        build([bad], out, nlp=nlp, progress=False)
    assert {p.name: p.read_bytes() for p in out.glob("graph.*")} == before


def test_two_builds_of_the_same_input_give_identical_bytes(nlp, tmp_path, sample_build):
    _, first = sample_build
    second = tmp_path / "again"
    build(None, second, nlp=nlp, progress=False)
    for name in ("graph.ttl", "graph.html", *(f"extractions/{p.name}" for p in (first / "extractions").iterdir())):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


KILL_TRIALS = 20


def test_a_build_killed_at_any_point_leaves_the_previous_outputs_intact(tmp_path):
    """Previous outputs come from three sample posts, the killed build would write four: after
    each SIGKILL, graph.ttl, graph.html and extractions/ together are the old set or the new one."""
    posts = sorted(SAMPLE_CORPUS.iterdir())
    old_posts = tmp_path / "old-posts"
    old_posts.mkdir()
    for p in posts[:-1]:
        shutil.copy(p, old_posts / p.name)
    command = [sys.executable, "-m", "graphbuild", "build", "--quiet", "-o"]
    old, new = tmp_path / "old", tmp_path / "new"
    subprocess.run([*command, str(old), str(old_posts)], check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run([*command, str(new), str(SAMPLE_CORPUS)], check=True, capture_output=True)
    full = time.monotonic() - started
    versions = {name: {(old / name).read_bytes(), (new / name).read_bytes()} for name in ("graph.ttl", "graph.html")}
    assert all(len(v) == 2 for v in versions.values())
    sets = {_digest(old): "old", _digest(new): "new"}
    assert len(sets) == 2

    rng = random.Random(7)
    # half the kills anywhere, half in the last fifth of the run, where the files are written
    delays = [rng.uniform(0, full) for _ in range(KILL_TRIALS // 2)] + \
             [rng.uniform(0.8 * full, 1.05 * full) for _ in range(KILL_TRIALS - KILL_TRIALS // 2)]
    outcomes = []
    for n, delay in enumerate(delays):
        out = tmp_path / f"trial-{n}"
        shutil.copytree(old, out, symlinks=True)
        process = subprocess.Popen([*command, str(out), str(SAMPLE_CORPUS)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for name, allowed in versions.items():
            assert (out / name).read_bytes() in allowed, f"trial {n}: {name} after a kill at {delay:.2f} s"
        assert _digest(out) in sets, f"trial {n}: a mixed set of outputs after a kill at {delay:.2f} s"
        assert_parses(out / "graph.ttl")
        outcomes.append((out / "graph.ttl").read_bytes() == (new / "graph.ttl").read_bytes())
    print(f"{KILL_TRIALS} kills over a {full:.1f} s build: {sum(outcomes)} finished the new graph, "
          f"{len(outcomes) - sum(outcomes)} left the old one")


def assert_parses(path: Path) -> None:
    assert list(ox.parse(path.read_bytes(), format=ox.RdfFormat.TURTLE))


# Pieces a post is made of, so that generated texts hit the vocabulary, the rules and the
# talk detector as well as arbitrary characters.
FRAGMENTS = ["AWS Lambda", "Amazon ECS", "ECS", "Fargate", "Amazon Foo{Bar}", "株式会社", "(株)", "様", "さん",
             "AWS Summit Tokyo 2019", "re:Invent", "「", "」", "@someone", "で採用しています。", "は使わず",
             "\n", "\n\n", "。", "、", "13:00-13:40 ", "<img src=x onerror=alert(1)>", '"', "\\", "#", " ", "\u3000"]
post_texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), min_size=1, max_size=30).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=post_texts)
def test_any_text_gives_a_valid_graph_with_evidence_at_its_offsets_and_the_same_bytes_twice(nlp, text):
    document = document_from_text(text)
    assume(document.text.strip())
    record = extract(document, process_one(nlp, document))
    for evidence in [m.evidence for m in record.mentions] + [e for r in record.relations for e in r.evidence]:
        assert document.text[evidence.start:evidence.end] == evidence.text
        assert evidence.text in evidence.sentence
    turtle = serialize(to_rdf([record]))
    assert list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))  # a strict parser of its own accepts it
    conforms, report = validate_graph(read_turtle(io.BytesIO(turtle)))
    assert conforms, report
    again = extract(document, process_one(nlp, document))
    assert serialize(to_rdf([again])) == turtle


def _outputs(out: Path) -> dict[str, bytes]:
    files = [out / "graph.ttl", out / "graph.trig", out / "graph.html", *sorted((out / "extractions").iterdir())]
    return {str(p.relative_to(out)): p.read_bytes() for p in files}


def _digest(out: Path) -> str:
    """One hash of the whole output set (every file's name and bytes)."""
    import hashlib

    h = hashlib.sha256()
    for name, data in sorted(_outputs(out).items()):
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def test_a_dask_build_on_a_local_cluster_gives_the_same_bytes_as_the_local_build(sample_build, tmp_path):
    distributed = pytest.importorskip("distributed")
    _, local = sample_build
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        report = build(None, tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address, progress=False)
        assert len(cluster.scheduler.workers) == 2
    assert report.cached == 0 and not report.skipped
    assert _outputs(tmp_path / "dask") == _outputs(local)


def test_two_worker_processes_give_the_same_bytes_as_one_process_and_share_its_cache(nlp, sample_build, tmp_path):
    _, local = sample_build
    report = build(None, tmp_path / "pool", jobs=2, progress=False)
    assert report.cached == 0 and report.seconds["nlp"] > 0
    assert _outputs(tmp_path / "pool") == _outputs(local)
    again = build(None, tmp_path / "pool", nlp=nlp, progress=False)  # the same pipeline, loaded here
    assert again.cached == len(again.extractions) == len(report.extractions)


def test_a_rebuild_extracts_only_the_changed_post_and_gives_the_graph_of_a_fresh_build(nlp, tmp_path):
    corpus = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    first = build([corpus], tmp_path / "out", nlp=nlp, progress=False)
    assert first.cached == 0
    changed = sorted(corpus.iterdir())[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n株式会社ほしぞら物流では Amazon EKS を採用しました。\n",
                       encoding="utf-8")
    again = build([corpus], tmp_path / "out", nlp=nlp, progress=False)
    assert again.cached == len(first.extractions) - 1
    assert "ほしぞら物流" in (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    fresh = build([corpus], tmp_path / "fresh", nlp=nlp, progress=False)
    assert fresh.cached == 0
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "fresh")


def test_a_store_folder_answers_queries_like_the_turtle_file_and_survives_a_failed_build(nlp, tmp_path):
    from graphbuild.query.sparql import load_store, read_query, run_query

    out, store = tmp_path / "out", tmp_path / "store"
    build(None, out, nlp=nlp, store_dir=store, progress=False)
    query = read_query(str(REPO_QUERIES / "talks-per-event.rq"))
    expected = run_query(load_store(out / "graph.ttl"), query)
    assert expected.rows and run_query(load_store(store), query) == expected
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\x01")
    with pytest.raises(InputError):
        build([bad], out, nlp=nlp, store_dir=store, progress=False)
    assert run_query(load_store(store), query) == expected


REPO_QUERIES = Path(__file__).resolve().parent.parent / "graphbuild" / "query" / "queries"


def test_a_corpus_too_big_for_memory_is_built_on_disk_with_the_same_bytes(nlp, sample_build, tmp_path, monkeypatch):
    import graphbuild.build.job

    monkeypatch.setattr(graphbuild.build.job, "IN_MEMORY_POSTS", 1)
    build(None, tmp_path / "disk", nlp=nlp, progress=False)
    assert _outputs(tmp_path / "disk") == _outputs(sample_build[1])
    assert not list((tmp_path / "disk").glob(".graph-store.*"))  # the temporary store is gone


def test_a_live_graph_brought_up_to_date_gives_the_bytes_of_a_fresh_build(nlp, tmp_path):
    """What --watch does: change a post, add one, remove one; each time the outputs equal a fresh build's."""
    from graphbuild.build.live_graph import LiveGraph

    corpus, out = tmp_path / "posts", tmp_path / "out"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    live = LiveGraph()
    build([corpus], out, nlp=nlp, progress=False, live=live)
    posts = sorted(corpus.iterdir())
    assert (out / "extractions" / f"{posts[1].stem}.json").exists()
    steps = [
        lambda: posts[0].write_text(posts[0].read_text(encoding="utf-8")
                                    + "\n株式会社ほしぞら物流では Amazon EKS と AWS Fargate を採用しました。\n", encoding="utf-8"),
        lambda: (corpus / "added.md").write_text(
            "# 新しい記事\n\nAWS Summit Tokyo 2019 のセッションでは Amazon EKS と Amazon ECS、AWS App Mesh が紹介されました。\n",
            encoding="utf-8"),
        lambda: posts[1].unlink(),
    ]
    for n, change in enumerate(steps):
        change()
        report = build([corpus], out, nlp=nlp, progress=False, live=live)
        assert report.cached == len(report.extractions) - (n < 2)  # only the changed or added post is extracted
        fresh = build([corpus], tmp_path / f"fresh-{n}", nlp=nlp, progress=False)
        assert _outputs(out) == _outputs(tmp_path / f"fresh-{n}")
    assert "ほしぞら物流" in (out / "graph.ttl").read_text(encoding="utf-8")
    assert not (out / "extractions" / f"{posts[1].stem}.json").exists()
    assert len(fresh.extractions) == len(posts)


def test_a_post_that_names_an_entity_by_another_of_its_spellings_moves_its_preferred_label(tmp_path):
    """The preferred label counts the posts that call an entity by each name (`rdfs:label`), not only its
    spellings: a post whose spellings stay the same but whose label changes relabels the entity."""
    from graphbuild.build.cache import CachedPost
    from graphbuild.build.live_graph import LiveGraph

    def post(name: str, label: str, *spellings: str) -> CachedPost:
        entity = "<https://w3id.org/graphbuild/id/technology/foo>"
        lines = [f'{entity} <http://www.w3.org/2000/01/rdf-schema#label> "{label}" .',
                 f"{entity} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/graphbuild/ontology#Technology> ."]
        lines += [f'{entity} <https://w3id.org/graphbuild/ontology#spelling> "{s}" .' for s in spellings]
        return CachedPost(f"{name}-{label}", ("\n".join(lines) + "\n").encode(), b"")

    live = LiveGraph()
    live.update({"a": post("a", "Foo", "Foo", "FOO"), "b": post("b", "Foo", "Foo")}, removed=())
    live.update({"a": post("a", "FOO", "Foo", "FOO")}, removed=())
    fresh = LiveGraph()
    fresh.update({"a": post("a", "FOO", "Foo", "FOO"), "b": post("b", "Foo", "Foo")}, removed=())
    live.write_turtle(tmp_path / "live.ttl")
    fresh.write_turtle(tmp_path / "fresh.ttl")
    assert (tmp_path / "live.ttl").read_text(encoding="utf-8") == (tmp_path / "fresh.ttl").read_text(encoding="utf-8")
    assert 'skos:prefLabel "FOO"' in (tmp_path / "fresh.ttl").read_text(encoding="utf-8")  # a tie: code point order


def test_a_live_graph_is_not_kept_for_a_corpus_too_big_for_memory(nlp, sample_build, tmp_path, monkeypatch):
    import graphbuild.build.job
    from graphbuild.build.live_graph import LiveGraph

    live = LiveGraph()
    build(None, tmp_path / "small", nlp=nlp, progress=False, live=live)
    assert live.posts
    monkeypatch.setattr(graphbuild.build.job, "IN_MEMORY_POSTS", 1)
    build(None, tmp_path / "big", nlp=nlp, progress=False, live=live)
    assert not live.posts  # forgotten: built on disk, and a later live build starts afresh
    assert _outputs(tmp_path / "big") == _outputs(sample_build[1])
