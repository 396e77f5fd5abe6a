import pytest

from graphbuild.errors import InputError
from graphbuild.ingest.posts import extraction_file_name, find_posts, list_posts, read_document, source_path, split_for_sudachi


def test_reads_utf8_with_bom_and_shift_jis(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffAWS の記事\nECS を使う".encode("utf-8"))
    (tmp_path / "sjis.txt").write_bytes("Shift_JIS の記事です。Lambda を使いました。日本語の文章がもう少し続きます。".encode("shift_jis"))
    assert read_document(tmp_path / "bom.txt").text.startswith("AWS の記事")
    assert "Lambda を使いました" in read_document(tmp_path / "sjis.txt").text


def test_html_keeps_text_and_drops_scripts(tmp_path):
    page = "<html><head><title>記事の題</title><script>alert(1)</script></head><body><h1>見出し</h1><p>本文 ECS</p><style>p{}</style></body></html>"
    (tmp_path / "post.html").write_text(page, encoding="utf-8")
    doc = read_document(tmp_path / "post.html")
    assert doc.title == "記事の題"
    assert "本文 ECS" in doc.text and "alert" not in doc.text and "p{}" not in doc.text


def test_same_text_same_id_and_newlines_unified(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"line one\r\nline two")
    (tmp_path / "b.txt").write_bytes(b"line one\nline two")
    assert read_document(tmp_path / "a.txt").id == read_document(tmp_path / "b.txt").id


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"\x00\x01\x02binary", "binary"), (b"   \n\n", "no text")])
def test_bad_files_name_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_document(path)
    assert "bad.txt" in str(info.value) and reason in str(info.value)


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        find_posts([tmp_path / "nope"])


def test_folders_expand_to_posts_only(tmp_path):
    for name in ("a.txt", "b.md", "c.html", "d.png"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert [p.name for p in find_posts([tmp_path])] == ["a.txt", "b.md", "c.html"]


def test_split_for_sudachi_covers_the_text_within_the_byte_limit():
    text = ("段落の文です。" * 300 + "\n\n") * 40 + "最後の行"
    pieces = split_for_sudachi(text, max_bytes=49_149)
    assert len(pieces) > 1
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(len(text[a:b].encode("utf-8")) <= 49_149 for a, b in pieces)
    assert all(text[a:b].endswith(("\n", "。")) for a, b in pieces[:-1])


def test_split_handles_a_single_huge_line():
    text = "あ" * 60_000
    pieces = split_for_sudachi(text, max_bytes=40_000)
    assert "".join(text[a:b] for a, b in pieces) == text
    assert all(len(text[a:b].encode("utf-8")) <= 40_000 for a, b in pieces)


def test_post_names_are_paths_relative_to_the_folder_given(tmp_path):
    for rel in ("a/index.md", "b/index.md", "c.md", "c.html", "d.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("# 題\n\n本文\n", encoding="utf-8")
    names = [name for _, name in list_posts([tmp_path])]
    assert names == ["a/index", "b/index", "c", "c.md", "d"]  # c.html came first and keeps the plain name
    assert len(set(names)) == 5
    assert [name for _, name in list_posts([tmp_path / "a" / "index.md"])] == ["index"]  # a file given alone
    files = {extraction_file_name(n) for n in names}
    assert len(files) == 5 and all("/" not in f for f in files)
    documents = [read_document(path, name) for path, name in list_posts([tmp_path])]
    assert sorted(source_path(d) for d in documents) == ["a/index.md", "b/index.md", "c.html", "c.md", "d.txt"]


def test_extraction_file_names_never_collide_and_stay_short():
    names = ["a/b", "a%2Fb", "a_b", ".hidden", "x" * 400, "x" * 401, "記事/ノート"]
    files = [extraction_file_name(n) for n in names]
    assert len(set(files)) == len(names)
    assert all(len(f.encode()) < 255 and not f.startswith(".") and "/" not in f for f in files)


def test_plain_text_is_unchanged(tmp_path):
    (tmp_path / "p.txt").write_text("---\ntitle: x\n---\n本文\n", encoding="utf-8")
    doc = read_document(tmp_path / "p.txt")
    assert doc.format == "text" and doc.text == "---\ntitle: x\n---\n本文\n"
