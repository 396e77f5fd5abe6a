"""Who wrote a post: bylines, self-introductions, a blog's own description and the page's metadata.

Writers name themselves in a few fixed ways: a byline under the title ("2024-06-22　ぽんず
（@ponzu_sre）", "投稿者：たなか", "@kzm 2023年04月24日に投稿"), a self-introduction near the top
("株式会社Xでバックエンドを担当している山岡です", "インフラチームの id:tkd_infra です"), or a
company blog's description ("株式会社Xのエンジニアが…書いています").  `find_authors` returns
each with the characters that say it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphbuild.nlp.normalize import fold

INTRO_BLOCKS = 15  # how far down a post writers introduce themselves
BYLINE_LABEL = re.compile(r"(?:投稿者|著者|執筆者?|筆者|文|Author|Written by|書いた人|この記事を書いた人|ライター)\s*[:：]\s*")
SELF_INTRO = re.compile(r"(?:です|と申します|でーす|だよ)[。!！🙋\s]*$|(?:です|と申します)[。!！、]")
DATE = re.compile(r"(?:19|20)\d\d\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2})?")
HANDLE = re.compile(r"(?<![A-Za-z0-9_])(?:@|id:)([A-Za-z0-9_][A-Za-z0-9_\-]{1,38})")
# a name: a Japanese full name, a family name, a nickname in kana, a Latin name or a handle
NAME = re.compile(r"[\u4e00-\u9fff々]{1,4}(?:[ \u3000][\u4e00-\u9fff々\u3040-\u309f]{1,4})?|[\u3040-\u309fー]{2,6}|"
                  r"[\u30a1-\u30faー]{2,8}|[A-Z][a-z]+(?: [A-Z][a-z]+)?|(?:@|id:)[A-Za-z0-9_\-]{2,39}")
NOT_A_NAME = re.compile(r"エンジニア|担当|学生|会社員|運営|メンバー|チーム|SRE|インフラ|バックエンド|フロント|デザイナー|"
                        r"マネージャー|リーダー|社長|代表|です|ます|こんにちは|はじめまして|どうも|ブログ|記事|今回|本日|今日|"
                        r"ホーム|カテゴリ|タグ|公開|更新|投稿|コメント|シェア|目次|概要|はじめに|レポート|参加|前編|後編|"
                        r"事例|発表|紹介|資料|取り組み|内容|デモ|構成|説明|話$")
COMING_FROM = re.compile(r"\s*(?:から|より)\s*[0-9０-９一二三四五六七八九十]*\s*(?:名|人)")
ATTENDED = re.compile(r"参加|現地|来て|行って|出展")
EVENT_DETAIL = re.compile(r"日時|日程|開催|会場|時間|開場|場所|締切|申込|\|")
BLOG_OF_COMPANY = re.compile(r"ブログ|書いています|発信して|お届け|Tech ?Blog|テックブログ|技術情報", re.IGNORECASE)


# a company's own blog: "SoraNote Tech Blog", "サクラダロジ テックブログ", "ハルカゼ開発者ブログ", "Tech Blog | 株式会社X"
BLOG_NAME = re.compile(r"^(?P<name>\S.{0,30}?)\s*(?:Tech(?:nology)?|Engineering|Developers?|Dev|Product)\s*Blog$|"
                       r"^(?P<jname>\S.{0,30}?)\s*(?:テック|技術|開発者?|エンジニア(?:リング)?|プロダクト)ブログ$|"
                       r"^(?:Tech|Engineering)\s*Blog\s*[|｜:：]\s*(?P<after>\S.{0,30})$", re.IGNORECASE)
BREADCRUMB = re.compile(r"\s*[>＞»|｜/／]\s*")
COMPANY_FORM = re.compile(r"株式会社|有限会社|合同会社|\(株\)|（株）|㈱|,? ?Inc\.?$|,? ?Co\., ?Ltd\.?$")
# a company's team as a writer: "ミズナラ・クラウドワークス AWS推進室", "X 開発部", "X SRE チーム"
TEAM = re.compile(r"^(?P<company>[^\s\u3000]{3,30})[ \u3000]+\S{0,12}(?:部|室|課|チーム|グループ|Team|編集部|広報)$")
# the writer's company on a company blog, written bare: "ソラノートで SRE をしている村瀬です", "文:X(ハルカゼトラベル 広報)"
_BARE = r"(?P<company>[\u30a1-\u30faA-Za-z][\u30a1-\u30fa\u30fcA-Za-z0-9・]{2,20})"
INTRO_COMPANY = re.compile(r"^(?:(?:こんにちは|こんばんは|はじめまして|初めまして|どうも)[、,，！!。]?\s*)?" + _BARE +
                           r"[ \u3000]?(?:で|の)(?=[^。]{0,40}(?:です|と申します))")
BYLINE_COMPANY = re.compile(r"[(（]" + _BARE + r"[ \u3000][^\s()（）]{1,12}[)）]")


# "## 筆者のスペック" / "自己紹介" / "About me": a section about the writer, whose company is theirs
PROFILE_HEADING = re.compile(r"^[#■●◆【\s]*(?:筆者|著者|自己紹介|書いた人|私|自分|About me|About the author)"
                             r"(?:の(?:スペック|プロフィール|紹介|こと)|について|紹介)?[】\s:：]*(?:[(（][^)）]{0,20}[)）])?\s*$",
                             re.IGNORECASE)
PROFILE_LINES = 6


@dataclass(frozen=True)
class AuthorMention:
    name: str
    type: str  # Person or Company
    start: int
    end: int
    method: str


def find_authors(text: str, lines: list[tuple[int, int]], companies: list[tuple[int, int, str]],
                 metadata_authors: tuple[str, ...] = (), is_name=lambda start, end: True,
                 site: str | None = None, publisher: str | None = None) -> list[AuthorMention]:
    """The writers of a post, people and companies.

    `lines` are the (start, end) of its non-blank lines in order; `companies` the (start, end, name)
    of its company mentions; `is_name(start, end)` says whether a word written in kanji is a
    person's name (GiNZA's tokens know)."""
    found: list[AuthorMention] = []
    top = lines[:INTRO_BLOCKS]
    for start, end in top:
        line = text[start:end]
        found += _byline(text, start, end, line, companies)
        found += _self_intro(text, start, end, line, companies, is_name)
        for a, b, name in companies:  # "株式会社Xから 4 名で参加しています": the writers' company
            if start <= a < end and COMING_FROM.match(text, b) and ATTENDED.search(line):
                found.append(AuthorMention(name, "Company", a, b, "self-intro"))
        if BLOG_OF_COMPANY.search(line) and "書" in line or re.search(r"ブログです|Tech ?Blog", line, re.IGNORECASE):
            for a, b, name in companies:
                if start <= a < end and text[b:b + 1] in ("の", "が", "で", " "):
                    found.append(AuthorMention(name, "Company", a, b, "blog-owner"))
    for start, end in lines[-INTRO_BLOCKS:]:
        label = BYLINE_LABEL.search(text, start, end)
        if label and label.start() == start:
            found += _names_after(text, label.end(), end, "byline")
    found += blog_owner(text, lines, companies, site, publisher)
    found += _profile_companies(text, lines, companies)
    for name in metadata_authors:
        team = TEAM.match(name)
        if team and not any(fold(n) and fold(n) in fold(name) for _, _, n in companies):
            at = text.find(team.group("company"))
            start, end = (at, at + len(team.group("company"))) if at >= 0 else (lines[0] if lines else (0, 0))
            found.append(AuthorMention(team.group("company"), "Company", start, end, "metadata"))
            continue
        company = next(((a, b, n) for a, b, n in companies if fold(n) and fold(n) in fold(name)), None)
        if company is not None:  # "執筆:ミズナラ・クラウドワークス AWS推進室": a team of a company of the post
            found.append(AuthorMention(company[2], "Company", company[0], company[1], "metadata"))
            continue
        at = text.find(name)
        # named only in the metadata: the evidence is the post's first line, where a reader meets the post
        start, end = (at, at + len(name)) if at >= 0 else (lines[0] if lines else (0, 0))
        found.append(AuthorMention(name, "Person", start, end, "metadata"))
    unique: dict[str, AuthorMention] = {}
    for author in found:
        unique.setdefault(fold(author.name.lstrip("@").removeprefix("id:")), author)
    people = [k for k, a in unique.items() if a.type == "Person"]
    # "川端です" and the byline's "川端 亮介" are one writer
    return [a for k, a in unique.items() if not (a.type == "Person" and any(o != k and o.startswith(k) for o in people))]


def _byline(text: str, start: int, end: int, line: str, companies: list[tuple[int, int, str]]) -> list[AuthorMention]:
    """"投稿者：たなか", or a short line with a date and a name ("2019.10.09　川端 亮介　#AWS")."""
    label = BYLINE_LABEL.search(line)
    if label:
        named = [AuthorMention(n, "Company", a, b, "byline") for a, b, n in companies if start + label.end() <= a < end]
        return named or _names_after(text, start + label.end(), end, "byline")
    if len(line) <= 70 and DATE.search(line) and "。" not in line and not EVENT_DETAIL.search(line):
        rest = DATE.sub(lambda m: " " * len(m.group()), line)
        rest = re.sub(r"#\S+|に投稿|公開|更新日?|投稿日|カテゴリ[ー]?[:：]?\S*|[|｜/／]|\b[Bb]y\b|[^\s]+[:：]",
                      lambda m: " " * len(m.group()), rest)
        return _names_after(text, start, end, "byline", rest)
    return []


def _names_after(text: str, start: int, end: int, method: str, masked: str | None = None) -> list[AuthorMention]:
    """The first name-like words in text[start:end] (or in `masked`, the same line with noise blanked)."""
    segment = masked if masked is not None else text[start:end]
    found = []
    for m in HANDLE.finditer(segment):
        found.append(AuthorMention(m.group(1), "Person", start + m.start(1), start + m.end(1), method))
    for part in re.finditer(r"[^\s\u3000(（)）,、]+(?:[ \u3000][^\s\u3000(（)）,、#]+)?", segment):
        word = part.group().strip()
        if HANDLE.match(word) or not NAME.fullmatch(word) or NOT_A_NAME.search(word):
            continue
        found.append(AuthorMention(word, "Person", start + part.start(), start + part.start() + len(word), method))
        break
    return found


GREETING = re.compile(r"^(?:こんにちは|こんばんは|はじめまして|初めまして|どうも|お疲れ様です|おはようございます)")


def _named_here(text: str, start: int, end: int, word: str, greeted: bool, companies, is_name) -> bool:
    """Whether the word before です is a name: a person's name by GiNZA's tokens; or, after a greeting
    or "<team>の", a nickname in kana or Latin letters ("こんにちは、たなかです", "インフラチームの id:x です")."""
    # "<team>の": a noun before の ("インフラチームの"), not "このへんです" or "午後の枠からのメモです"
    after_of = text[start - 1:start] == "の" and not re.fullmatch(r"[\u3040-\u309f]", text[start - 2:start - 1])
    if any(b == start - 1 and after_of for _, b, _ in companies):
        return True  # "株式会社Xの森です"
    if re.fullmatch(r"[\u4e00-\u9fff々 \u3000]+", word):
        return is_name(start, end)
    return greeted or after_of


def _self_intro(text: str, start: int, end: int, line: str, companies: list[tuple[int, int, str]],
                is_name) -> list[AuthorMention]:
    """"株式会社Xでバックエンドを担当している山岡です": the word before です, and a company before it."""
    found = []
    for m in SELF_INTRO.finditer(line):
        sentence_start = max(line.rfind("。", 0, m.start()), line.rfind("！", 0, m.start())) + 1
        greeted = bool(GREETING.match(line[sentence_start:].lstrip()))
        if not greeted and m.start() - sentence_start > 45:
            continue
        before = line[:m.start()]
        # "竹村（[@tkm_sre](https://x.com/tkm_sre)）です": brackets after the name, a link inside them
        before = re.sub(r"[(（](?:[^()（）]|\([^()（）]*\))*[)）]\s*$", "", before).rstrip(" \u3000")
        # the word after the last particle, comma or "〜ている" ("…を見ている春田", "運営の田辺", "こんにちは、たなか")
        word = re.split(r"[のは、,，\s\u3000。！!がをでと]|ている|てる|いる", before)[-1]
        handle = HANDLE.search(line, 0, m.start())
        if handle and handle.end() >= len(before) - 1:
            found.append(AuthorMention(handle.group(1), "Person", start + handle.start(1), start + handle.end(1), "self-intro"))
        elif word and NAME.fullmatch(word) and not NOT_A_NAME.search(word) and _named_here(
                text, start + len(before) - len(word), start + len(before), word, greeted, companies, is_name):
            a = start + len(before) - len(word)
            found.append(AuthorMention(word, "Person", a, a + len(word), "self-intro"))
        else:
            continue
        for a, b, name in companies:
            if start <= a and b <= start + len(before):
                found.append(AuthorMention(name, "Company", a, b, "self-intro"))
            elif fold(name) and fold(name) in fold(before):  # "サクラダロジ インフラ部の松永です", 株式会社 elsewhere
                at = text.find(name, start, start + len(before))
                found.append(AuthorMention(name, "Company", at if at >= 0 else start, (at if at >= 0 else start) + len(name),
                                           "self-intro"))
        break
    return found


def blog_owner(text: str, lines: list[tuple[int, int]], companies: list[tuple[int, int, str]],
               site: str | None, publisher: str | None) -> list[AuthorMention]:
    """The company whose own blog the post is on: named by the blog's name (the page's site name or a
    line at the top), a publisher with a legal form, or, on such a blog, the company the writer names bare."""
    names: list[tuple[str, int, int]] = []  # (blog owner's name, where the text says it)
    for start, end in lines[:3]:
        line = text[start:end]
        # the whole line ("Tech Blog | 株式会社X"), or one part of a breadcrumb ("ISCloud Tech Blog ＞ AWS")
        name = next(filter(None, map(_blog_name, [line, *re.findall(r"[^>＞»|｜]+", line)])), None)
        if name:
            at = text.find(name, start, end)
            names.append((name, at, at + len(name)))
    name = _blog_name(site) if site else None
    if name:
        names.append((name, -1, -1))
    if publisher and COMPANY_FORM.search(publisher):
        names.append((publisher, -1, -1))
    if not names:
        return []
    first = lines[0] if lines else (0, 0)
    for name, start, end in names:
        core = fold(COMPANY_FORM.sub("", name))
        for a, b, company in companies:
            if core and (core == fold(COMPANY_FORM.sub("", company)) or core in fold(company)):
                return [AuthorMention(company, "Company", a, b, "blog-owner")]
    for name, start, end in names:
        if COMPANY_FORM.search(name):
            start, end = (start, end) if start >= 0 else first
            return [AuthorMention(name, "Company", start, end, "blog-owner")]
    for start, end in lines[:INTRO_BLOCKS] + lines[-INTRO_BLOCKS:]:
        line = text[start:end]
        m = INTRO_COMPANY.search(line) or (BYLINE_COMPANY.search(line) if BYLINE_LABEL.search(line) else None)
        if m and not NOT_A_NAME.search(m.group("company")):
            return [AuthorMention(m.group("company"), "Company", start + m.start("company"), start + m.end("company"),
                                  "blog-owner")]
    for name, start, end in names:
        if not re.fullmatch(r"[A-Za-z0-9 .\-]+", name):
            start, end = (start, end) if start >= 0 else first
            return [AuthorMention(name, "Company", start, end, "blog-owner")]
    return []


def _profile_companies(text: str, lines: list[tuple[int, int]], companies: list[tuple[int, int, str]]) -> list[AuthorMention]:
    """The company named in a section about the writer ("筆者のスペック: 株式会社Xの SRE"): the writer's
    employer, whose systems the post may describe, though the company did not write it (method "profile")."""
    for i, (start, end) in enumerate(lines):
        if PROFILE_HEADING.match(text[start:end]):
            block_end = lines[min(i + PROFILE_LINES, len(lines) - 1)][1]
            for a, b, name in companies:
                if end <= a < block_end:
                    return [AuthorMention(name, "Company", a, b, "profile")]
    return []


def _blog_name(words: str) -> str | None:
    """The owner's name in a company blog's name ("SoraNote Tech Blog" -> "SoraNote"), or None."""
    m = BLOG_NAME.match(words.strip(" *\u3000"))
    return next(g for g in m.groups() if g).strip(" *\u3000") if m else None
