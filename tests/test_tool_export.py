"""Exports for tools that do not read RDF: each file reads back with the NetworkX view's counts."""

import networkx as nx
from click.testing import CliRunner

from graphbuild.cli import main
from graphbuild.graph.network import to_networkx
from graphbuild.query.sparql import load_store
from graphbuild.outputs.tool_export import read_csv_rows


def _view(out):
    return to_networkx(load_store(out / "graph.ttl"), evidence=False)


def test_csv_export_has_every_node_and_edge_with_labels_and_support(sample_build, tmp_path):
    _, out = sample_build
    result = CliRunner().invoke(main, ["export", str(out / "graph.ttl"), "--format", "csv", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    G = _view(out)
    nodes, edges = read_csv_rows(tmp_path / "nodes.csv"), read_csv_rows(tmp_path / "edges.csv")
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    fargate = next(n for n in nodes if n["label"] == "AWS Fargate")
    assert fargate["type"] == "Service" and int(fargate["degree"]) == G.degree(fargate["id"])
    uses = [e for e in edges if e["relation"] == "uses" and e["target_label"] == "AWS Fargate"]
    assert uses and all(int(e["support"]) == G.edges[e["source"], e["target"], "uses"]["weight"] for e in uses)


def test_graphml_export_reads_back_with_networkx(sample_build, tmp_path):
    _, out = sample_build
    assert CliRunner().invoke(main, ["export", str(out / "graph.ttl"), "--format", "graphml", "-o",
                                     str(tmp_path)]).exit_code == 0
    G, back = _view(out), nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True)
    assert back.number_of_nodes() == G.number_of_nodes() and back.number_of_edges() == G.number_of_edges()
    node = next(iter(G))
    assert back.nodes[node]["label"] == G.nodes[node]["label"] and back.nodes[node]["type"] == G.nodes[node]["type"]
    assert {d["relation"] for _, _, d in back.edges(data=True)} == {d["relation"] for _, _, d in G.edges(data=True)}


def test_neo4j_export_has_typed_headers_and_the_same_counts(sample_build, tmp_path):
    _, out = sample_build
    assert CliRunner().invoke(main, ["export", str(out / "graph.ttl"), "--format", "neo4j", "-o",
                                     str(tmp_path)]).exit_code == 0
    G = _view(out)
    nodes, rels = read_csv_rows(tmp_path / "nodes.csv"), read_csv_rows(tmp_path / "relationships.csv")
    assert list(nodes[0]) == ["iri:ID", "name", "otherNames:string[]", "candidate:boolean", "degree:int", ":LABEL"]
    assert list(rels[0]) == [":START_ID", ":END_ID", ":TYPE", "support:int"]
    assert len(nodes) == G.number_of_nodes() and len(rels) == G.number_of_edges()
    ids = {n["iri:ID"] for n in nodes}
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)  # the import would not drop any
    assert any(n[":LABEL"] == "Service;CandidateService" for n in nodes)


def test_exporting_a_missing_graph_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["export", str(tmp_path / "nope.ttl"), "--format", "csv"])
    assert result.exit_code == 1 and "nope.ttl" in result.output
