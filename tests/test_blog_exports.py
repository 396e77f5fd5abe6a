"""Blog exports read as many posts, each with its own name and metadata; bad exports named with the reason."""

from __future__ import annotations

import pytest

from graphbuild.errors import InputError
from graphbuild.ingest.posts import list_posts, read_posts, source_path
from tests.make_blog_exports import expected_posts, write_exports


def test_each_entry_is_a_post_with_a_stable_name_and_its_metadata(tmp_path):
    folder = write_exports(tmp_path / "exports")
    documents = [d for path, name in list_posts([tmp_path]) for d in read_posts(path, name)]
    assert len(documents) == 50 and len({d.name for d in documents}) == 50
    by_path = {source_path(d): d for d in documents}
    suffix = {"wxr": "wordpress.xml", "mt": "hatena.export.txt", "atom": "feed.atom"}
    for post in expected_posts():
        d = by_path[f"exports/{suffix[post.kind]}#{post.slug}"]
        assert d.title == post.title and d.metadata.authors == (post.author,) and d.metadata.date == post.date
        assert d.metadata.url == (None if post.kind == "mt" else post.url)
        assert d.format == "html" and "## 感想" in d.text and "<p>" not in d.text
    assert by_path["exports/wordpress.xml#wxr-post-01"].name == "exports/wordpress/wxr-post-01"
    assert all("参考になりました" not in d.text for d in documents)  # a Movable Type comment is not the post
    assert {d.metadata.site for d in documents} == {"北村のクラウド日記", "森下のメモ帳", None}
    assert folder.is_dir()


def test_names_stay_when_an_entry_is_added(tmp_path):
    path = write_exports(tmp_path) / "feed.atom"
    before = [d.name for d in read_posts(path)]
    text = path.read_text(encoding="utf-8")
    extra = text[text.index("  <entry>"):text.index("</entry>") + 8].replace("atom-post-01", "new-entry").replace(
        "その1", "その追加")
    path.write_text(text.replace("  <entry>", extra + "\n  <entry>", 1), encoding="utf-8")
    after = [d.name for d in read_posts(path)]
    assert set(before) < set(after) and "feed/new-entry" in after


def test_xml_that_is_no_blog_export_is_refused_with_the_reason(tmp_path):
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url><loc>x</loc></url></urlset>',
                                          encoding="utf-8")
    with pytest.raises(InputError, match="sitemap.xml.*not a WordPress export, Atom or RSS feed"):
        read_posts(tmp_path / "sitemap.xml")


def test_a_broken_wordpress_export_names_the_file(tmp_path):
    path = write_exports(tmp_path) / "wordpress.xml"
    path.write_text(path.read_text(encoding="utf-8")[:3000], encoding="utf-8")  # cut off mid-file
    with pytest.raises(InputError, match="wordpress.xml.*not well-formed XML"):
        read_posts(path)


def test_an_export_cannot_pull_in_local_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    path = write_exports(tmp_path) / "wordpress.xml"
    text = path.read_text(encoding="utf-8").replace(
        '<?xml version="1.0" encoding="UTF-8" ?>',
        f'<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>')
    path.write_text(text.replace("<title>北村のクラウド日記</title>", "<title>&leak;</title>"), encoding="utf-8")
    try:
        documents = read_posts(path)
    except InputError:
        return  # refusing the file is fine too
    assert all("TOP-SECRET" not in (d.text + str(d.metadata)) for d in documents)


def test_rss_feed_and_markdown_movable_type_entries(tmp_path):
    (tmp_path / "feed.rss").write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>ツバメ日記</title><language>ja</language>
<item><title>S3 の整理</title><link>https://tsubame.example.jp/2024/s3-cleanup</link>
<pubDate>Thu, 14 Mar 2024 23:30:00 +0900</pubDate><dc:creator>北村 陽菜</dc:creator>
<category>S3</category><description>&lt;p&gt;Amazon S3 のライフサイクルを見直しました。&lt;/p&gt;</description></item>
</channel></rss>""", encoding="utf-8")
    [post] = read_posts(tmp_path / "feed.rss")
    assert (post.name, post.title, post.text) == ("feed/s3-cleanup", "S3 の整理", "Amazon S3 のライフサイクルを見直しました。")
    m = post.metadata
    assert (m.authors, m.date, m.url, m.site, m.tags, m.language) == (
        ("北村 陽菜",), "2024-03-14", "https://tsubame.example.jp/2024/s3-cleanup", "ツバメ日記", ("S3",), "ja")
    (tmp_path / "blog.export.txt").write_text(
        "AUTHOR: 大西 航\nTITLE: Markdown の記事\nBASENAME: 2023/05/01/120000\nCONVERT BREAKS: markdown\n"
        "DATE: 05/01/2023 12:00:00 PM\n-----\nBODY:\n## 見出し\n\n- AWS Lambda を使った\n-----\n--------\n",
        encoding="utf-8")
    [post] = read_posts(tmp_path / "blog.export.txt")
    assert (post.name, post.format, post.text, post.metadata.date) == (
        "blog.export/2023-05-01-120000", "markdown", "## 見出し\n\n- AWS Lambda を使った", "2023-05-01")
