"""Markdown front matter: read into title and metadata, cut from the text, nothing else changed."""

from __future__ import annotations

import pytest

from graphbuild.errors import InputError
from graphbuild.ingest.front_matter import split_front_matter
from graphbuild.ingest.posts import read_document

BODY = "## はじめに\n\nAWS Lambda と [Amazon ECS](https://aws.amazon.com/ecs/) の話です。\n"


def test_zenn_front_matter(tmp_path):
    (tmp_path / "zenn.md").write_text('---\ntitle: "Lambda を使った話"\nemoji: "⚡"\ntype: "tech"\n'
                                      'topics: ["aws", "lambda"]\npublished: true\n'
                                      'published_at: 2024-02-03 10:00\npublication_name: "tsubame"\n---\n' + BODY,
                                      encoding="utf-8")
    doc = read_document(tmp_path / "zenn.md")
    assert doc.format == "markdown" and doc.text == BODY and doc.title == "Lambda を使った話"
    assert doc.metadata.tags == ("aws", "lambda") and doc.metadata.date == "2024-02-03"
    assert doc.metadata.site == "tsubame"


def test_qiita_front_matter(tmp_path):
    (tmp_path / "qiita.md").write_text("---\ntitle: ECS 入門\ntags:\n  - AWS\n  - ECS\nprivate: false\n"
                                       "updated_at: '2024-05-27T22:41:18+09:00'\nid: abc\n"
                                       "organization_url_name: tsubame-inc\n---\n" + BODY, encoding="utf-8")
    doc = read_document(tmp_path / "qiita.md")
    assert (doc.title, doc.metadata.tags, doc.metadata.date) == ("ECS 入門", ("AWS", "ECS"), "2024-05-27")
    assert doc.text == BODY


def test_hugo_toml_front_matter(tmp_path):
    (tmp_path / "hugo.md").write_text('+++\ntitle = "Aurora の話"\ndate = 2023-09-01T09:00:00+09:00\n'
                                      'authors = ["大西 航", "森下 理沙"]\ntags = ["Aurora"]\n'
                                      'categories = ["DB"]\n+++\n' + BODY, encoding="utf-8")
    doc = read_document(tmp_path / "hugo.md")
    assert doc.title == "Aurora の話" and doc.text == BODY
    assert doc.metadata.authors == ("大西 航", "森下 理沙") and doc.metadata.date == "2023-09-01"
    assert doc.metadata.tags == ("Aurora", "DB")


def test_jekyll_front_matter(tmp_path):
    (tmp_path / "2022-01-05-s3.md").write_text("---\nlayout: post\ntitle: S3 の整理\nauthor: 北村 陽菜\n"
                                               "date: 2022-01-05 12:00:00 +0900\ntags: [s3, storage]\n"
                                               "permalink: /2022/01/s3/\nlang: ja\n---\n" + BODY, encoding="utf-8")
    m = read_document(tmp_path / "2022-01-05-s3.md").metadata
    assert (m.authors, m.date, m.tags, m.url, m.language) == (("北村 陽菜",), "2022-01-05", ("s3", "storage"),
                                                              "/2022/01/s3/", "ja")


def test_a_horizontal_rule_at_the_top_is_not_front_matter():
    text = "---\n本文の最初の段落です。\n---\n続き\n"
    assert split_front_matter(text) is None


def test_markdown_without_front_matter_is_unchanged(tmp_path):
    (tmp_path / "plain.md").write_text("# 題\n\n" + BODY, encoding="utf-8")
    doc = read_document(tmp_path / "plain.md")
    assert doc.text == "# 題\n\n" + BODY and doc.title == "題" and doc.metadata.date is None


def test_broken_front_matter_names_the_file(tmp_path):
    (tmp_path / "broken.md").write_text('---\ntitle: "unclosed\ntags: [a, b\n---\n' + BODY, encoding="utf-8")
    with pytest.raises(InputError, match="broken.md.*front matter"):
        read_document(tmp_path / "broken.md")


def test_prose_between_rules_with_a_colon_stays_prose():
    text = "---\n時刻: 10:00 から開始しました\n---\n本文\n"
    assert split_front_matter(text) is None
