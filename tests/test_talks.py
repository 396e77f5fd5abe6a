import spacy

from graphbuild.nlp.structure import split_lines
from graphbuild.nlp.talks import SPEAKERS_KEY, TALKS_KEY, talk_title


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
