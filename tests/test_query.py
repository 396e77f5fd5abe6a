from pathlib import Path

import pytest

from graphbuild.errors import QueryError
from graphbuild.outputs.export import write_turtle
from graphbuild.query.sparql import format_result, load_store, read_query, run_query
from graphbuild.graph.store import to_rdf
from tests.conftest import REPO
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


QUERIES = REPO / "graphbuild" / "query" / "queries"


CHECKED: set[str] = set()  # the saved queries a test here checks, as its @checks says


def checks(*queries: str):
    """Mark a test as checking the saved queries `queries` (read by `test_every_saved_query_has_a_test_here`)."""
    def mark(test):
        CHECKED.update(queries)
        test.checked_queries = queries
        return test
    return mark


def saved(sample_build, name, **params):
    _, out = sample_build
    return run_query(load_store(out / "graph.ttl"), read_query(name), params)


@pytest.mark.model
@checks("candidate-services")
def test_candidate_services_lists_the_uncatalogued_amazon_name(sample_build):
    rows = saved(sample_build, "candidate-services").rows
    assert [r[0] for r in rows] == ["Amazon CodeGuru"] and "CodeGuru" in rows[0][1]


@pytest.mark.model
@checks("co-mentioned-services")
def test_co_mentioned_services_pairs_services_of_one_talk(sample_build):
    rows = saved(sample_build, "co-mentioned-services").rows
    pairs = {(a, b) for a, b, _ in rows}
    assert {("AWS App Mesh", "AWS X-Ray"), ("AWS AppSync", "Amazon DynamoDB")} <= pairs
    assert all(a < b for a, b in pairs)  # each pair once
    counts = [int(n) for _, _, n in rows]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.model
@checks("companies-using-service")
def test_companies_using_fargate_in_any_spelling(sample_build):
    for spelling in ("Fargate", "ファーゲート", "AWS Fargate"):
        rows = saved(sample_build, "companies-using-service", service=spelling).rows
        assert {r[1] for r in rows} == {"サンプルメディア", "ヤマブキ物流"}
        assert all(r[0] == "AWS Fargate" and "Fargate" in r[3] and int(r[2]) >= 1 for r in rows)
    every = saved(sample_build, "companies-using-service").rows  # no parameter: every service
    assert {r[0] for r in every} > {"AWS Fargate"}


@pytest.mark.model
@checks("services-used-by-company")
def test_services_used_by_company_follows_the_case_study_and_skips_the_negated_one(sample_build):
    rows = saved(sample_build, "services-used-by-company", company="ヤマブキ物流").rows
    assert {r[0] for r in rows} == {"ヤマブキ物流"}
    used = {r[1] for r in rows}
    assert {"AWS Fargate", "AWS Lambda", "Amazon Aurora", "Amazon Elastic Container Service",
            "Amazon Simple Queue Service"} <= used
    # "EKS は使わず" is not a use, nor is the plan for Step Functions
    assert not {"Amazon Elastic Kubernetes Service", "AWS Step Functions"} & used


@pytest.mark.model
@checks("talks-mentioning-service")
def test_talks_mentioning_app_mesh_at_summit_tokyo_2019(sample_build):
    rows = saved(sample_build, "talks-mentioning-service", service="App Mesh", event="AWS Summit Tokyo 2019").rows
    assert [(r[0], r[3]) for r in rows] == [("マイクロサービスの通信をどう見える化するか",
                                             "AWS Summit Tokyo 2019 コンテナ系セッションの聴講メモ")]
    everywhere = saved(sample_build, "talks-mentioning-service", service="App Mesh").rows
    assert {r[1] for r in everywhere} == {"AWS App Mesh"} and len(everywhere) >= len(rows)


@pytest.mark.model
@checks("talks-per-event")
def test_talks_per_event(sample_build):
    rows = saved(sample_build, "talks-per-event").rows
    assert {(e, int(n)) for e, n in rows} == {("AWS Summit Tokyo 2019", 2), ("AWS re:Invent 2019", 2),
                                              ("serverless.tokyo #7", 2)}


