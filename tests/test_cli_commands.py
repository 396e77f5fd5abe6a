"""Every `graphbuild` command through click's runner, as a user calls it; paths relative to this file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest
from click.testing import CliRunner

from graphbuild.cli import main
from tests.test_publish import server  # noqa: F401  (the oxigraph server fixture)

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "graphbuild" / "build" / "sample"
SHARED = HERE.parent.parent / "shared"
SERVICE = "https://w3id.org/graphbuild/ontology#Service"

pytestmark = pytest.mark.model

COMMANDS = ("build", "extract", "eval", "query", "show", "validate", "stats", "serve", "export", "publish",
            "daemon")


def test_every_command_is_tested_here():
    assert set(main.commands) == set(COMMANDS)
    tested = {name.split("_")[1] for name in globals() if name.startswith("test_") and name.count("_") > 1}
    assert set(COMMANDS) <= tested


def test_build_writes_the_graph_the_map_and_one_extraction_per_post(tmp_path):
    result = CliRunner().invoke(main, ["build", str(SAMPLE), "-o", str(tmp_path / "out"), "-j", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("4 posts built (0 from the cache), 0 skipped, ")
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"graph.ttl", "graph.trig", "graph.html", "extractions"}
    assert len(list((tmp_path / "out" / "extractions").glob("*.json"))) == 4


def test_daemon_status_and_stop_say_when_no_daemon_runs(tmp_path, monkeypatch):
    """(tests/test_daemon.py starts real daemons and stops them with this command.)"""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    for action in ("status", "stop"):
        result = CliRunner().invoke(main, ["daemon", action, "-o", str(tmp_path / "out")])
        assert result.exit_code == 0, result.output
        assert result.output == f"no build daemon runs for {tmp_path / 'out' / '.graphbuild-cache'}\n"


def test_extract_prints_one_post_s_record(tmp_path):
    result = CliRunner().invoke(main, ["extract", str(SAMPLE / "serverless-meetup.md")])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert "AWS Lambda" in {e["name"] for e in record["entities"]}


def test_extract_names_a_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nothing.md")])
    assert result.exit_code == 1 and "nothing.md" in result.output


def test_eval_prints_precision_recall_and_f1(shared_seeds):
    seeds, gold = shared_seeds
    result = CliRunner().invoke(main, ["eval", "--gold", str(gold), str(seeds)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split()[:1] == ["Service"] for line in lines), result.output
    assert any(line.split()[:1] == ["uses"] for line in lines)


def test_query_runs_a_saved_query_by_name(sample_build):
    _, out = sample_build
    result = CliRunner().invoke(main, ["query", str(out / "graph.ttl"), "companies-using-service", "--param",
                                       "service=Fargate", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert {row[1] for row in rows[1:]} == {"サンプルメディア", "ヤマブキ物流"}


def test_show_gives_an_entity_s_profile(sample_build):
    _, out = sample_build
    result = CliRunner().invoke(main, ["show", "Fargate", str(out / "graph.ttl")])
    assert result.exit_code == 0, result.output
    assert "AWS Fargate" in result.output and "ヤマブキ物流" in result.output


def test_validate_says_the_sample_conforms(sample_build):
    _, out = sample_build
    result = CliRunner().invoke(main, ["validate", str(out / "graph.ttl")])
    assert result.exit_code == 0 and "conforms" in result.output


def test_stats_counts_the_sample(sample_build):
    report, out = sample_build
    result = CliRunner().invoke(main, ["stats", str(out / "graph.ttl"), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{report.triples} triples, ")
    assert "top Service (posts naming it, links)" in result.output


def test_stats_through_python_dash_m_graphbuild_cli(sample_build):
    """`python -m graphbuild.cli stats` reaches the command (the `__main__` block is below every command)."""
    _, out = sample_build
    done = subprocess.run([sys.executable, "-m", "graphbuild.cli", "stats", str(out / "graph.ttl")],
                          capture_output=True, text=True, timeout=120, cwd=HERE)
    assert done.returncode == 0, done.stderr
    assert "triples" in done.stdout


def test_serve_answers_a_sparql_request(sample_build, monkeypatch):
    """The command starts the endpoint; a request gets its answer; then the server is stopped."""
    import graphbuild.query.serve as serve_module

    _, out = sample_build
    answers: list[dict] = []
    make_server = serve_module.make_server

    def make_and_ask(*args, **kwargs):
        started = make_server(*args, **kwargs)

        def ask() -> None:
            try:
                url = f"http://127.0.0.1:{started.server_port}/sparql?query=" + quote(f"ASK {{ ?s a <{SERVICE}> }}")
                with urlopen(Request(url, headers={"Accept": "application/sparql-results+json"}), timeout=60) as r:
                    answers.append(json.loads(r.read()))
            finally:
                started.shutdown()

        threading.Thread(target=ask, daemon=True).start()
        return started

    monkeypatch.setattr(serve_module, "make_server", make_and_ask)
    result = CliRunner().invoke(main, ["serve", str(out / "graph.ttl"), "--port", "0", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "SPARQL at http://127.0.0.1:" in result.output
    assert answers == [{"head": {}, "boolean": True}]


def test_serve_refuses_a_bad_port(sample_build):
    _, out = sample_build
    result = CliRunner().invoke(main, ["serve", str(out / "graph.ttl"), "--port", "70000"])
    assert result.exit_code == 1 and "--port 70000" in result.output


def test_export_writes_csv_for_other_tools(sample_build, tmp_path):
    _, out = sample_build
    result = CliRunner().invoke(main, ["export", str(out / "graph.ttl"), "--format", "csv", "-o", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    nodes = list(csv.DictReader((tmp_path / "csv" / "nodes.csv").open(encoding="utf-8")))
    assert any("AWS Fargate" in row.values() for row in nodes)


def test_publish_sends_every_named_graph(sample_build, server, tmp_path):  # noqa: F811
    _, out = sample_build
    state = tmp_path / "publish.json"
    result = CliRunner().invoke(main, ["publish", str(out), "--endpoint", f"{server}/store", "--state", str(state)])
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(main, ["publish", str(out), "--endpoint", f"{server}/store", "--state", str(state)])
    assert again.exit_code == 0 and again.output != result.output  # nothing changed: nothing sent again
