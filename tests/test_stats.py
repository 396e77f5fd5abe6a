from collections import Counter

import pytest
from rdflib import RDF, Graph
from click.testing import CliRunner

from graphbuild.build.job import build
from graphbuild.cli import main
from graphbuild.query.sparql import load_store
from graphbuild.graph.namespace import GB
from graphbuild.graph.rdf import PREDICATE, TYPE_CLASS
from graphbuild.query.stats import graph_stats

pytestmark = pytest.mark.model


def test_stats_count_types_and_rank_services_by_posts(sample_build):
    """Each figure against one computed apart: from graph.ttl read by rdflib, and from the extractions."""
    report, out = sample_build
    stats = graph_stats(load_store(out / "graph.ttl"), top=3)
    g = Graph().parse(out / "graph.ttl", format="turtle")
    assert stats.triples == len(g) == report.triples
    for name, cls in {**TYPE_CLASS, "Document": GB.Document}.items():
        assert stats.nodes_by_type.get(name, 0) == len(set(g.subjects(RDF.type, cls))), name
    for name, predicate in PREDICATE.items():
        assert stats.edges_by_relation.get(name, 0) == len(list(g.triples((None, predicate, None)))), name
    assert stats.candidates == len(set(g.subjects(RDF.type, GB.CandidateService))) == 1
    assert stats.nodes_by_type["Document"] == len(report.extractions) == 4
    posts_naming = Counter(m for ex in report.extractions for m in {m.entity for m in ex.mentions if m.entity.startswith("svc:")})
    top_services = stats.top["Service"]
    assert [posts for _, posts, _ in top_services] == sorted(posts_naming.values(), reverse=True)[:3]
    assert top_services[0][0] in ("AWS Fargate", "AWS Lambda") and top_services[0][1] == 3  # each in 3 of the 4 posts
    text = stats.format()
    assert "top Service (posts naming it, links)" in text and "AWS Fargate" in text


def test_stats_on_the_seeds_lists_ec2_among_the_top_services_with_its_posts(seeds_build):
    _, out = seeds_build
    result = CliRunner().invoke(main, ["stats", str(out / "graph.ttl"), "--top", "5"])
    assert result.exit_code == 0, result.output
    services = result.output.split("top Service (posts naming it, links)\n")[1].split("top ")[0].splitlines()
    ec2 = [line for line in services if line.endswith("Amazon Elastic Compute Cloud")]
    assert ec2, services
    posts = int(ec2[0].split()[0])
    assert posts >= 3  # most seed posts name EC2
    assert all(int(line.split()[0]) <= int(services[0].split()[0]) for line in services)


def test_stats_and_validate_read_a_store_folder_like_the_turtle_file(nlp, tmp_path):
    out, store = tmp_path / "out", tmp_path / "store"
    build(None, out, nlp=nlp, store_dir=store, progress=False)
    runner = CliRunner()
    from_file = runner.invoke(main, ["stats", str(out / "graph.ttl")])
    from_store = runner.invoke(main, ["stats", str(store)])
    assert from_store.exit_code == 0 and from_store.output == from_file.output
    triples = len(Graph().parse(out / "graph.ttl", format="turtle"))
    assert from_store.output.startswith(f"{triples} triples, ")  # the union of the store's graphs, counted once
    checked = runner.invoke(main, ["validate", str(store)])
    assert checked.exit_code == 0 and "conforms" in checked.output
    missing = runner.invoke(main, ["stats", str(tmp_path / "nothing.ttl")])
    assert missing.exit_code == 1 and "nothing.ttl: no such file" in missing.output
