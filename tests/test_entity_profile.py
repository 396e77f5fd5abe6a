"""`graphbuild show NAME GRAPH`: an entity found by any spelling, with its links and their evidence."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graphbuild.cli import main
from graphbuild.query.entity_lookup import find_entities, resolve_entity
from graphbuild.query.entity_profile import entity_profile
from graphbuild.errors import QueryError
from graphbuild.query.sparql import load_store, read_query, run_query

pytestmark = pytest.mark.model


def test_show_fargate_lists_its_talks_and_companies_with_evidence(sample_build):
    _, out = sample_build
    result = CliRunner().invoke(main, ["show", "Fargate", str(out / "graph.ttl")])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("AWS Fargate  (Service)")
    used_by = text.split("used by (companies)")[1].split("\n\n")[0]
    assert "サンプルメディア" in used_by and "ヤマブキ物流" in used_by
    assert "「弊社では Amazon ECS と AWS Fargate を採用し" in used_by  # the sentence, then its post
    assert "— 物流システムをコンテナへ移した一年の振り返り (2020-03-10, yamabuki-case-study.md)" in used_by  # title, date, file
    assert "ECS と Fargate で作るサーバー管理のない配信基盤 (Talk)" in text.split("mentioned in (talks)")[1]
    assert "AWS Summit Tokyo 2019" in text.split("events of its talks")[1]


def test_every_spelling_finds_one_node(sample_build):
    store = load_store(sample_build[1] / "graph.ttl")
    found = {resolve_entity(store, name).iri for name in ("Fargate", "ファーゲート", "AWS Fargate", "aws fargate")}
    assert found == {"https://w3id.org/graphbuild/id/service/fargate"}
    with pytest.raises(QueryError, match="no entity called 'Farg8'"):
        resolve_entity(store, "Farg8")
    assert find_entities(store, "Fargate", "Company") == []


def test_show_on_the_seeds_follows_the_uses_triples(seeds_build):
    """Whatever the extraction finds: the companies shown using Fargate are those with a `uses` triple,
    and the saved query called with the Japanese name gives the same companies."""
    _, out = seeds_build
    store = load_store(out / "graph.ttl")
    fargate = resolve_entity(store, "ファーゲート")
    users = {r[0] for r in run_query(store, f"SELECT ?l WHERE {{ ?c gb:uses <{fargate.iri}> ; a gb:Company ; "
                                            "skos:prefLabel ?l }").rows}
    profile = entity_profile(store, fargate.iri)
    assert {link.other.label for link in profile.groups().get("used by (companies)", [])} == users
    assert all(link.evidence for link in profile.links)
    rows = run_query(store, read_query("companies-using-service"), {"service": "ファーゲート"}).rows
    assert {r[1] for r in rows} == users
    talks = profile.groups().get("mentioned in (talks)", [])
    assert talks and all(link.other.type == "Talk" for link in talks)
