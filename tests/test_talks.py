import pytest
import spacy

from graphbuild.nlp.structure import split_lines
from graphbuild.nlp.talks import SPEAKERS_KEY, TALKS_KEY, talk_title
from tests.conftest import make_doc


def talk_titles(text):
    nlp = spacy.blank("ja")
    nlp.add_pipe("graphbuild_vocabulary")
    nlp.add_pipe("graphbuild_talks")
    doc = nlp(text)
    return doc, [talk_title(s.text) for s in doc.spans[TALKS_KEY]]


def test_time_slots_mark_every_talk():
    text = "イベントのメモ\n\n[10:00-10:40] 基調講演\n\n内容。\n\n[11:00-11:40] コンテナの話\n\nECS の話。\n\n補足の見出し\n"
    _, titles = talk_titles(text)
    assert titles == ["基調講演", "コンテナの話"]


def test_title_with_speaker_line_is_a_talk_and_the_speaker_is_kept():
    text = "参加レポート\n\n「クラウドを正しく使うための入門」\n@someone様\n\n本文です。\n\nまとめ\nよかった。"
    doc, titles = talk_titles(text)
    assert titles == ["クラウドを正しく使うための入門"]
    assert [s.text for s in doc.spans[SPEAKERS_KEY]] == ["@someone様"]


def test_ordinary_headings_are_not_talks():
    text = "ブログ\n\nFargateの強み\n\n本文です。\n\nサーバーレスへの懸念\n\n本文です。"
    assert talk_titles(text)[1] == []


def test_split_lines_keeps_offsets():
    text = "  一行目 \n\n二行目"
    assert [text[l.start:l.end] for l in split_lines(text)] == ["一行目", "二行目"]


@pytest.mark.model
def test_a_title_quoted_in_prose_as_a_session_is_a_talk_with_its_speaker(nlp):
    text = ("# JAWS FESTA に参加しました\n\n"
            "最初に聞いたのは、株式会社ハカタクラウドの久保田 翼さんによる「九州の物流を止めない IoT データ基盤のつくりかた」"
            "というセッションでした。AWS IoT Core で集めたデータを Amazon Timestream に入れているそうです。\n\n"
            "帰りに「もう RDS には戻れない」という話で盛り上がりました。\n")
    _, doc = make_doc(nlp, text)
    talks = doc._.graphbuild_talk_records
    assert [text[slice(*t.title)] for t in talks] == ["九州の物流を止めない IoT データ基盤のつくりかた"]
    speaker = text[slice(*talks[0].speakers[0])]
    assert "ハカタクラウド" in speaker and "久保田" in speaker


def test_what_a_speaker_said_is_no_talk_but_a_session_they_gave_is(nlp):
    text = ("# JAWS FESTA に参加しました\n\n"
            "最後に聞いたのが、サンプル食品株式会社の白石 健一さんの「1人情シスのクラウド移行奮闘記」。EC2 に移したそうです。\n\n"
            "特にノースブリッジ交通さんの「5人で回している」という話は勇気をもらえました。\n")
    _, doc = make_doc(nlp, text)
    assert [text[slice(*t.title)] for t in doc._.graphbuild_talk_records] == ["1人情シスのクラウド移行奮闘記"]


def test_each_quoted_lt_line_keeps_its_own_speaker_and_a_note_is_no_title():
    text = ("勉強会 #9 のお知らせ\n\n15:30-16:20 【LT大会】(各5分、発表順は当日)\n"
            " ・「Amplify で回覧板アプリを作った」 @kuro_dev さん\n"
            " ・「DynamoDB のキー設計を3回やり直した話」 @hashi_t さん\n")
    doc, titles = talk_titles(text)
    assert "(各5分、発表順は当日)" not in titles
    assert {"Amplify で回覧板アプリを作った", "DynamoDB のキー設計を3回やり直した話"} <= set(titles)
    talks = {text[slice(*t.title)]: [text[slice(*s)] for s in t.speakers] for t in doc._.graphbuild_talk_records}
    assert talks["Amplify で回覧板アプリを作った"] == ["@kuro_dev さん"]


@pytest.mark.parametrize("line, title", [
    ("## ■ 12/5(木)Dr. Werner Vogels Keynote", "Dr. Werner Vogels Keynote"),
    ("## オープニングキーノート：Jeff Barr さん", "オープニングキーノート"),
    ("■ CON326-R Running Kubernetes on AWS Fargate（Chalk Talk）", "Running Kubernetes on AWS Fargate"),
])
def test_marks_dates_session_labels_and_a_speaker_after_a_colon_leave_the_title(line, title):
    from graphbuild.nlp.talks import parse_title

    start, end, _, _ = parse_title(line, line.index(" ") + 1 if line.startswith("#") else 0, len(line))
    assert line[start:end] == title


@pytest.mark.parametrize("line", ["・LT 5分は「失敗してもいい場所」", "### LT 2 本", "## LT トラック"])
def test_a_line_about_the_lts_is_no_lt(line):
    _, titles = talk_titles(f"参加レポート\n\n{line}\n\n楽しかったです。\n")
    assert not any(t in ("分は「失敗してもいい場所」", "本", "トラック", "LT 2 本") for t in titles)


def test_the_items_under_a_speakers_label_are_the_talks_speakers():
    text = ("re:Invent 参加レポート\n\n## 1. DAT423 | Chalk talk: Multi-Region strong consistency with Amazon Aurora DSQL\n\n"
            "### セッション概要\n\nDSQL の話です。\n\n**Speakers**\n\n"
            "- Priya Raman, Principal Database Specialist SA, Amazon Web Services\n"
            "- Marco Bellini, Sr. Software Development Engineer, Amazon Web Services\n\n### 内容\n\n- 楽観的な制御\n")
    doc, _ = talk_titles(text)
    speakers = [text[slice(*s)] for t in doc._.graphbuild_talk_records for s in t.speakers]
    assert any(s.startswith("Priya Raman") for s in speakers) and any(s.startswith("Marco Bellini") for s in speakers)


def test_a_day_and_time_line_under_a_title_is_no_talk():
    text = ("AWS Summit Japan 2024 で登壇しました\n\n### 登壇したセッション\n\n"
            "**CUS-41「DynamoDB に全部乗せした注文基盤を 1 年運用して、半分 Aurora に戻した話」**\n\n"
            "Day2（6/21）15:10〜15:40 ／ 登壇者：株式会社サンプルラボ 春田 祐樹\n\n資料はこちらです。\n")
    _, titles = talk_titles(text)
    assert not any(t.startswith("Day2") for t in titles)
