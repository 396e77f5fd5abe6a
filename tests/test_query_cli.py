"""`graphbuild query` as a person uses it: prefixes listed, a time limit, Ctrl-C, one-line errors."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from click.testing import CliRunner

from graphbuild.cli import main
from graphbuild.outputs.export import write_turtle
from graphbuild.graph.rdf import PREFIXES
from graphbuild.graph.store import to_rdf
from tests.test_rdf import record

# Six copies of every triple joined with each other (about 10^10 rows): far longer than any test waits.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?o2 . ?c ?r ?o3 . ?d ?s ?o4 . ?e ?t ?o5 . ?f ?u ?o6 }"


def graph_file(tmp_path):
    path = tmp_path / "g.ttl"
    write_turtle(to_rdf([record()]), path)
    return path


def test_prefixes_are_listed():
    result = CliRunner().invoke(main, ["query", "--prefixes"])
    assert result.exit_code == 0
    assert f"PREFIX svc: <{PREFIXES['svc']}>" in result.output.splitlines()


def test_saved_queries_are_listed_with_their_parameters():
    result = CliRunner().invoke(main, ["query", "--saved"])
    assert "companies-using-service:" in result.output and "--param service=<Service>" in result.output


def test_timeout_stops_a_long_query(tmp_path):
    start = time.monotonic()
    result = CliRunner().invoke(main, ["query", str(graph_file(tmp_path)), ENDLESS, "--timeout", "1"])
    assert result.exit_code == 1 and "stopped after 1 s" in result.output
    assert time.monotonic() - start < 20


def test_ctrl_c_stops_a_running_query(tmp_path):
    child = subprocess.Popen([sys.executable, "-m", "graphbuild", "query", str(graph_file(tmp_path)), ENDLESS],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # imports, then the query is running
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=20)
    assert child.returncode == 130 and "query stopped" in err and "Traceback" not in err


def test_bad_graph_and_bad_query_get_one_line(tmp_path):
    result = CliRunner().invoke(main, ["query", str(tmp_path / "missing.ttl"), "SELECT * { ?s ?p ?o }"])
    assert result.exit_code == 1 and "missing.ttl: no such file" in result.output
    result = CliRunner().invoke(main, ["query", str(graph_file(tmp_path)), "SELECT ?x WHERE { ?x a foo:Bar }"])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1 and "unknown prefix 'foo:'" in result.output
