"""The build daemon: real processes, started as `graphbuild build` starts them, on a real socket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from graphbuild.build import daemon
from graphbuild.build.cache import pipeline_fingerprint
from graphbuild.build.executors import InProcess
from graphbuild.build.job import SAMPLE_CORPUS
from graphbuild.ingest.posts import document_from_text
from graphbuild.nlp.pipeline import Pipeline
from tests.test_build import _outputs

pytestmark = pytest.mark.model


@pytest.fixture
def daemons_on(monkeypatch):
    """Daemons allowed (conftest turns them off), with a socket folder of this test; every daemon
    started here is stopped at the end."""
    runtime = Path(tempfile.mkdtemp(prefix="gbd-"))  # short: a socket path must stay under 108 bytes
    monkeypatch.setenv("GRAPHBUILD_DAEMON", "on")
    monkeypatch.setenv("GRAPHBUILD_DAEMON_IDLE", "300")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield runtime
    for info in (runtime / f"graphbuild-{os.getuid()}").glob("*.json"):
        try:
            os.kill(json.loads(info.read_text())["pid"], 9)
        except (OSError, ValueError, KeyError):
            pass
    shutil.rmtree(runtime, ignore_errors=True)


def _build(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "graphbuild", "build", "--quiet", *args], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_ready(cache: Path, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        info = daemon.running(cache)
        if info is not None and info["state"] == "ready":
            return info
        time.sleep(0.2)
    raise AssertionError(f"no daemon got ready for {cache}")


def _wait_gone(pid: int, files: daemon.DaemonFiles, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while files.read_info() is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert files.read_info() is None, f"daemon {pid} still runs"


def test_a_rebuild_sends_its_changed_post_to_the_daemon_the_last_build_started(daemons_on, tmp_path):
    """The first build starts a daemon; a rebuild after one post changed has it extract the post,
    and its outputs are those of a build without a daemon; `graphbuild daemon stop` ends it."""
    corpus, out, fresh = tmp_path / "posts", tmp_path / "out", tmp_path / "fresh"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    first = _build("-o", str(out), str(corpus))
    assert "started the build daemon" in first
    cache = out / ".graphbuild-cache"
    info = _wait_ready(cache)

    post = sorted(corpus.iterdir())[0]
    post.write_text(post.read_text(encoding="utf-8") + "\n株式会社ほしぞら物流では Amazon EKS を採用しました。\n",
                    encoding="utf-8")
    second = _build("-o", str(out), str(corpus))
    assert f"1 extracted by the build daemon (pid {info['pid']})" in second
    assert "started the build daemon" not in second
    status = subprocess.run([sys.executable, "-m", "graphbuild", "daemon", "status", "-o", str(out)],
                            capture_output=True, text=True).stdout
    assert f"build daemon pid {info['pid']} (ready)" in status and "1 posts extracted" in status

    _build("--no-daemon", "-o", str(fresh), str(corpus))
    assert daemon.running(fresh / ".graphbuild-cache") is None
    assert _outputs(out) == _outputs(fresh)

    stopped = subprocess.run([sys.executable, "-m", "graphbuild", "daemon", "stop", "-o", str(out)],
                             capture_output=True, text=True).stdout
    assert f"stopped the build daemon (pid {info['pid']})" in stopped
    assert daemon.running(cache) is None


def test_a_stale_daemon_is_not_used_and_ends(daemons_on, tmp_path):
    """A daemon that runs other code than the build's (its fingerprint differs) says so and ends;
    the build extracts the post itself."""
    cache = tmp_path / "cache"
    cache.mkdir()
    pid = daemon.start(cache, Pipeline())
    _wait_ready(cache)
    connection, reached = daemon.connect(cache)
    assert reached == pid
    executor = daemon.DaemonExecutor(connection, pid, "another fingerprint", InProcess)
    document = document_from_text("AWS Summit Tokyo 2019 で Amazon EKS の事例が紹介されました。")
    [(_, outcome)] = list(executor.run([document], Pipeline()))
    executor.close()
    assert executor.stale and executor.extracted == 0
    assert outcome.extraction is not None and outcome.error is None
    _wait_gone(pid, daemon.DaemonFiles.of(cache))


def test_a_daemon_killed_before_it_answers_costs_the_build_nothing(daemons_on, tmp_path):
    """The post goes to a worker instead; what the dead daemon left (its info, its socket) makes
    nobody wait, and the next start replaces it.  A second start while one runs starts none."""
    cache = tmp_path / "cache"
    cache.mkdir()
    pid = daemon.start(cache, Pipeline())
    assert daemon.start(cache, Pipeline()) is None
    _wait_ready(cache)
    connection, _ = daemon.connect(cache)
    os.kill(pid, 9)
    executor = daemon.DaemonExecutor(connection, pid, pipeline_fingerprint(Pipeline()), InProcess)
    document = document_from_text("JAWS-UG の勉強会で AWS Lambda の話を聞きました。")
    [(_, outcome)] = list(executor.run([document], Pipeline()))
    assert outcome.extraction is not None and executor.extracted == 0 and not executor.stale
    files = daemon.DaemonFiles.of(cache)
    _wait_gone(pid, files)
    assert files.info.exists()  # left behind, and not taken for a daemon that runs
    started = time.monotonic()
    assert daemon.connect(cache) is None and time.monotonic() - started < 1
    again = daemon.start(cache, Pipeline())
    assert again is not None and again != pid
    assert _wait_ready(cache)["pid"] == again


def test_the_daemon_ends_when_its_cache_folder_is_removed(daemons_on, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    pid = daemon.start(cache, Pipeline())
    _wait_ready(cache)
    files = daemon.DaemonFiles.of(cache)
    shutil.rmtree(cache)
    _wait_gone(pid, files)
    assert not files.socket.exists() and not files.key.exists()


def test_builds_go_without_a_daemon_when_it_is_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHBUILD_DAEMON", "off")
    assert not daemon.enabled()
    assert daemon.start(tmp_path, Pipeline()) is None
    assert daemon.connect(tmp_path) is None


def test_an_unsafe_socket_folder_is_refused_with_its_name(tmp_path, monkeypatch):
    """A socket folder others may enter (say, made by someone else in /tmp) is not used."""
    folder = tmp_path / f"graphbuild-{os.getuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with pytest.raises(daemon.GraphbuildError, match=str(folder)):
        daemon.DaemonFiles.of(tmp_path / "cache")
