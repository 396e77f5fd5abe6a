"""Saved HTML pages: the article body only, as Markdown, and what the page says about the post."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graphbuild.ingest.html_page import read_html
from graphbuild.ingest.posts import read_document

STYLES = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "styles" / "texts"

PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">
<title>ECS を本番に入れた話 | ツバメ Tech Blog</title>
<meta property="og:site_name" content="ツバメ Tech Blog">
<meta property="article:published_time" content="2023-07-04T09:00:00+09:00">
<meta name="author" content="北村 陽菜">
<meta property="article:tag" content="ECS"><meta property="article:tag" content="Fargate">
<link rel="canonical" href="https://tech.tsubame.example.jp/entry/ecs">
</head><body>
<header><nav><a href="/">トップ</a><a href="/tags/kinesis">Amazon Kinesis</a></nav></header>
<div class="share"><a>はてなブックマークに追加</a><a>X でシェア</a></div>
<main><article><h1>ECS を本番に入れた話</h1>
<p>今年の春から Amazon ECS on AWS Fargate で決済 API を動かしています。移行前は EC2 の上で systemd が全部を面倒見ていました。</p>
<h2>構成</h2>
<ul><li>ALB から ECS サービスへ</li><li>ログは CloudWatch Logs へ</li></ul>
<table><tr><th>項目</th><th>値</th></tr><tr><td>タスク数</td><td>6</td></tr></table>
<pre><code>aws ecs update-service --cluster prod --service api --force-new-deployment</code></pre>
<p>デプロイは GitHub Actions から行っています。移行で困ったことは次の記事に書きます。</p>
</article></main>
<aside class="related"><h3>関連記事</h3><ul><li><a>Amazon Redshift で集計基盤を作った話</a></li></ul></aside>
<footer>© ツバメ株式会社 | <a>Amazon SageMaker 入門</a></footer>
</body></html>"""


def test_article_body_as_markdown_without_chrome():
    post = read_html(PAGE)
    assert "## 構成" in post.text
    assert "- ALB から ECS サービスへ" in post.text
    assert "| 項目 | 値 |" in post.text
    assert "```" in post.text and "aws ecs update-service" in post.text
    for chrome in ("はてなブックマーク", "Amazon Kinesis", "Amazon Redshift", "SageMaker", "関連記事", "トップ"):
        assert chrome not in post.text
    assert "ツバメ Tech Blog" not in post.text  # the <title> is the title, not the text


def test_metadata_from_meta_tags_and_title_without_the_blog_name():
    post = read_html(PAGE)
    assert post.title == "ECS を本番に入れた話"
    m = post.metadata
    assert (m.authors, m.date, m.url, m.site, m.tags, m.language) == (
        ("北村 陽菜",), "2023-07-04", "https://tech.tsubame.example.jp/entry/ecs", "ツバメ Tech Blog",
        ("ECS", "Fargate"), "ja")


def test_json_ld_is_trusted_first():
    page = PAGE.replace("</head>", """<script type="application/ld+json">{"@context":"https://schema.org",
      "@graph":[{"@type":"WebSite","name":"x"},{"@type":"BlogPosting","headline":"ECS を本番に入れた話",
      "datePublished":"2023-07-05T01:00:00+09:00","author":[{"@type":"Person","name":"大西 航"},
      {"@type":"Person","name":"森下 理沙｜インフラ担当"}]}]}</script></head>""")
    m = read_html(page).metadata
    assert m.authors == ("大西 航", "森下 理沙") and m.date == "2023-07-05"


def test_title_suffix_cut_by_site_name_when_no_heading_matches():
    page = PAGE.replace("<h1>ECS を本番に入れた話</h1>", "")
    assert read_html(page).title == "ECS を本番に入れた話"


def test_byline_when_the_page_declares_no_author():
    page = PAGE.replace('<meta name="author" content="北村 陽菜">', "").replace(
        "</article>", "<p class=\"credit\">取材・文:大西 航(広報)</p></article>")
    assert read_html(page).metadata.authors == ("大西 航",)


@pytest.mark.parametrize("broken", [
    PAGE.replace("</head>", ""),  # HTML lets a page leave </head> out
    PAGE.replace("<main>", '<svg viewBox="0 0 10 10"><path d="M0 0h10"><main>'),  # an <svg> never closed
])
def test_pages_without_head_end_or_with_unclosed_svg_keep_their_text(tmp_path, broken):
    (tmp_path / "post.html").write_text(broken, encoding="utf-8")
    doc = read_document(tmp_path / "post.html")
    assert doc.format == "html"
    assert "決済 API を動かしています" in doc.text and "GitHub Actions" in doc.text


def test_a_bare_fragment_is_still_read(tmp_path):
    (tmp_path / "short.html").write_text("<p>ECS を使った。</p>", encoding="utf-8")
    assert read_document(tmp_path / "short.html").text == "ECS を使った。"


