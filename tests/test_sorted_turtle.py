import io

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from graphbuild.graph.rdf import PREFIXES
from graphbuild.graph.sorted_turtle import write_store_turtle

EX = "https://example.org/"


def store_of(triples: list[ox.Triple]) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return store


def some_triples(n: int) -> list[ox.Triple]:
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    return [ox.Triple(ox.NamedNode(f"{EX}s{i % 97}"), label, ox.Literal(f"名前 {i}", language="ja")) for i in range(n)] + [
        ox.Triple(ox.BlankNode("b1"), label, ox.Literal("blank")),
        ox.Triple(ox.NamedNode(f"{EX}s1"), ox.NamedNode(f"{EX}count"), ox.Literal("7", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer")))]


def turtle(store: ox.Store, run_bytes: int) -> bytes:
    out = io.BytesIO()
    write_store_turtle(store, out, PREFIXES, run_bytes=run_bytes)
    return out.getvalue()


def test_a_graph_sorted_through_run_files_gives_the_same_bytes_as_one_sorted_in_memory():
    triples = some_triples(2000)
    in_memory = turtle(store_of(triples), run_bytes=1 << 30)
    through_runs = turtle(store_of(list(reversed(triples))), run_bytes=4096)  # dozens of runs
    assert through_runs == in_memory
    g = Graph().parse(data=in_memory.decode(), format="turtle")
    assert len(g) == len(triples)
    assert (URIRef(f"{EX}s1"), URIRef(f"{EX}count"), Literal(7)) in g


def test_subjects_come_in_order_each_once_blank_nodes_first():
    text = turtle(store_of(some_triples(500)), run_bytes=2048).decode()
    subjects = [block.split("\n", 1)[0] for block in text.split("\n\n")[1:] if block.strip()]
    assert subjects[0] == "_:b1"
    assert len(subjects) == len(set(subjects)) == 98
    iris = [s.strip("<>") for s in subjects[1:]]
    assert iris == sorted(iris)
