"""Write a corpus of hostile inputs: encodings, HTML full of script, empty, binary and huge
files, control characters, odd names, and text written to break IRIs, Turtle and the map.

    python -m tests.hostile_corpus DIR

Every input is made here from short phrases of our own; nothing is copied from elsewhere.
`EXPECTED_SKIPS` lists the files that must be reported rather than built.
"""

from __future__ import annotations

import gzip
import os
import random
import sys
import zlib
from pathlib import Path

BASE = ("{company}では Amazon ECS と AWS Fargate を本番環境に採用しています。\n"
        "AWS Summit Tokyo 2019 のセッション「コンテナ移行の実践」で話を聞きました。\n")
XSS = "<img src=x onerror=alert(1)>"
NASTY_NAMES = [XSS, "</script><script>alert(2)</script>", 'a"b<c>d{e}f|g^h`i\\j', "株式会社 空白 入り", "x href=javascript:alert(3)"]


def hostile_inputs() -> dict[str, bytes]:
    """File name -> bytes for every hostile input (at least 50)."""
    rng = random.Random(20191122)
    text = BASE.format(company="株式会社サンプル商事")
    files: dict[str, bytes] = {}

    # encodings
    files["utf8.txt"] = text.encode("utf-8")
    files["utf8-bom.txt"] = b"\xef\xbb\xbf" + text.encode("utf-8")
    files["shift_jis.txt"] = (text * 3).encode("shift_jis")
    files["cp932.txt"] = ("①②③ ～ " + text * 3).encode("cp932")
    files["euc-jp.txt"] = (text * 3).encode("euc_jp")
    files["iso-2022-jp.txt"] = (text * 3).encode("iso2022_jp")
    files["utf16-bom.txt"] = text.encode("utf-16")
    files["latin1.txt"] = "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 with AWS Lambda and Amazon S3.\n".encode("latin-1") * 5
    files["invalid-utf8.txt"] = text.encode("utf-8")[:50] + b"\xff\xfe\xc3\x28" + text.encode("utf-8")
    files["shift_jis.html"] = (f'<html><head><meta charset="shift_jis"><title>題</title></head>'
                               f"<body><p>{text}</p></body></html>").encode("shift_jis")

    # HTML
    files["scripts.html"] = (f"<!doctype html><html><head><title>記事</title><script>alert(1)</script>"
                             f"<style>body{{color:red}}</style></head><body onload=alert(2)>"
                             f"<p>{text}</p><script src=https://evil.example/x.js></script>"
                             f"<noscript>見せない</noscript></body></html>").encode("utf-8")
    files["inline-handlers.html"] = (f'<html><body><div onclick="alert(1)"><a href="javascript:alert(2)">リンク</a>'
                                     f"<p>{text}</p></div></body></html>").encode("utf-8")
    files["entities.html"] = ("<html><body><p>&#12371;&#12428;&#12399; &lt;b&gt; &amp; AWS&nbsp;Lambda "
                              "&#x41;mazon ECS &unknown; &#99999999;</p></body></html>").encode("utf-8")
    files["unclosed.html"] = f"<html><body><div><p>{text}<p><b><i>閉じない<table><tr><td>ECS".encode("utf-8")
    files["deep-nesting.html"] = ("<html><body>" + "<div>" * 5000 + text + "</div>" * 5000 + "</body></html>").encode()
    files["only-script.html"] = b"<html><head><script>var x = 1;</script></head><body></body></html>"
    files["svg-and-iframe.html"] = (f"<html><body><svg><script>alert(1)</script><text>SVG</text></svg>"
                                    f"<iframe src='https://evil.example'></iframe><p>{text}</p></body></html>").encode()
    files["comment-and-cdata.html"] = (f"<html><body><!-- {XSS} --><![CDATA[ x ]]><p>{text}</p></body></html>").encode()
    files["html-looking.txt"] = f"<!DOCTYPE html><html><body><h1>見出し</h1><p>{text}</p></body></html>".encode()

    # Markdown
    files["markdown.md"] = (f"# 題\n\n{text}\n\n```python\nprint('Amazon ECS')\n```\n\n"
                            f"| 表 | AWS Lambda |\n|---|---|\n| a | b |\n\n![画像]({XSS})\n[link](javascript:alert(1))\n").encode()
    files["front-matter.md"] = f"---\ntitle: \"{XSS}\"\ntags: [aws]\n---\n\n{text}".encode()

    # empty, blank, binary
    files["empty.txt"] = b""
    files["blank.txt"] = b"   \n\n\t \n"
    files["bom-only.txt"] = b"\xef\xbb\xbf"
    files["random-bytes.txt"] = bytes(rng.randrange(256) for _ in range(4096))
    files["png-named-txt.txt"] = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(1024))
    files["gzip.txt"] = gzip.compress(text.encode("utf-8") * 20, mtime=0)
    files["zlib.md"] = zlib.compress(text.encode("utf-8") * 20)
    files["elf.txt"] = b"\x7fELF\x02\x01\x01\x00" + bytes(rng.randrange(256) for _ in range(512))
    files["nul-in-middle.txt"] = text.encode() + b"\x00\x00\x00" + text.encode()

    # size and shape
    files["huge-5mb.txt"] = ("大きな投稿です。AWS Lambda を使います。\n" * 180_000).encode("utf-8")[:5_300_000]
    files["long-line-no-breaks.txt"] = ("AWSLambdaとAmazonECSの話" * 2000).encode("utf-8")  # over Sudachi's 49,149 bytes
    files["long-line-no-punctuation.txt"] = ("ECS " * 13_000).encode("utf-8")
    files["long-japanese-line.txt"] = ("株式会社サンプル商事ではAWSFargateを採用し" * 900).encode("utf-8")
    files["one-character.txt"] = "あ".encode()
    files["only-punctuation.txt"] = "。、！？「」『』（）・…".encode() * 10
    files["many-services.txt"] = ("サービス一覧\n" + "\n".join(["Amazon ECS、AWS Lambda、Amazon S3、Amazon DynamoDB"] * 500)).encode()

    # control characters and newlines
    files["control-chars.txt"] = ("".join(chr(c) for c in range(1, 32) if c not in (10, 13)) + text + "\x7f\x1b[31m赤\x1b[0m").encode()
    files["bidi-and-zero-width.txt"] = ("\u202eECS\u202c \u200bAWS\u200b Lambda \ufeff中 " + text).encode()
    files["mixed-newlines.txt"] = text.replace("\n", "\r\n").encode() + text.replace("\n", "\r").encode() + text.encode()
    files["unicode-separators.txt"] = text.replace("\n", "\u2028").encode() + "\u2029".encode() + text.encode()
    files["surrogate-escapes.txt"] = text.encode() + b"\xed\xa0\x80\xed\xb0\x80" + text.encode()
    files["combining-marks.txt"] = ("E\u0301CS " * 50 + "ｱﾏｿﾞﾝ ＥＣＳ と ＡＷＳ　Ｌａｍｂｄａ\n" + text).encode()
    files["emoji.txt"] = ("🚀 AWS Lambda 🔥 Amazon ECS 👍🏽 👨‍👩‍👧 " + text).encode()

    # names that must not break IRIs, Turtle or the map
    for n, name in enumerate(NASTY_NAMES):
        files[f"nasty-company-{n}.txt"] = BASE.format(company=f"株式会社{name}").encode()
    files["xss-handle.txt"] = f"記事\n\n書いた人: @{XSS} です。\n{text}".encode()
    files["xss-talk.txt"] = f"AWS Summit Tokyo 2019 参加記\n\n「{XSS}」\n@evil_speaker様\n\nAWS App Mesh の話。\n".encode()
    files["turtle-breakers.txt"] = ('株式会社"""三重"""引用\\では AWS Lambda を採用しています。\n'
                                    "Amazon \"Quote\" Service と Amazon <Angle> Service。\n").encode()
    files["amazon-weird-candidates.txt"] = "Amazon {Brace}|Pipe^ と AWS `Back`Tick と Amazon 日本語サービス。\n".encode()

    # file names
    files["space in name.txt"] = text.encode()
    files["日本語の名前.txt"] = text.encode()
    files["weird-#%&;'name.md"] = text.encode()
    return files


