"""A build never deletes or reads what it should not: store folders, outputs inside the inputs, links out."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from graphbuild.build.job import SAMPLE_CORPUS, build
from graphbuild.cli import main
from graphbuild.errors import InputError
from graphbuild.build.safe_paths import STORE_MARKER, post_files


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_store_on_a_folder_of_posts_is_refused_and_the_posts_are_intact(tmp_path):
    posts = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, posts)
    before = _tree(posts)
    result = CliRunner().invoke(main, ["build", str(posts), "-o", str(tmp_path / "out"), "--store", str(posts),
                                       "--quiet"])
    assert result.exit_code == 1
    assert "not a graphbuild store" in result.output and "posts" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _tree(posts) == before


def test_store_on_a_file_is_refused_and_the_file_is_intact(tmp_path):
    precious = tmp_path / "precious.ttl"
    precious.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "-o", str(tmp_path / "out"), "--store", str(precious), "--quiet"])
    assert result.exit_code == 1 and "precious.ttl" in result.output and "not a folder" in result.output
    assert precious.read_text(encoding="utf-8") == "<urn:a> <urn:b> <urn:c> .\n"


def test_a_store_graphbuild_made_is_marked_and_may_be_replaced(nlp, tmp_path):
    store = tmp_path / "store"
    build(None, tmp_path / "out", nlp=nlp, store_dir=store, progress=False)
    assert (store / STORE_MARKER).exists()
    build(None, tmp_path / "out", nlp=nlp, store_dir=store, progress=False)  # the second build replaces it
    assert (store / STORE_MARKER).exists()


def test_outputs_inside_the_input_folder_are_not_read_as_posts(nlp, tmp_path):
    posts = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, posts)
    first = build([posts], posts, nlp=nlp, progress=False)
    second = build([posts], posts, nlp=nlp, progress=False)
    assert len(first.extractions) == len(second.extractions) == len(list(SAMPLE_CORPUS.iterdir()))
    assert not second.skipped


def test_a_link_out_of_the_input_folder_is_not_read(nlp, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:株式会社ヒミツ では AWS Lambda を採用しています。\n", encoding="utf-8")
    posts = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, posts)
    (posts / "passwd.txt").symlink_to(secret)
    report = build([posts], tmp_path / "out", nlp=nlp, progress=False)
    assert [path for path, _ in report.skipped] == [str(posts / "passwd.txt")]
    assert "outside" in report.skipped[0][1] and "--follow-links" in report.skipped[0][1]
    assert "root:x" not in (tmp_path / "out" / "graph.ttl").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "extractions" / "passwd.json").exists()
    followed = build([posts], tmp_path / "followed", nlp=nlp, progress=False, follow_links=True)
    assert not followed.skipped and "root:x" in (tmp_path / "followed" / "graph.ttl").read_text(encoding="utf-8")


def test_a_link_inside_the_folder_and_a_file_named_directly_are_read(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "a.txt").write_text("本文", encoding="utf-8")
    (posts / "b.txt").symlink_to(posts / "a.txt")
    outside = tmp_path / "c.txt"
    outside.write_text("本文", encoding="utf-8")
    files, refused = post_files([posts, outside], tmp_path / "out")
    assert [p.name for p in files] == ["a.txt", "b.txt", "c.txt"] and not refused


def test_a_build_with_only_a_link_out_says_why_nothing_was_read(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "x.txt").symlink_to("/etc/hostname")
    with pytest.raises(InputError, match="outside"):
        build([posts], tmp_path / "out", progress=False)


@pytest.mark.parametrize("layout", ["same", "out inside", "cache inside"])
def test_a_store_that_is_or_holds_the_output_or_cache_folder_is_refused(tmp_path, layout):
    store = tmp_path / "store"
    out = {"same": store, "out inside": store / "out", "cache inside": tmp_path / "out"}[layout]
    options = ["--cache", str(store / "cache")] if layout == "cache inside" else []
    result = CliRunner().invoke(main, ["build", "-o", str(out), "--store", str(store), "--quiet", *options])
    assert result.exit_code == 1 and "is or holds" in result.output and "--store" in result.output
    assert not store.exists()


def test_a_store_made_before_the_marker_existed_is_still_recognised(tmp_path):
    import pyoxigraph as ox

    from graphbuild.build.safe_paths import check_store_target

    store = tmp_path / "old-store"
    s = ox.Store(str(store))
    s.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.NamedNode("urn:c")))
    s.flush()
    del s
    check_store_target(store)  # only pyoxigraph's own files: a store, may be replaced
    (store / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not a graphbuild store"):
        check_store_target(store)
