"""Event dates and venue from the words near the event's mention."""

from __future__ import annotations

from graphbuild.nlp.event_details import find_event_details
from graphbuild.nlp.records import EventDetails


def details(text: str, name: str, key: str) -> tuple[EventDetails, ...]:
    start = text.index(name)
    return find_event_details(text, [(start, start + len(name), key)])


def test_date_range_without_year_takes_the_events_year_and_the_venue_before_de_kaisai():
    text = "2019/06/12〜14 に幕張メッセで開催された AWS Summit Tokyo 2019 の Day1 に参加しました。"
    assert details(text, "AWS Summit Tokyo 2019", "evt:aws-summit-tokyo-2019") == (
        EventDetails("evt:aws-summit-tokyo-2019", "2019-06-12", "2019-06-14", "幕張メッセ"),)


def test_japanese_full_date_and_city():
    text = "JAWS DAYS 2024 は 2024年3月2日(土) に池袋で開催されました。"
    assert details(text, "JAWS DAYS 2024", "evt:jaws-days-2024") == (
        EventDetails("evt:jaws-days-2024", "2024-03-02", "2024-03-02", "池袋"),)


def test_information_lines_after_the_mention():
    text = "**AWS Summit Japan 2025** に参加しました。\n\n## 概要\n\n- 日時：6月25日(水)〜26日(木)\n- 会場：幕張メッセ 国際展示場"
    assert details(text, "AWS Summit Japan 2025", "evt:aws-summit-japan-2025") == (
        EventDetails("evt:aws-summit-japan-2025", "2025-06-25", "2025-06-26", "幕張メッセ 国際展示場"),)


def test_a_date_and_place_belong_to_the_event_named_after_them():
    text = "2025/1/18(土)に宇都宮で開催された 北関東クラウド勉強会 #21「re:Invent 2024 re:Cap」 に参加しました。"
    a, b = text.index("北関東クラウド勉強会 #21"), text.index("re:Invent 2024")
    found = find_event_details(text, [(a, a + 15, "evt:北関東クラウド勉強会 #21"), (b, b + 14, "evt:aws-reinvent-2024")])
    assert found == (EventDetails("evt:北関東クラウド勉強会 #21", "2025-01-18", "2025-01-18", "宇都宮"),)


def test_a_series_without_year_or_number_has_no_single_date():
    text = "2024年5月25日に目黒で開催された JAWS-UG の勉強会に行きました。"
    assert details(text, "JAWS-UG", "evt:jaws-ug") == ()


def test_nothing_said_nothing_found():
    text = "AWS re:Invent のキーノートを配信で見ました。オンラインで開催された回です。"
    assert details(text, "AWS re:Invent", "evt:aws-reinvent") == ()


def test_a_date_in_another_paragraph_is_not_the_events():
    text = "JAWS-UG 札幌 の話。\n\n" + "関係のない文章です。" * 30 + "\n\n2023年1月5日に別の記事を書きました。"
    assert details(text, "JAWS-UG 札幌", "evt:jaws-ug-sapporo") == ()
