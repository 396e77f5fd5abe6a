"""Posts as people keep them, built for real: blog exports, page bundles, dated posts, file modes."""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphbuild.build.job import build
from graphbuild.cli import main
from graphbuild.outputs.export import read_turtle
from graphbuild.query.sparql import load_store
from graphbuild.graph.validate import validate_graph
from tests.make_blog_exports import expected_posts, write_exports

pytestmark = pytest.mark.model

QUERIES = Path(__file__).resolve().parent.parent / "graphbuild" / "query" / "queries"
PREFIXES = """PREFIX gb: <https://w3id.org/graphbuild/ontology#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _rows(store, query: str) -> list[dict[str, str]]:
    result = store.query(query)
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


@pytest.fixture(scope="module")
def exports_build(nlp, tmp_path_factory):
    corpus = write_exports(tmp_path_factory.mktemp("exports") / "blogs")
    out = tmp_path_factory.mktemp("exports-out")
    return build([corpus], out, nlp=nlp, progress=False), out


def test_three_blog_exports_build_into_fifty_documents_with_their_metadata(exports_build):
    report, out = exports_build
    assert report.skipped == [] and len(report.extractions) == 50
    assert len(list((out / "extractions").glob("*.json"))) == 50
    rows = _rows(load_store(out / "graph.ttl"), PREFIXES + """
        SELECT ?path ?title ?date ?url (GROUP_CONCAT(?author; separator="|") AS ?authors) WHERE {
          ?doc a gb:Document ; gb:sourcePath ?path ; rdfs:label ?title ; schema:datePublished ?date .
          OPTIONAL { ?doc schema:url ?url }
          OPTIONAL { ?doc schema:author ?a . OPTIONAL { ?a skos:prefLabel ?label } BIND(COALESCE(?label, ?a) AS ?author) }
        } GROUP BY ?path ?title ?date ?url""")
    found = {r["path"]: (r["title"], r["date"], r["url"], r["authors"]) for r in rows}
    suffix = {"wxr": "wordpress.xml", "mt": "hatena.export.txt", "atom": "feed.atom"}
    expected = {f"{suffix[p.kind]}#{p.slug}": (p.title, p.date, None if p.kind == "mt" else p.url, p.author.lstrip("@"))
                for p in expected_posts()}
    # Movable Type exports carry no permalink, so those posts have no url; a writer named in the
    # metadata is linked to the Person node (a handle without its @)
    assert found == expected
    conforms, text = validate_graph(read_turtle(out / "graph.ttl"))
    assert conforms, text


def test_two_index_files_in_two_folders_stay_two_posts(nlp, tmp_path):
    for folder, service in (("a", "AWS Lambda"), ("b", "Amazon ECS")):
        (tmp_path / "site" / folder).mkdir(parents=True)
        (tmp_path / "site" / folder / "index.md").write_text(f"# {folder} の記事\n\n{service} を使いました。\n",
                                                             encoding="utf-8")
    out = tmp_path / "out"
    report = build([tmp_path / "site"], out, nlp=nlp, progress=False)
    assert len(report.extractions) == 2
    assert sorted(p.name for p in (out / "extractions").glob("*.json")) == ["a%2Findex.json", "b%2Findex.json"]
    paths = {r["path"] for r in _rows(load_store(out / "graph.ttl"),
                                      PREFIXES + "SELECT ?path WHERE { ?d a gb:Document ; gb:sourcePath ?path }")}
    assert paths == {"a/index.md", "b/index.md"}
    again = build([tmp_path / "site"], out, nlp=nlp, progress=False)  # from the cache, the same two
    assert again.cached == 2 and len(list((out / "extractions").glob("*.json"))) == 2


def test_output_files_get_the_users_umask(nlp, tmp_path):
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "one.txt").write_text("AWS Lambda を使いました。\n", encoding="utf-8")
    old = os.umask(0o022)
    try:
        build([tmp_path / "posts"], tmp_path / "out", nlp=nlp, progress=False)
    finally:
        os.umask(old)
    files = [tmp_path / "out" / "graph.ttl", tmp_path / "out" / "graph.html",
             *(tmp_path / "out" / "extractions").glob("*.json")]
    assert len(files) == 3
    assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {"0o644"}


DATED = {  # file -> (date, text); the services each names are the counts below
    "y2019-a.md": ("2019-06-14", "AWS Lambda と Amazon DynamoDB でバッチを作りました。"),
    "y2019-b.md": ("2019-11-02", "AWS Lambda のコールドスタートについて調べました。"),
    "y2024-a.md": ("2024-03-01", "Amazon ECS から AWS Lambda を呼んでいます。"),
    "y2024-c.md": ("2024-12-01", "Amazon DynamoDB のテーブル設計を見直しました。"),
}


def test_services_by_year_counts_posts_per_year(nlp, tmp_path):
    corpus = tmp_path / "dated"
    corpus.mkdir()
    for name, (date, text) in DATED.items():
        (corpus / name).write_text(f"---\ntitle: {name}\ndate: {date}\n---\n{text}\n", encoding="utf-8")
    (corpus / "y2024-b.html").write_text(
        '<html lang="ja"><head><title>ECS の記事</title><meta property="article:published_time" '
        'content="2024-07-01T09:00:00+09:00"></head><body><article><p>Amazon ECS のタスク定義を整理しました。</p>'
        "</article></body></html>", encoding="utf-8")
    (corpus / "undated.md").write_text("# 日付のない記事\n\nAmazon S3 の話です。\n", encoding="utf-8")
    (corpus / "event-dated.md").write_text("# JAWS DAYS 2021 参加レポート\n\n2021年3月20日にオンラインで開催された "
                                           "JAWS DAYS 2021 に参加しました。AWS Fargate の話を聞きました。\n",
                                           encoding="utf-8")  # no date of its own: the event's year
    out = tmp_path / "out"
    build([corpus], out, nlp=nlp, progress=False)
    result = CliRunner().invoke(main, ["query", str(out / "graph.ttl"), str(QUERIES / "services-by-year.rq"),
                                       "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    short = {(int(r["year"]), r["service"].replace("Amazon ", "").replace("AWS ", "")): int(r["posts"]) for r in rows}
    assert short == {(2019, "Lambda"): 2, (2019, "DynamoDB"): 1, (2021, "Fargate"): 1,
                     (2024, "Elastic Container Service"): 2, (2024, "Lambda"): 1, (2024, "DynamoDB"): 1}


def test_author_is_linked_to_the_person_of_the_same_post(nlp, tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "post.html").write_text(
        '<html><head><title>記事</title><meta name="author" content="@tsubame_dev"></head><body><article>'
        "<p>こんにちは、@tsubame_dev です。AWS Lambda の話をします。</p></article></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    build([tmp_path / "p"], out, nlp=nlp, progress=False)
    rows = _rows(load_store(out / "graph.ttl"), PREFIXES + """
        SELECT ?author ?type WHERE { ?d a gb:Document ; schema:author ?author . OPTIONAL { ?author a ?type } }""")
    assert len(rows) == 1 and rows[0]["type"] == "https://w3id.org/graphbuild/ontology#Person", rows
