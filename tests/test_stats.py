import pytest

from graphbuild.export import read_turtle
from graphbuild.network import to_networkx
from graphbuild.stats import graph_stats

pytestmark = pytest.mark.model


def test_stats_count_types_and_rank_services_by_posts(sample_build):
    report, out = sample_build
    g = read_turtle(out / "graph.ttl")
    stats = graph_stats(to_networkx(g), triples=len(g), top=3)
    assert stats.triples == report.triples
    assert stats.nodes_by_type["Document"] == len(report.extractions) == 4
    assert stats.candidates == 1 and stats.edges_by_relation["uses"] >= 5
    top_services = [label for label, _, _ in stats.top["Service"]]
    assert top_services[0] in ("AWS Fargate", "AWS Lambda")  # each named in three of the four posts
    text = stats.format()
    assert "top Service" in text and "AWS Fargate" in text
