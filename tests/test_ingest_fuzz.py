"""The readers fuzzed: any bytes under a .txt, .md or .html name give a Document or an
InputError naming the file, never a crash; a Document's text is clean and its Sudachi pieces
are offsets inside it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphbuild.errors import InputError
from graphbuild.ingest.posts import read_document, split_for_sudachi
from graphbuild.query.guard import query_shape

FUZZED_PER_READER = 300

FRAGMENTS = ["<html>", "<!doctype html>", "<head>", "<title>", "</title>", "<script>", "</script>", "<style>",
             "<p>", "</p>", "<br>", "<div", ">", "&amp;", "&#x1F600;", "&#0;", "&bogus;", "<!--", "-->", "<![CDATA[",
             "---\n", "title: x\n", "# 見出し\n", "```", "\ufeff", "\r\n", "\r", "\u2028", "\x00", "\x1b[2J", "\x7f",
             "\u202e", "\u200b", "株式会社", "AWS Lambda", "。", "\n\n", " ", "\t", "\ud7ff", "\U0001F600"]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map("".join)
ENCODINGS = ["utf-8", "utf-8-sig", "shift_jis", "euc_jp", "utf-16", "cp932"]
contents = st.one_of(
    st.tuples(texts, st.sampled_from(ENCODINGS)).map(lambda te: te[0].encode(te[1], errors="replace")),
    st.binary(max_size=600),
    st.tuples(texts, st.binary(max_size=30)).map(lambda tb: tb[0].encode("utf-8", "replace") + tb[1]),
)


def check_reader(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"post{suffix}"
        path.write_bytes(data)
        try:
            document = read_document(path)
        except InputError as e:
            assert e.path == str(path) and e.reason and "\n" not in e.reason
            return
        assert document.text.strip() and document.source == str(path) and document.name == "post"
        assert not any(c in document.text for c in "\r\x00\x1b\x7f")
        if suffix != ".html":  # an HTML title comes whole from <title>
            assert len(document.title) <= 200
        pieces = split_for_sudachi(document.text, max_bytes=64)
        assert pieces[0][0] == 0 and pieces[-1][1] == len(document.text)
        assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))
        assert all(len(document.text[s:e].encode("utf-8", "surrogatepass")) <= 64 for s, e in pieces)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
@settings(max_examples=FUZZED_PER_READER, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=contents)
def test_any_bytes_give_a_document_or_a_message_naming_the_file(suffix, data):
    check_reader(suffix, data)


@settings(max_examples=500, deadline=None)
@given(query=st.one_of(st.text(max_size=200),
                       st.lists(st.sampled_from(["{", "}", "(", ")", "!", "-", "'", '"', '"""', "<", ">", "#", "\n",
                                                 "SERVICE", "service", "?service", "ex:SERVICE", "\\u0053", "ERVICE",
                                                 "<http://x/>", " ", "FILTER", "!="]), max_size=60).map("".join)))
def test_the_query_scanner_never_fails(query):
    shape = query_shape(query)
    assert shape.depth >= 0
    if "SERVICE" not in query.upper() and "\\u" not in query:
        assert not shape.uses_service
