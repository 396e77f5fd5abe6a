"""Writers found by `graphbuild.authors.find_authors` on text alone (no model)."""

from graphbuild.nlp.authors import find_authors
from graphbuild.nlp.structure import split_lines


def authors_of(text: str, companies=(), metadata_authors=(), site=None, publisher=None):
    lines = [(line.start, line.end) for line in split_lines(text) if line.text.strip()]
    found = find_authors(text, lines, list(companies), tuple(metadata_authors), site=site, publisher=publisher)
    return {(a.name, a.type, a.method) for a in found}


def company_at(text: str, name: str) -> tuple[int, int, str]:
    at = text.index(name)
    return at, at + len(name), name


def test_a_company_blog_named_in_latin_letters_is_owned_by_the_company_the_writer_names():
    text = "オンプレから移行しました\n\nこんにちは、ソラノートで SRE をしている村瀬です。\n本文です。\n"
    found = authors_of(text, site="SoraNote Tech Blog")
    assert ("ソラノート", "Company", "blog-owner") in found
    # the same self-introduction on a blog that is nobody's company blog names no company
    assert not any(t == "Company" for _, t, _ in authors_of(text, site="むらせの雑記帳"))


def test_a_blog_name_line_at_the_top_names_its_company():
    text = "Tech Blog | 株式会社ソラリス\n\nre:Invent 参加レポート\n\n2022.11.30　岡部 直樹\n"
    assert ("株式会社ソラリス", "Company", "blog-owner") in authors_of(text)
    text = "ハルカゼ開発者ブログ ｜ 2018-10-02\n\nre:Invent に行きました\n"
    assert ("ハルカゼ", "Company", "blog-owner") in authors_of(text)


def test_the_blog_name_resolves_to_the_company_mentioned_in_the_post():
    text = "ミライソフト Tech Blog\n\n株式会社ミライソフトのエンジニア3名が参加しました。\n"
    found = authors_of(text, companies=[company_at(text, "株式会社ミライソフト")])
    assert ("株式会社ミライソフト", "Company", "blog-owner") in found


def test_a_team_named_as_the_writer_in_the_metadata_is_its_company():
    text = "2024.12.09 | 執筆:ミズナラ・クラウドワークス AWS推進室\n\n本文\n"
    found = authors_of(text, metadata_authors=["ミズナラ・クラウドワークス AWS推進室"])
    assert ("ミズナラ・クラウドワークス", "Company", "metadata") in found
    assert not any(t == "Person" for _, t, _ in found)


def test_the_company_in_a_section_about_the_writer_is_their_employer_not_a_writer():
    text = "# re:Invent で聴いたセッション\n\n## 筆者のスペック\n\n- 株式会社フォレストビットでバックエンドを担当\n- 英語は苦手\n"
    found = authors_of(text, companies=[company_at(text, "株式会社フォレストビット")])
    assert ("株式会社フォレストビット", "Company", "profile") in found


def test_a_common_noun_after_a_demonstrative_or_a_particle_is_no_writer():
    text = "re:Invent 参加レポート\n\n発表が多すぎましたが、自分が拾えたのはこのあたりです。\nなので午後の枠からのメモです。\n"
    assert not {name for name, type_, _ in authors_of(text) if type_ == "Person"}
    assert ("たなか", "Person", "self-intro") in authors_of("記事\n\nインフラチームのたなかです。\n")
