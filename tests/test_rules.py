"""Structural rules: company forms stay on their own line."""

from __future__ import annotations

from graphbuild.nlp.rules import find_rule_matches


def test_a_company_form_does_not_reach_across_a_line_break():
    text = "データ分析基盤を作った話\n株式会社ホシゾラ物流 SRE 佐藤 健太さん"
    companies = [m.name for m in find_rule_matches(text) if m.type == "Company"]
    assert companies == ["ホシゾラ物流"]


def test_a_company_form_with_a_space_still_names_the_company():
    assert [m.name for m in find_rule_matches("ミナト商事 株式会社の事例") if m.type == "Company"] == ["ミナト商事"]


def test_a_job_title_or_programme_after_aws_is_no_product():
    names = {r.name for r in find_rule_matches("Matt Garman 氏(AWS CEO)と AWS Builders' Fair の展示、Amazon Foobar の発表")
             if r.rule == "amazon-name"}
    assert names == {"Amazon Foobar"}


def test_a_community_event_numbered_after_its_year_is_an_event():
    events = [m.name for m in find_rule_matches("5/25(土) に開催された JAWS-UG浜松 AWS勉強会 2024#5 に参加") if m.type == "Event"]
    assert "JAWS-UG浜松 AWS勉強会 2024 #5" in events
