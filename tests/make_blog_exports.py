"""Write three invented blog exports: a WordPress WXR file (20 posts), a Movable Type /
Hatena Blog export (20 posts) and an Atom feed (10 entries).

    python -m tests.make_blog_exports DIR

Every post is written here (templates over a few services, events and writers), with its
own slug, author, date and url; `expected_posts` gives what a reader must find.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

SERVICES = ["Amazon ECS", "AWS Lambda", "Amazon DynamoDB", "Amazon Aurora", "Amazon S3", "AWS Fargate",
            "Amazon CloudWatch", "AWS Step Functions", "Amazon EventBridge", "Amazon SQS"]
EVENTS = ["JAWS-UG 札幌 2023", "AWS Summit Japan 2024", "JAWS DAYS 2025", "AWS re:Invent 2022"]
WRITERS = ["北村 陽菜", "大西 航", "@tsubame_dev", "森下 理沙"]


@dataclass(frozen=True)
class Post:
    kind: str  # "wxr", "mt", "atom"
    slug: str
    title: str
    author: str
    date: str  # ISO date
    url: str
    tags: tuple[str, ...]
    body_html: str


def _posts(kind: str, count: int, host: str) -> list[Post]:
    posts = []
    for i in range(count):
        service, other = SERVICES[i % len(SERVICES)], SERVICES[(i + 3) % len(SERVICES)]
        event = EVENTS[i % len(EVENTS)]
        year = 2019 + i % 6
        date = f"{year}-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
        slug = f"{kind}-post-{i + 1:02d}"
        title = f"{event} で聞いた {service} の話 その{i + 1}"
        body = (f"<p>{event} に参加しました。{service} と {other} を組み合わせた構成の話が印象に残りました。</p>"
                f"<h2>感想</h2><ul><li>{service} の設定は思ったより簡単</li><li>{other} の料金に注意</li></ul>"
                f"<p>次回は社内でも {service} を試してみます。（{host} の投稿 {i + 1} 番）</p>")
        posts.append(Post(kind, slug, title, WRITERS[i % len(WRITERS)], date, f"https://{host}/entry/{slug}",
                          (service.split()[-1], "イベントレポート"), body))
    return posts


def wxr_posts() -> list[Post]:
    return _posts("wxr", 20, "blog.kitamura.example.jp")


def mt_posts() -> list[Post]:
    return _posts("mt", 20, "tsubame.hatenablog.example.com")


def atom_posts() -> list[Post]:
    return _posts("atom", 10, "notes.morishita.example.org")


def expected_posts() -> list[Post]:
    return wxr_posts() + mt_posts() + atom_posts()


def write_wxr(path: Path) -> None:
    items = []
    for n, p in enumerate(wxr_posts(), start=1):
        tags = "".join(f'<category domain="post_tag" nicename="{escape(t.lower())}"><![CDATA[{t}]]></category>'
                       for t in p.tags)
        items.append(f"""  <item>
    <title>{escape(p.title)}</title>
    <link>{p.url}</link>
    <pubDate>Mon, 01 Jan 2024 00:00:00 +0000</pubDate>
    <dc:creator><![CDATA[{p.author}]]></dc:creator>
    <guid isPermaLink="false">https://blog.kitamura.example.jp/?p={n}</guid>
    <content:encoded><![CDATA[{p.body_html}]]></content:encoded>
    <wp:post_id>{n}</wp:post_id>
    <wp:post_date><![CDATA[{p.date} 10:00:00]]></wp:post_date>
    <wp:post_name><![CDATA[{p.slug}]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    {tags}
  </item>""")
    attachment = """  <item>
    <title>logo.png</title>
    <wp:post_id>999</wp:post_id>
    <wp:post_name><![CDATA[logo]]></wp:post_name>
    <wp:status><![CDATA[inherit]]></wp:status>
    <wp:post_type><![CDATA[attachment]]></wp:post_type>
  </item>"""
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>北村のクラウド日記</title>
  <link>https://blog.kitamura.example.jp</link>
  <language>ja</language>
  <wp:wxr_version>1.2</wp:wxr_version>
{chr(10).join(items)}
{attachment}
</channel>
</rss>
""", encoding="utf-8")


def write_mt(path: Path) -> None:
    blocks = []
    for p in mt_posts():
        y, m, d = p.date.split("-")
        categories = "".join(f"CATEGORY: {t}\n" for t in p.tags)
        blocks.append(f"""AUTHOR: {p.author}
TITLE: {p.title}
BASENAME: {p.slug}
STATUS: Publish
ALLOW COMMENTS: 1
CONVERT BREAKS: 0
DATE: {m}/{d}/{y} 10:00:00
{categories}-----
BODY:
{p.body_html}
-----
EXTENDED BODY:

-----
EXCERPT:

-----
KEYWORDS:

-----
COMMENT:
AUTHOR: 通りすがり
DATE: {m}/{d}/{y} 12:00:00
参考になりました
-----
--------
""")
    path.write_text("".join(blocks), encoding="utf-8")


def write_atom(path: Path) -> None:
    entries = []
    for p in atom_posts():
        tags = "".join(f'<category term="{escape(t)}"/>' for t in p.tags)
        entries.append(f"""  <entry>
    <title>{escape(p.title)}</title>
    <link rel="alternate" href="{p.url}"/>
    <id>tag:notes.morishita.example.org,2024:{p.slug}</id>
    <published>{p.date}T10:00:00+09:00</published>
    <updated>{p.date}T12:00:00+09:00</updated>
    <author><name>{escape(p.author)}</name></author>
    {tags}
    <content type="html">{escape(p.body_html)}</content>
  </entry>""")
    path.write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ja">
  <title>森下のメモ帳</title>
  <id>tag:notes.morishita.example.org,2024:feed</id>
  <updated>2024-12-31T00:00:00+09:00</updated>
  <link rel="alternate" href="https://notes.morishita.example.org/"/>
{chr(10).join(entries)}
</feed>
""", encoding="utf-8")


def write_exports(folder: Path) -> Path:
    """The three exports in `folder` (created): wordpress.xml, hatena.export.txt, feed.atom."""
    folder.mkdir(parents=True, exist_ok=True)
    write_wxr(folder / "wordpress.xml")
    write_mt(folder / "hatena.export.txt")
    write_atom(folder / "feed.atom")
    return folder


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tests.make_blog_exports DIR")
    print(write_exports(Path(sys.argv[1])))
