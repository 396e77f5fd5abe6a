import networkx as nx
import pytest

from graphbuild.query.analysis import (central_services, companies_sharing_services, service_comention_graph,
                                 service_communities)


def tiny_graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for n, t in [("ecs", "Service"), ("fargate", "Service"), ("lambda", "Service"), ("sqs", "Service"),
                 ("t1", "Talk"), ("t2", "Talk"), ("a", "Company"), ("b", "Company"), ("c", "Company")]:
        G.add_node(n, type=t, label=n.upper())
    for talk, svc in [("t1", "ecs"), ("t1", "fargate"), ("t2", "lambda"), ("t2", "sqs"), ("t2", "fargate")]:
        G.add_edge(talk, svc, relation="mentions")
    for company, svc in [("a", "ecs"), ("a", "fargate"), ("b", "fargate"), ("b", "ecs"), ("c", "lambda")]:
        G.add_edge(company, svc, relation="uses")
    return G


def test_comention_links_services_of_one_talk():
    H = service_comention_graph(tiny_graph())
    assert H.has_edge("ecs", "fargate") and H.has_edge("lambda", "sqs") and not H.has_edge("ecs", "sqs")


def test_the_service_every_talk_mentions_ranks_first():
    assert central_services(tiny_graph())[0][0] == "FARGATE"


def test_communities_and_shared_services():
    groups = service_communities(tiny_graph())
    assert sorted(s for g in groups for s in g) == ["ECS", "FARGATE", "LAMBDA", "SQS"]
    assert any({"LAMBDA", "SQS"} <= set(g) for g in groups) and not any({"ECS", "SQS"} <= set(g) for g in groups)
    assert companies_sharing_services(tiny_graph()) == [("A", "B", ["ECS", "FARGATE"])]


@pytest.mark.model
def test_sample_companies_share_services(sample_build):
    from graphbuild.outputs.export import read_turtle
    from graphbuild.graph.network import to_networkx

    _, out = sample_build
    pairs = companies_sharing_services(to_networkx(read_turtle(out / "graph.ttl")))
    shared = {(a, b): services for a, b, services in pairs}
    assert "AWS Fargate" in shared[("サンプルメディア", "ヤマブキ物流")]
