import pytest

from graphbuild.errors import QueryError
from graphbuild.export import write_turtle
from graphbuild.query import format_result, load_store, read_query, run_query
from graphbuild.rdf import to_rdf
from tests.test_rdf import record


@pytest.fixture
def store(tmp_path):
    write_turtle(to_rdf([record()]), tmp_path / "g.ttl")
    return load_store(tmp_path / "g.ttl")


def test_select_prints_as_table_csv_and_json(store):
    q = "PREFIX gb: <https://w3id.org/graphbuild/ontology#> SELECT ?b WHERE { ?s gb:botoClient ?b }"
    result = run_query(store, q)
    assert result.rows == [["ecs"]]
    assert "ecs" in format_result(result) and format_result(result, "csv").splitlines() == ["b", "ecs"]
    assert '"b": "ecs"' in format_result(result, "json")


def test_saved_query_file_is_read(tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o }", encoding="utf-8")
    assert read_query(str(path)).startswith("SELECT")


def test_bad_query_is_a_query_error(store):
    with pytest.raises(QueryError, match="does not parse"):
        run_query(store, "SELECT WHERE {")
