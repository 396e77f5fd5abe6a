"""The last build's graph kept in the cache folder: a shell rebuild updates it in place."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from graphbuild.build.job import SAMPLE_CORPUS, build
from graphbuild.build.state import BuildState, up_to_date
from graphbuild.build.live_graph import LiveGraph
from tests.test_build import _outputs

pytestmark = pytest.mark.model


def test_a_rebuild_opens_the_kept_graph_and_gives_the_bytes_of_a_fresh_build(nlp, tmp_path, monkeypatch):
    """Change one post, add one, remove one: each rebuild swaps those posts only, and its outputs
    equal those of a fresh build that does not use the kept state (built through a store folder)."""
    corpus, out = tmp_path / "posts", tmp_path / "out"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    build([corpus], out, nlp=nlp, progress=False)
    posts = sorted(corpus.iterdir())
    steps = [
        lambda: posts[0].write_text(posts[0].read_text(encoding="utf-8")
                                    + "\n株式会社ほしぞら物流では Amazon EKS と AWS Fargate を採用しました。\n", encoding="utf-8"),
        lambda: (corpus / "added.md").write_text(
            "# 新しい記事\n\nAWS Summit Tokyo 2019 のセッションでは Amazon EKS と AWS App Mesh が紹介されました。\n",
            encoding="utf-8"),
        lambda: posts[1].unlink(),
    ]

    def no_reload(self, added):
        raise AssertionError("the kept graph was loaded again from every post")

    for n, change in enumerate(steps):
        change()
        with monkeypatch.context() as m:
            m.setattr(LiveGraph, "_load", no_reload)
            report = build([corpus], out, nlp=nlp, progress=False)
        assert report.cached == len(report.extractions) - (n < 2)
        build([corpus], tmp_path / f"fresh-{n}", nlp=nlp, progress=False, store_dir=tmp_path / f"fresh-store-{n}")
        assert _outputs(out) == _outputs(tmp_path / f"fresh-{n}")
    assert up_to_date([corpus], out) is not None


def test_nothing_to_do_is_known_without_spacy_and_leaves_the_outputs_untouched(nlp, tmp_path):
    corpus, out = tmp_path / "posts", tmp_path / "out"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    build([corpus], out, nlp=nlp, progress=False)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and ".graphbuild-cache" not in p.parts}
    script = ("import sys; from graphbuild.cli import main\n"
              f"main(['build', {str(corpus)!r}, '-o', {str(out)!r}, '--quiet'], standalone_mode=False)\n"
              "assert 'spacy' not in sys.modules, 'spaCy was imported'\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "4 posts unchanged since the last build" in run.stdout
    assert {p: p.stat().st_mtime_ns for p in before} == before

    (out / "graph.html").unlink()  # an output gone: build again
    assert up_to_date([corpus], out) is None
    build([corpus], out, nlp=nlp, progress=False)
    assert up_to_date([corpus], out) is not None
    (corpus / "new.txt").write_text("AWS Lambda の話。\n", encoding="utf-8")  # a post added
    assert up_to_date([corpus], out) is None


def test_a_pipeline_change_or_a_failed_build_leaves_no_state_to_trust(nlp, tmp_path):
    out = tmp_path / "out"
    build(None, out, nlp=nlp, progress=False)
    state = BuildState(out / ".graphbuild-cache", out)
    live = state.open("another pipeline fingerprint")
    assert live.posts == {}  # started afresh
    del live
    assert up_to_date([SAMPLE_CORPUS], out) is None  # opened for a change that never finished
    build(None, out, nlp=nlp, progress=False)
    assert up_to_date([SAMPLE_CORPUS], out) is not None
