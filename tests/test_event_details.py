"""Event dates and venue from the words near the event's mention."""

from __future__ import annotations

from graphbuild.event_details import find_event_details
from graphbuild.records import EventDetails


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


def test_month_day_range_with_weekdays_and_kaijo_line():
    text = "AWS Summit Japan 2025\n6月25日(水)〜26日(木)\n会場: 幕張メッセ 国際展示場"
    assert details(text, "AWS Summit Japan 2025", "evt:aws-summit-japan-2025") == (
        EventDetails("evt:aws-summit-japan-2025", "2025-06-25", "2025-06-26", "幕張メッセ 国際展示場"),)


def test_nothing_said_nothing_found():
    text = "AWS re:Invent のキーノートを配信で見ました。オンラインで開催された回です。"
    assert details(text, "AWS re:Invent", "evt:aws-reinvent") == ()


def test_a_date_in_another_paragraph_is_not_the_events():
    text = "JAWS-UG 札幌 の話。\n\n" + "関係のない文章です。" * 30 + "\n\n2023年1月5日に別の記事を書きました。"
    assert details(text, "JAWS-UG 札幌", "evt:jaws-ug-sapporo") == ()
