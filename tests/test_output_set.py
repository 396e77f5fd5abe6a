"""All-or-nothing outputs: one build at a time per folder, a whole set switched in one step, a full disk survived."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from graphbuild.build.job import SAMPLE_CORPUS, build
from graphbuild.build.lock import LOCK_FILE, build_lock
from graphbuild.errors import OutputError
from tests.test_build import _digest, _outputs

pytestmark = pytest.mark.model

COMMAND = [sys.executable, "-m", "graphbuild", "build", "--quiet"]


def test_two_builds_started_at_once_both_finish_with_the_bytes_of_a_single_build(sample_build, tmp_path):
    _, single = sample_build
    cache = ["--cache", str(single / ".graphbuild-cache")]  # extracted already: the builds only write
    out = tmp_path / "out"
    builds = [subprocess.Popen([*COMMAND, *cache, "-o", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    results = [(b.wait(timeout=300), b.stderr.read()) for b in builds]
    assert [code for code, _ in results] == [0, 0], results
    assert not any("Traceback" in err for _, err in results)
    assert _outputs(out) == _outputs(single)
    assert len(list((out / ".generations").iterdir())) <= 2  # the current set and the one it replaced


def test_a_second_build_waits_with_a_message_or_refuses_with_no_wait(sample_build, tmp_path):
    _, single = sample_build
    cache = ["--cache", str(single / ".graphbuild-cache")]
    out = tmp_path / "out"
    with build_lock(out):
        refused = subprocess.run([*COMMAND, *cache, "--no-wait", "-o", str(out)], capture_output=True, text=True,
                                 timeout=300)
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [
            f"graphbuild: error: {out}: another graphbuild build (pid {os.getpid()}) is writing here; "
            "not waiting (--no-wait)"]
        waiting = subprocess.Popen([*COMMAND, *cache, "-o", str(out)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        assert "waiting for it to finish" in waiting.stderr.readline()
        assert waiting.poll() is None and not (out / "graph.ttl").exists()
    assert waiting.wait(timeout=300) == 0
    assert _outputs(out) == _outputs(single)


def test_a_stale_lock_file_never_blocks(nlp, tmp_path, capfd):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_FILE).write_text("999999999\n", encoding="ascii")  # left by a build that was killed
    build(None, out, nlp=nlp, progress=False, wait=False)
    assert "waiting" not in capfd.readouterr().err
    assert (out / "graph.ttl").exists()


def test_a_published_set_is_switched_whole_and_older_generations_are_removed(nlp, tmp_path):
    out = tmp_path / "out"
    posts = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, posts)
    build([posts], out, nlp=nlp, progress=False)
    first = _digest(out)
    (sorted(posts.iterdir())[0]).unlink()
    build([posts], out, nlp=nlp, progress=False)
    assert _digest(out) != first and len(list((out / "extractions").iterdir())) == len(list(posts.iterdir()))
    build([posts], out, nlp=nlp, progress=False)
    assert len(list((out / ".generations").iterdir())) == 2
    for name in ("graph.ttl", "graph.html", "extractions"):
        assert (out / name).is_symlink() and os.readlink(out / name) == f".current/{name}"


def test_outputs_of_an_older_graphbuild_are_replaced_by_the_new_layout(nlp, sample_build, tmp_path):
    _, single = sample_build
    out = tmp_path / "out"
    shutil.copytree(single, out, symlinks=False)  # real files and a real extractions folder
    (out / "extractions" / "stale.json").write_text("{}", encoding="utf-8")
    build(None, out, nlp=nlp, progress=False)
    assert _outputs(out) == _outputs(single)


@pytest.fixture()
def small_disk(tmp_path):
    """A real 4 MB filesystem (tmpfs), mounted for the test; skipped where this process may not mount."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root; the disk-full test needs a real full filesystem")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", f"graphbuild-test-{uuid.uuid4().hex[:8]}",
                           str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a size-limited tmpfs here ({done.stderr.strip()}); the disk-full test needs one")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_gives_a_message_naming_the_file_and_keeps_the_previous_outputs(nlp, tmp_path, small_disk):
    out, cache = small_disk / "out", tmp_path / "cache"  # the cache on another disk: only the outputs fill this one
    posts = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, posts)
    build([posts], out, nlp=nlp, progress=False, cache_dir=cache)
    before = _digest(out)
    (sorted(posts.iterdir())[0]).unlink()
    free = os.statvfs(small_disk)
    with open(small_disk / "filler", "wb") as filler:  # leave about 200 KB: less than the new map needs
        try:
            filler.write(b"\0" * max(0, free.f_bavail * free.f_frsize - 200_000))
        except OSError as e:
            assert e.errno == errno.ENOSPC
    with pytest.raises(OutputError) as error:
        build([posts], out, nlp=nlp, progress=False, cache_dir=cache)
    message = str(error.value)
    assert "no space left" in message and str(out / ".generations") in message
    assert Path(error.value.path).name in ("graph.html", "graph.ttl") or error.value.path.endswith(".json")
    assert _digest(out) == before
    assert [p.name for p in (out / ".generations").iterdir()] == [os.readlink(out / ".current").split("/")[-1]]
    assert not [p for p in out.rglob("*.tmp")]
