"""The NetworkX view: one node per entity, edges weighted by their evidence."""

from __future__ import annotations

from rdflib import RDF

from graphbuild.graph.namespace import GB
from graphbuild.graph.network import to_networkx
from graphbuild.graph.rdf import entity_iri
from graphbuild.graph.store import to_rdf
from tests.test_rdf import record


def test_same_service_from_two_posts_is_one_node():
    g = to_rdf([record("d1"), record("d2", "別の会社")])
    assert len(set(g.subjects(RDF.type, GB.Service))) == 2  # ECS and the candidate
    G = to_networkx(g)
    assert G.in_degree(str(entity_iri("svc:ecs"))) == 2


def test_networkx_view_counts_support():
    G = to_networkx(to_rdf([record()]))
    data = G.get_edge_data(str(entity_iri("org:サンプル商事")), str(entity_iri("svc:ecs")))["uses"]
    assert data["weight"] == 1 and "採用" in data["evidence"][0]


def test_refreshing_the_touched_part_gives_the_view_of_the_new_graph():
    from graphbuild.graph.network import refresh_networkx
    from graphbuild.graph.rdf import PREDICATE

    before, after = to_rdf([record("d1"), record("d2", "別の会社")]), to_rdf([record("d1"), record("d3", "三番目の会社")])
    G = to_networkx(before, evidence=False)
    changed = set(before) ^ set(after)
    relation = {iri: name for name, iri in PREDICATE.items()}
    refresh_networkx(G, after, nodes={str(s) for s, _, _ in changed},
                     edges={(str(s), relation[p], str(o)) for s, p, o in changed if p in relation})
    expected = to_networkx(after, evidence=False)
    assert dict(G.nodes(data=True)) == dict(expected.nodes(data=True))
    assert sorted(G.edges(keys=True, data="weight")) == sorted(expected.edges(keys=True, data="weight"))
    assert str(entity_iri("org:別の会社")) not in G and str(entity_iri("org:三番目の会社")) in G
