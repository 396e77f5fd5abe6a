"""Every failure a user can cause on the command line is one line naming what is wrong, with exit 1."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from graphbuild.build.job import SAMPLE_CORPUS
from graphbuild.cli import main
from graphbuild.util.display_text import clean_label, printable


def one_line_error(result, *words: str) -> str:
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphbuild: error: "), result.output
    for word in words:
        assert word in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture()
def small_graph(tmp_path):
    path = tmp_path / "g.ttl"
    path.write_text('<urn:a> <urn:b> "c" .\n', encoding="utf-8")
    return path


def test_out_naming_a_file(tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    one_line_error(CliRunner().invoke(main, ["build", "-o", str(target), "--quiet"]), "notes.txt", "-o")
    assert target.read_text(encoding="utf-8") == "mine"


def test_cache_naming_a_file(tmp_path):
    target = tmp_path / "cache.txt"
    target.write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "-o", str(tmp_path / "out"), "--cache", str(target), "--quiet"])
    one_line_error(result, "cache.txt", "--cache")
    assert target.read_text(encoding="utf-8") == "mine"


def test_scheduler_without_the_dask_executor(tmp_path):
    result = CliRunner().invoke(main, ["build", "-o", str(tmp_path / "out"), "--scheduler", "tcp://127.0.0.1:1"])
    one_line_error(result, "--executor dask")


def test_unreachable_scheduler_fails_fast(tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(main, ["build", "-o", str(tmp_path / "out"), "--quiet", "--executor", "dask",
                                       "--scheduler", f"tcp://127.0.0.1:{port}"])
    one_line_error(result, f"tcp://127.0.0.1:{port}", "cannot be reached")


def test_port_in_use(small_graph):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        one_line_error(CliRunner().invoke(main, ["serve", str(small_graph), "--port", str(port)]),
                       str(port), "already in use")


def test_port_out_of_range(small_graph):
    one_line_error(CliRunner().invoke(main, ["serve", str(small_graph), "--port", "99999"]), "99999", "--port")


def test_bad_host(small_graph):
    one_line_error(CliRunner().invoke(main, ["serve", str(small_graph), "--host", "no-such-host.invalid",
                                             "--port", "0"]), "no-such-host.invalid", "--host")


def test_a_file_name_with_terminal_escapes_cannot_forge_lines(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    hostile = "x\x1b]0;pwned\x07\nforged: 99 posts built\u202etxt.exe.txt"
    (posts / hostile).write_bytes(b"")  # empty: reported by name
    line = one_line_error(CliRunner().invoke(main, ["build", str(posts), "-o", str(tmp_path / "out"), "--quiet"]),
                          "\\x1b]0;pwned\\x07\\nforged", "\\u202e")
    assert "\x1b" not in line and "\u202e" not in line


def test_the_build_report_escapes_names(nlp, tmp_path):
    from graphbuild.build.job import build

    posts = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, posts)
    (posts / "evil\n  skipped nothing: all fine\x1b[2J.txt").write_bytes(b"")
    summary = build([posts], tmp_path / "out", nlp=nlp, progress=False).summary()
    assert "\x1b" not in summary
    assert len(summary.splitlines()) == 2 and "evil\\n  skipped nothing" in summary


def test_labels_lose_direction_and_zero_width_controls_evidence_keeps_them_escaped_in_the_map(tmp_path):
    from graphbuild.graph.store import GraphStore
    from graphbuild.outputs.html_map import write_html
    from graphbuild.graph.network import add_evidence, to_networkx
    from graphbuild.nlp.records import Entity, Evidence, Extraction, Mention

    name = "Amazon\u202e3S\u200b"
    sentence = f"今日は {name} の話"
    ev = Evidence("d1", 0, 4, 4 + len(name), name, sentence)
    ex = Extraction("d1", "post", "post.txt", "タイトル\u2066", len(sentence),
                    (Entity("svc", "Service", name, (name,)),), (Mention("svc", name, ev, "vocabulary", 1.0),), ())
    graph = GraphStore()
    graph.add(ex)
    graph.finish()
    labels = {s["l"].value for s in graph.store.query(
        "SELECT ?l WHERE { { ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } UNION "
        "{ ?x <http://www.w3.org/2000/01/rdf-schema#label> ?l } }")}
    assert labels == {"Amazon3S", "タイトル"}
    sentences = {s["t"].value for s in graph.store.query(
        "SELECT ?t WHERE { ?x <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#sentence>/"
        "<http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#anchorOf> ?t }")}
    assert sentences == {sentence}  # the evidence is kept as written: its offsets point into it
    G = to_networkx(graph, evidence=False)
    add_evidence(G, graph)
    write_html(G, tmp_path / "map.html")
    page = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "\u202e" not in page and "\\\\u202e" in page  # shown escaped in the panel's evidence
    assert clean_label(name) == "Amazon3S" and printable(name) == "Amazon\\u202e3S\\u200b"


def test_watched_folder_that_disappears_stops_with_a_message(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    shutil.copy(sorted(SAMPLE_CORPUS.iterdir())[0], posts)
    command = [sys.executable, "-m", "graphbuild", "build", "--quiet", "--jobs", "1", "--watch", "--interval", "0.2",
               "-o", str(tmp_path / "out"), str(posts)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("1 posts built")
        assert "watching" in process.stderr.readline()
        shutil.rmtree(posts)
        assert process.wait(timeout=60) == 1
        lines = process.stderr.read().strip().splitlines()
        assert len(lines) == 1 and "posts" in lines[0] and "stopped watching" in lines[0], lines
        assert (tmp_path / "out" / "graph.ttl").exists()
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()


def _die_on_marked_post(document, marker):
    """A worker function for the pool test: a post containing `marker` kills its worker process outright."""
    import os

    from graphbuild.build.executors import Outcome

    if marker in document.text:
        os._exit(9)
    return Outcome(None, f"seen {document.name}")


def test_a_dead_worker_fails_only_its_post_and_the_others_go_on():
    from graphbuild.build.executors import run_in_processes
    from graphbuild.ingest.posts import document_from_text

    documents = [document_from_text(f"post {n}" + (" KILL" if n == 3 else ""), name=f"p{n}") for n in range(8)]
    results = list(run_in_processes(documents, 2, _die_on_marked_post, "KILL"))
    assert [d.name for d, _ in results] == [d.name for d in documents]  # in order, none lost
    errors = {d.name: o.error for d, o in results}
    assert "worker process" in errors["p3"] and "died" in errors["p3"]
    assert all(errors[f"p{n}"] == f"seen p{n}" for n in range(8) if n != 3)


def _die(*_):
    import os

    os._exit(9)


def test_a_worker_that_dies_while_loading_the_pipeline_costs_no_post():
    """A worker killed while warming up (say, out of memory loading the model) breaks the pool
    before any post is sent; the posts then run in a new pool, none lost."""
    import time

    from graphbuild.build.executors import WorkerProcesses, _run_on
    from graphbuild.ingest.posts import document_from_text

    documents = [document_from_text(f"post {n}", name=f"p{n}") for n in range(4)]
    with WorkerProcesses(2) as workers:
        workers.pool.get().submit(_die)  # what a warm-up that kills its worker leaves behind
        time.sleep(1)
        results = list(_run_on(workers.pool, documents, _die_on_marked_post, "KILL"))
    assert [(d.name, o.error) for d, o in results] == [(f"p{n}", f"seen p{n}") for n in range(4)]


def _descendants(root: int) -> set[int]:
    from pathlib import Path

    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _parent(pid: int) -> int | None:
    from pathlib import Path

    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _running(pid: int) -> bool:
    from pathlib import Path

    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.model
def test_a_killed_build_leaves_no_worker_process_behind(tmp_path):
    """A build killed while its worker loads the pipeline: the worker and its fork server end too
    (they would otherwise wait for ever, holding the model's memory)."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from graphbuild.build.job import SAMPLE_CORPUS

    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the build's processes")
    corpus = tmp_path / "posts"
    shutil.copytree(SAMPLE_CORPUS, corpus)
    build = subprocess.Popen([sys.executable, "-m", "graphbuild", "build", "--quiet", "-o", str(tmp_path / "out"),
                              str(corpus)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    forked = False  # a worker forked by the fork server (it holds the server open)
    deadline = time.monotonic() + 60
    while not forked and time.monotonic() < deadline and build.poll() is None:
        workers = _descendants(build.pid)
        servers = {pid for pid in workers if b"forkserver" in _cmdline(pid)}
        forked = any(_parent(pid) in servers for pid in workers)
        time.sleep(0.1)
    assert forked, "the build started no worker process"
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        alive = {pid for pid in workers if _running(pid)}
        if not alive:
            break
        time.sleep(0.5)
    for pid in alive:  # not to leave them to the rest of the run
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"worker processes left running: {sorted(alive)}"
