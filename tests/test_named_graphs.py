"""graph.trig: one named graph per post and one of corpus facts, whose union is graph.ttl."""

import pyoxigraph as ox

from graphbuild.graph.store import CORPUS_GRAPH, post_graph


def test_graph_trig_has_one_named_graph_per_post_and_its_union_is_graph_ttl(sample_build):
    report, out = sample_build
    quads = list(ox.parse(path=str(out / "graph.trig"), format=ox.RdfFormat.TRIG))
    names = {q.graph_name.value for q in quads}
    posts = {p.stem for p in (out / "extractions").glob("*.json")}
    assert names == {post_graph(name).value for name in posts} | {CORPUS_GRAPH}
    assert len(posts) == len(report.extractions) == 4
    union = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    assert union == {ox.Triple(q.subject, q.predicate, q.object)
                     for q in ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)}


def test_corpus_facts_are_in_the_corpus_graph_only(sample_build):
    _, out = sample_build
    store = ox.Store()
    store.load(path=str(out / "graph.trig"), format=ox.RdfFormat.TRIG)
    where = {r["p"].value: r["g"].value for r in store.query(
        "SELECT DISTINCT ?p ?g WHERE { GRAPH ?g { ?s ?p ?o } VALUES ?p { "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> <https://w3id.org/graphbuild/ontology#supportCount> "
        "<https://w3id.org/graphbuild/ontology#talkCount> } }")}
    assert set(where.values()) == {CORPUS_GRAPH} and len(where) == 3


def test_a_post_name_with_slashes_names_a_graph_of_its_own():
    assert post_graph("a/index").value.endswith("/post/a/index")
    assert post_graph("a/index") != post_graph("a-index") != post_graph("a%2Findex")
    assert " " not in post_graph("名前 の 記事").value
