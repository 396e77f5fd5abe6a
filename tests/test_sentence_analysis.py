"""GiNZA's neural stages run on demand: each text once, in windows Sudachi accepts."""

from __future__ import annotations

import pytest

from graphbuild.nlp.sentence_analysis import MAX_CHARS, SentenceAnalyser, window


def test_a_short_sentence_is_its_own_window():
    assert window((10, 50), (20, 25)) == (10, 50)


def test_a_long_sentence_is_cut_around_the_mention_and_stays_inside_the_sentence():
    start, end = window((0, 10_000), (5_000, 5_010))
    assert end - start == MAX_CHARS and start <= 5_000 and 5_010 <= end
    assert window((0, 10_000), (9_990, 9_999)) == (10_000 - MAX_CHARS, 10_000)
    assert window((0, 10_000), (0, 5)) == (0, MAX_CHARS)


@pytest.mark.model
def test_a_text_is_parsed_once_and_the_parse_has_heads(nlp):
    parser = SentenceAnalyser(nlp, ["tok2vec", "parser"])
    first, = parser.analyse(["弊社では Lambda を使っていません。"])
    again, other = parser.analyse(["弊社では Lambda を使っていません。", "別の文です。"])
    assert again is first and other is not first
    assert any(token.head.i != token.i for token in first)  # a dependency parse, not bare tokens
