from graphbuild.nlp.structure import CHROME, CODE, HEADING, ITEM, LINE, ROW, read_blocks


def kinds(text, format="text"):
    return [(b.kind, b.level, b.content(text)) for b in read_blocks(text, format)]


def test_markdown_headings_items_tables_and_code_are_read_with_their_offsets():
    text = ("# 参加レポート\n\n## 13:00-13:30 CDK で始める IaC\n\n- 要点\n  - 入れ子\n\n| 時間 | タイトル |\n|---|---|\n"
            "| 10:00 | Aurora 入門 |\n\n```yaml\nType: AWS::Lambda::Function\n```\n")
    blocks = read_blocks(text, "markdown")
    assert [(b.kind, b.level) for b in blocks if b.kind != "rule"] == [
        (HEADING, 1), (HEADING, 2), (ITEM, 0), (ITEM, 1), (ROW, 0), (ROW, 0), (CODE, 0), (CODE, 0), (CODE, 0)]
    heading = blocks[1]
    assert text[heading.start:heading.end] == "13:00-13:30 CDK で始める IaC"  # the marks are not content
    header, row = [b for b in blocks if b.kind == ROW]
    assert header.header and not row.header
    assert [text[a:b] for a, b in row.cells] == ["10:00", "Aurora 入門"]


def test_plain_text_marks_make_headings_and_items():
    text = "■ Day1 基調講演\n▼ゲスト：株式会社X\n・本番は ECS\n  • 入れ子\n【LT大会】\nふつうの行です。\n"
    assert kinds(text) == [(HEADING, 2, "Day1 基調講演"), (HEADING, 3, "ゲスト：株式会社X"), (ITEM, 0, "本番は ECS"),
                           (ITEM, 1, "入れ子"), (HEADING, 2, "【LT大会】"), (LINE, 0, "ふつうの行です。")]


def test_share_buttons_tag_lines_and_counters_are_page_chrome():
    text = ("この記事をシェアする：Twitter / Facebook / はてなブックマーク\n#AWS #JAWSUG #参加レポート\n"
            "`AWS` `ECS` `Fargate`\nタグ：AWS, 福岡\n👍 いいね 14　📁 ストック 9\n« 前の記事：JAWS-UG に参加しました\n"
            "Twitter で告知された Fargate の話です。\n")
    assert [k for k, _, _ in kinds(text)] == [CHROME] * 6 + [LINE]


def test_a_list_of_other_posts_under_a_related_articles_heading_is_page_chrome():
    text = ("# 本文\n\nECS に移行しました。\n\n## 関連記事\n\n- [Amazon CodeCatalyst を触ってみた](https://example.com/a)\n"
            "- [ECS Exec の手順](https://example.com/b)\n\n## おわりに\n\n- Fargate は楽でした\n")
    kinds = {text[b.start:b.end]: b.kind for b in read_blocks(text, "markdown")}
    assert kinds["関連記事"] == CHROME
    assert all(kind == CHROME for content, kind in kinds.items() if "example.com" in content)
    assert kinds["Fargate は楽でした"] == ITEM