EXPECTED_SKIPS = {  # file -> a word its message must contain
    "empty.txt": "empty", "blank.txt": "no text", "bom-only.txt": "no text", "only-script.html": "no text",
    "random-bytes.txt": "binary", "png-named-txt.txt": "binary", "gzip.txt": "binary", "zlib.md": "binary",
    "elf.txt": "binary", "nul-in-middle.txt": "binary", "huge-5mb.txt": "limit",
    "broken-link.txt": "broken link", "pipe.txt": "not a regular file", "unreadable.txt": "cannot be read",
}


def write_hostile_corpus(folder: str | os.PathLike) -> Path:
    """Write every hostile input into `folder`, plus a broken link, a named pipe and, when the
    process is not root, a file it may not read.  Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in hostile_inputs().items():
        (folder / name).write_bytes(data)
    (folder / "broken-link.txt").symlink_to(folder / "does-not-exist.txt")
    os.mkfifo(folder / "pipe.txt")
    unreadable = folder / "unreadable.txt"
    unreadable.write_bytes(BASE.format(company="読めない").encode())
    unreadable.chmod(0)
    (folder / "sub.dir.md").mkdir()  # a folder with a post's suffix is not a post
    (folder / ".hidden.txt").write_bytes(b"\x00 editor backup")
    return folder


def expected_skips() -> dict[str, str]:
    """EXPECTED_SKIPS as this process will see it: root reads a mode-000 file."""
    skips = dict(EXPECTED_SKIPS)
    if os.geteuid() == 0:
        del skips["unreadable.txt"]
    return skips


if __name__ == "__main__":
    target = write_hostile_corpus(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    print(f"{len(list(target.iterdir()))} inputs in {target}")
