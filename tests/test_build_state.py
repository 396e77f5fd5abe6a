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


def test_the_kept_graph_is_written_as_changes_between_whole_copies(tmp_path):
    """A rebuild appends what it changed; reading gives back exactly what was saved, and once the
    changes reach half the whole copy's size a whole copy is written again."""
    from graphbuild.build.state import _read_kept, _write_kept

    kept = {"blocks": {f"s{i}": ("block", str(i) * 50) for i in range(2000)}, "posts": {"a": "1", "b": "2"},
            "network": ["a whole part"]}
    _write_kept(tmp_path, kept, None)
    assert not (tmp_path / "live-changes.pickle").exists()
    whole_copies = 0
    for n in range(1, 40):
        kept = _read_kept(tmp_path)
        opened = {name: dict(part) if isinstance(part, dict) else None for name, part in kept.items()}
        kept["blocks"].update({f"s{n * 40 + i}": ("changed", f"{n}-{i}" * 20) for i in range(100)})
        kept["blocks"][f"new{n}"] = ("added", str(n))
        del kept["blocks"][f"s{1000 + n}"]
        kept["posts"] = {**kept["posts"], "c": str(n)}  # a dict made anew
        kept["network"] = ["a whole part", n]
        expected = {name: dict(part) if isinstance(part, dict) else list(part) for name, part in kept.items()}
        _write_kept(tmp_path, kept, opened)
        assert _read_kept(tmp_path) == expected
        if n == 1:
            assert (tmp_path / "live-changes.pickle").stat().st_size < (tmp_path / "live.pickle").stat().st_size / 10
        whole_copies += not (tmp_path / "live-changes.pickle").exists()
    assert 1 <= whole_copies <= 6
