"""What evidence keeps of its sentence: all of a normal one, bounded windows of a very long one."""

from graphbuild.nlp.extract import SENTENCE_CHARS, sentence_window


def test_a_normal_sentence_is_kept_whole():
    assert sentence_window(100, 100 + SENTENCE_CHARS, 150, 155) == (100, 100 + SENTENCE_CHARS)


def test_the_windows_of_a_long_sentence_hold_their_mention_and_grow_with_the_text_not_its_square():
    length = 52_000  # the hostile corpus's post without punctuation is one sentence this long
    windows = set()
    for start in range(0, length - 3, 4):  # a mention every four characters
        begin, end = sentence_window(0, length, start, start + 3)
        assert begin <= start and start + 3 <= end and end - begin <= 3 * SENTENCE_CHARS
        windows.add((begin, end))
    assert sum(end - begin for begin, end in windows) < 4 * length  # each window stored once


def test_a_mention_at_the_end_of_a_long_sentence_keeps_the_text_before_it():
    begin, end = sentence_window(0, 10_000, 9_995, 10_000)
    assert end == 10_000 and begin < 9_900