# What each HTML and front-matter post of the styles corpus says about itself, read from the
# posts by hand: (title, authors, date).  Front matter without author or date fields has none.
EXPECTED = {
    "s11.html": ("オンプレの予約基盤を ECS on Fargate + Aurora へ移行しました（EKS を選ばなかった理由も書きます）",
                 ("村瀬 隆之",), "2024-03-14"),
    "s13.html": ("AWS Summit Japan 2024 で事例セッションに登壇しました #AWSSummit", ("haruta_nl",), "2024-06-25"),
    "s14.html": ("ECS on EC2 から EKS へ。2 人で振り返る 9 か月の移行プロジェクト", ("佐伯 美咲", "大野 健太"), "2024-11-20"),
    "s16.html": ("Serverless Meetup Fukuoka #8 に行ってきた｜Lambda SnapStart から Aurora DSQL まで", ("ミナト",),
                 "2025-02-09"),
    "s20.html": ("【イベントレポート】JAWS-UG コンテナ支部 #27 に参加しました（弊社 永井も登壇）", ("岡本 大輔",), "2024-10-01"),
    "s21.html": ("週刊AWSアップデートまとめ【2025/5/26〜5/30】Aurora DSQL がついにGA", ("三好 拓海",), "2025-06-02"),
    "s22.html": ("【re:Invent 2024】キーノート別・新サービス&アップデートまとめ ~パートナー目線の注目ポイント付き~",
                 ("ミズナラ・クラウドワークス AWS推進室",), "2024-12-09"),
    "s25.html": ("「止めない移行」をどう伝えたか。AWS Summit Japan 2025 に登壇した SRE・穂積さんにインタビュー",
                 ("内田 真央",), "2025-07-15"),
    "s12.md": ("EC2 の cron バッチとプッシュ通知 API を Lambda + DynamoDB に寄せたら月額が 1/5 になった話", (), None),
    "s15.md": ("JAWS-UG浜松 AWS勉強会 2024#5「コンテナ？サーバーレス？」に参加してきました", (), "2024-05-27"),
    "s17.md": ("AWS LT Night #12 〜re:Invent 2024 ふりかえり〜 に参加したので全LTまとめる", (), None),
    "s19.md": ("【事例】月次集計バッチが Lambda の 15 分の壁を越えたので Step Functions + ECS(Fargate) に移した", (),
               "2024-08-02"),
    "s23.md": ("re:Invent 2024 の DAT427 を録画で見た:Aurora DSQL の中身を図なしでざっくりメモ", (), None),
}


@pytest.fixture(scope="module")
def styles() -> Path:
    if not STYLES.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the styles corpus at {STYLES}")
        pytest.skip("../shared/eval/styles is not next to this checkout")
    return STYLES


def test_every_html_and_front_matter_post_of_the_styles_corpus_is_read_correctly(styles):
    found = {}
    for name in EXPECTED:
        doc = read_document(styles / name)
        found[name] = (doc.title, doc.metadata.authors, doc.metadata.date)
    assert found == EXPECTED
    front_matter_posts = {p.name for p in styles.glob("*.md") if p.read_text(encoding="utf-8").startswith("---\n")}
    html_posts = {p.name for p in styles.glob("*.html")}
    assert front_matter_posts | html_posts == set(EXPECTED)  # none left out


# Names each page shows only outside its article (navigation, tag clouds, related and popular
# articles, share buttons, comments, profile boxes, footers), read from the pages by hand.
CHROME = {
    "s11.html": ["Terraform", "Amazon Bedrock", "Lambda@Edge", "CloudFront Functions", "React", "TypeScript",
                 "kzm_infra", "@soranote_tech"],
    "s13.html": ["Hatena Blog", "JAWS DAYS 2024", "ServerlessDays Tokyo 2023", "Distributed Map", "ddb_mochi",
                 "TypeScript", "Terraform", "Node.js", "はてなブックマーク", "Pocket", "Facebook"],
    "s14.html": ["React", "JAWS-UG コンテナ支部", "re:Invent 2024"],
    "s16.html": ["ServerlessDays Fukuoka 2024", "JAWS-UG 福岡", "Amazon Bedrock"],
    "s20.html": ["Control Tower", "Amazon Bedrock", "Security Hub", "Slack", "AWS Copilot", "AWS Systems Manager",
                 "CloudFormation", "AWS Summit Japan 2024", "re:Invent 2023"],
    "s21.html": ["Amazon EKS Auto Mode", "AWS Backup", "Amazon Bedrock Knowledge Bases", "IAM Identity Center",
                 "Cost Explorer"],
    "s22.html": ["Amazon EKS Auto Mode", "Amazon Q Business"],
    "s25.html": ["AWS CodePipeline", "Datadog APM"],
}


def _fold(name: str) -> str:
    return "".join(name.casefold().split()).lstrip("@")


@pytest.mark.model
def test_no_entity_of_the_styles_html_posts_comes_only_from_page_chrome(styles, nlp):
    from graphbuild.nlp.extract import extract
    from graphbuild.nlp.pipeline import process_one

    assert set(CHROME) == {p.name for p in styles.glob("*.html")}
    found = {}
    for name, chrome in CHROME.items():
        doc = read_document(styles / name)
        assert [c for c in chrome if c.casefold() in doc.text.casefold()] == []  # the chrome is not in the text
        record = extract(doc, process_one(nlp, doc))
        names = {_fold(n) for e in record.entities for n in (e.name, *e.aliases)}
        found[name] = [c for c in chrome if _fold(c) in names]
    assert found == {name: [] for name in CHROME}