@pytest.mark.model
@checks("services-by-year")
def test_services_by_year_counts_the_dated_sample_posts(sample_build):
    rows = saved(sample_build, "services-by-year").rows
    by_year = {(int(y), s): int(n) for y, s, n in rows}
    assert by_year[(2019, "AWS AppSync")] == 1 and by_year[(2020, "Amazon Simple Queue Service")] == 1
    assert by_year[(2019, "AWS Lambda")] == by_year[(2020, "AWS Lambda")] == 1  # each year its own post
    assert {y for y, _ in by_year} == {2019, 2020}  # the two undated posts name no event date


@pytest.mark.model
@checks("companies-by-services-over-time")
def test_companies_by_services_over_time_spans_the_post_dates(sample_build):
    rows = saved(sample_build, "companies-by-services-over-time").rows
    yamabuki = {r[1]: (int(r[2]), r[3], r[4]) for r in rows if r[0] == "ヤマブキ物流"}
    assert yamabuki["AWS Fargate"] == (1, "2020-03-10", "2020-03-10")
    assert "Amazon Elastic Kubernetes Service" not in yamabuki  # "EKS は使わず" is not a use
    assert {r[0] for r in rows} >= {"サンプルクラウド", "サンプルメディア", "ヤマブキ物流"}


def test_every_saved_query_has_a_test_here():
    marked = {q for test in globals().values() if callable(test) and getattr(test, "__name__", "").startswith("test_")
              for q in getattr(test, "checked_queries", ())}
    assert marked == CHECKED == {p.stem for p in QUERIES.glob("*.rq")}


def test_ask_prints_true_or_false(store):
    assert run_query(store, "ASK { ?s ?p ?o }").rows == [["true"]]
    assert run_query(store, "ASK { <urn:none> ?p ?o }").rows == [["false"]]


def test_graph_prefixes_are_predefined(store):
    assert run_query(store, "SELECT ?s WHERE { ?s a gb:Service ; skos:prefLabel ?l }").rows


def test_construct_and_describe_print_turtle(store):
    result = run_query(store, "CONSTRUCT { ?s skos:prefLabel ?l } WHERE { ?s a gb:Service ; skos:prefLabel ?l }")
    assert result.triples and len(result.rows) == len(result.triples)
    text = format_result(result)
    assert text.startswith("@prefix") and "skos:prefLabel" in text
    import pyoxigraph as ox
    assert len(list(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))) == len(result.triples)
    described = run_query(store, "DESCRIBE ?s WHERE { ?s gb:botoClient \"ecs\" }")
    assert "gb:botoClient" in format_result(described)


@pytest.mark.parametrize("query, says", [
    ("SELECT ?x WHERE { ?x a nope:Thing }", "unknown prefix 'nope:'"),
    ("SELECT ?x WHERE { ?x ?p }", "line 1, column 26"),
    ("SELECT ?x\nWHERE { ?x ?p ?o ", "line 2"),
])
def test_syntax_errors_are_one_line_saying_where(store, query, says):
    with pytest.raises(QueryError) as e:
        run_query(store, query)
    assert says in str(e.value) and "\n" not in str(e.value) and "u{" not in str(e.value)


def test_updates_are_refused_as_updates(store):
    with pytest.raises(QueryError, match="INSERT is an update"):
        run_query(store, "PREFIX ex: <http://example.org/> INSERT DATA { ex:a ex:b ex:c }")


def test_mistyped_query_path_and_name_say_so(tmp_path):
    from graphbuild.errors import InputError
    with pytest.raises(InputError, match="no such query file"):
        read_query(str(tmp_path / "talks-per-evnt.rq"))
    with pytest.raises(QueryError, match="neither a SPARQL query nor a saved query.*talks-per-event"):
        read_query("talks-per-evnt")


def test_parameter_of_an_unknown_entity_names_similar_ones(store):
    with pytest.raises(QueryError, match="no Service called 'Elastic Contai' .*Amazon Elastic Container Service"):
        run_query(store, read_query("companies-using-service"), {"service": "Elastic Contai"})
    with pytest.raises(QueryError, match="no parameter colour"):
        run_query(store, read_query("companies-using-service"), {"colour": "red"})
