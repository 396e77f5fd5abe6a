"""The NER reads only the stretches around person and conference cues, and finds names there."""

from __future__ import annotations

import pytest

from tests.conftest import make_doc

pytestmark = pytest.mark.model


def test_a_speaker_named_next_to_an_honorific_is_found(nlp):
    _, doc = make_doc(nlp, "今日のセッションは山田 太郎さんの講演でした。とても面白い内容でした。")
    assert "山田 太郎" in {e.text for e in doc.ents if e.label_ == "Person"}


def test_only_the_stretches_around_cues_are_read(nlp):
    plain = "構成図を見ながらシステムの変遷を追いかけました。" * 40
    text = plain + "\n発表者は佐藤 花子さんです。\n" + plain
    ner = nlp.get_pipe("graphbuild_targeted_ner")
    document, doc = make_doc(nlp, text)
    units = ner.sentences_to_read(doc)
    assert len(units) == 1
    start, end = units[0]
    assert "佐藤 花子さん" in text[start:end] and end - start < 200  # not the 2,000 characters around it
    assert not ner.sentences_to_read(make_doc(nlp, plain)[1])


def test_the_ner_does_not_replace_a_vocabulary_match(nlp):
    _, doc = make_doc(nlp, "登壇者の鈴木さんが AWS Lambda と Amazon ECS の話をしました。")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("AWS Lambda") == "Service" and labels.get("Amazon ECS") == "Service"


def test_latin_names_are_kept_by_the_name_scorer_and_headings_are_not(nlp):
    text = ("# re:Invent 2024 キーノートまとめ\n\n"
            "## Trouble Shooting Tips\n\n"
            "初日の基調講演は Matt Garman 氏（AWS CEO）。ゲストに Andy Jassy 氏も登場しました。\n\n"
            "- Speaker: Priya Raman, Principal Product Manager, AWS\n")
    _, doc = make_doc(nlp, text)
    people = {e.text for e in doc.ents if e.label_ == "Person"}
    assert {"Matt Garman", "Andy Jassy", "Priya Raman"} <= people
    assert not any(name in people for name in ("Trouble Shooting", "Trouble Shooting Tips", "Principal Product"))
