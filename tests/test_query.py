from pathlib import Path

import pytest

from graphbuild.errors import QueryError
from graphbuild.export import write_turtle
from graphbuild.query import format_result, load_store, read_query, run_query
from graphbuild.rdf import to_rdf
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


QUERIES = REPO / "ontology" / "queries"


def saved(sample_build, name):
    _, out = sample_build
    return run_query(load_store(out / "graph.ttl"), read_query(str(QUERIES / f"{name}.rq")))


@pytest.mark.model
def test_candidate_services_lists_the_uncatalogued_amazon_name(sample_build):
    rows = saved(sample_build, "candidate-services").rows
    assert [r[0] for r in rows] == ["Amazon CodeGuru"] and "CodeGuru" in rows[0][1]


@pytest.mark.model
def test_co_mentioned_services_pairs_services_of_one_talk(sample_build):
    rows = saved(sample_build, "co-mentioned-services").rows
    pairs = {(a, b) for a, b, _ in rows}
    assert {("AWS App Mesh", "AWS X-Ray"), ("AWS AppSync", "Amazon DynamoDB")} <= pairs
    assert all(a < b for a, b in pairs)  # each pair once
    counts = [int(n) for _, _, n in rows]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.model
def test_companies_using_fargate(sample_build):
    rows = saved(sample_build, "companies-using-service").rows
    assert {r[0] for r in rows} == {"サンプルメディア", "ヤマブキ物流"}
    assert all("Fargate" in r[1] for r in rows)


@pytest.mark.model
def test_services_used_by_company_follows_the_case_study_and_skips_the_negated_one(sample_build):
    rows = saved(sample_build, "services-used-by-company").rows
    used = {r[1] for r in rows if r[0] == "ヤマブキ物流"}
    assert {"AWS Fargate", "AWS Lambda", "Amazon Aurora", "Amazon Elastic Container Service",
            "Amazon Simple Queue Service"} <= used
    # "EKS は使わず" is not a use, nor is the plan for Step Functions
    assert not {"Amazon Elastic Kubernetes Service", "AWS Step Functions"} & used


@pytest.mark.model
def test_talks_mentioning_app_mesh_at_summit_tokyo_2019(sample_build):
    rows = saved(sample_build, "talks-mentioning-service").rows
    assert [(r[1], r[2]) for r in rows] == [("マイクロサービスの通信をどう見える化するか",
                                             "AWS Summit Tokyo 2019 コンテナ系セッションの聴講メモ")]


@pytest.mark.model
def test_talks_per_event(sample_build):
    rows = saved(sample_build, "talks-per-event").rows
    assert {(e, int(n)) for e, n in rows} == {("AWS Summit Tokyo 2019", 2), ("AWS re:Invent 2019", 2),
                                              ("serverless.tokyo #7", 2)}


@pytest.mark.model
def test_services_by_year_counts_the_dated_sample_posts(sample_build):
    rows = saved(sample_build, "services-by-year").rows
    by_year = {(int(y), s): int(n) for y, s, n in rows}
    assert by_year[(2019, "AWS AppSync")] == 1 and by_year[(2020, "Amazon Simple Queue Service")] == 1
    assert by_year[(2019, "AWS Lambda")] == by_year[(2020, "AWS Lambda")] == 1  # each year its own post
    assert {y for y, _ in by_year} == {2019, 2020}  # the two undated posts name no event date


@pytest.mark.model
def test_companies_by_services_over_time_spans_the_post_dates(sample_build):
    rows = saved(sample_build, "companies-by-services-over-time").rows
    yamabuki = {r[1]: (int(r[2]), r[3], r[4]) for r in rows if r[0] == "ヤマブキ物流"}
    assert yamabuki["AWS Fargate"] == (1, "2020-03-10", "2020-03-10")
    assert "Amazon Elastic Kubernetes Service" not in yamabuki  # "EKS は使わず" is not a use
    assert {r[0] for r in rows} >= {"サンプルクラウド", "サンプルメディア", "ヤマブキ物流"}


def test_every_saved_query_has_a_test_here():
    tested = {line.split('"')[1] for line in Path(__file__).read_text(encoding="utf-8").splitlines()
              if line.strip().startswith(("rows = saved(", "saved(")) and '"' in line}
    assert tested == {p.stem for p in QUERIES.glob("*.rq")}


def test_ask_prints_true_or_false(store):
    assert run_query(store, "ASK { ?s ?p ?o }").rows == [["true"]]
    assert run_query(store, "ASK { <urn:none> ?p ?o }").rows == [["false"]]
