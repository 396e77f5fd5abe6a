"""spaCy component `graphbuild_talks`: the talks (sessions) a post reports on, read from its blocks.

Every heading, list item, table row and short line is a candidate title.  What a post
puts around a session title is read off it (a time slot, a session code such as
`ARC303-R:`, `AWS-23`, `【A-1】`, an `LT1:` label, quotation marks, a speaker line
under it or a speaker in brackets after it, a "セッション"/"Keynote" heading above it,
a session table's title column) and a small learned scorer (`talk_title` in
`graphbuild/models/`) decides from those features which candidates are talks.  A
title listed again later (a table of contents, a timetable) is one talk.  Each talk's
section runs to the next talk, to a heading at its own level or above, or to a
closing heading (まとめ, さいごに, ...).

Results: `doc.spans["graphbuild_talks"]` (each title, label "Talk"),
`doc.spans["graphbuild_talk_sections"]`, `doc.spans["graphbuild_talk_speakers"]` and
`doc.spans["graphbuild_talk_lines"]` (the whole title line), whose labels ("talk0",
"talk1", ...) tie them to their talk.  Person names read from speaker lines that no
other stage found are added to `doc.spans["graphbuild_mentions"]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from graphbuild.nlp.entities import NER_TYPES
from graphbuild.nlp.doc_view import view_of
from graphbuild.nlp.normalize import fold
from graphbuild.nlp.scorer import LinearScorer
from graphbuild.nlp.structure import CODE, HEADING, ITEM, LINE, QUOTE, ROW, RULE, Block

TALKS_KEY = "graphbuild_talks"
SECTIONS_KEY = "graphbuild_talk_sections"
SPEAKERS_KEY = "graphbuild_talk_speakers"
LINES_KEY = "graphbuild_talk_lines"
MENTIONS_KEY = "graphbuild_mentions"

TIME_SLOT = re.compile(r"^[\[【(（]?\s*\d{1,2}[:：]\d{2}\s*[-~〜–－]\s*(?:\d{1,2}[:：]\d{2})?\s*[\]】)）]?\s*[|｜:：]?\s*")
CLOCK_TIME = re.compile(r"^[\[【(（]?\s*\d{1,2}[:：]\d{2}\s*[\]】)）]?\s*[|｜:：]?\s*")
DATE_PREFIX = re.compile(r"^\d{1,2}/\d{1,2}\s*(?:[(（][月火水木金土日][)）])?\s*")
DAY_PREFIX = re.compile(r"^Day\s?\d", re.IGNORECASE)  # part of the title ("Day1 基調講演"): only a feature
BRACKET_LABEL = re.compile(r"^[【\[［〔]([^】\]］〕]{1,24})[】\]］〕]\s*[:：]?\s*")
SESSION_CODE = re.compile(r"^(?:[A-Z]{2,5}\d{2,4}(?:-R\d?)?|[A-Z]{2,5}-\d{1,3}(?:-[A-Z0-9]{1,3})?|[A-Z]-\d{1,2})"
                          r"(?![A-Za-z0-9])\s*[:：|｜.．\-–]?\s*")
# "LT3:", "LT①"; not "LT 5分は…" (a duration) nor "LT は…" (a sentence about the LTs)
LT_PREFIX = re.compile(r"^(?:LT|ライトニングトーク)(?!\s*(?:\d{1,2}\s*(?:分|本|人|名|秒|回|件)|[はがをもでとにの]))"
                       r"\s*(?:#?\d{1,2}|[①-⑳])?\s*[:：.)）|｜]?\s*|^[①-⑳]\s*")
MARK_PREFIX = re.compile(r"^[■□◆◇▼▽●○★☆▶▷◎]\s*")
NUMBERED = re.compile(r"^\d{1,2}(?:[-.．]\d{1,2})*[.)．]\s*|^\d{1,2}(?:-\d{1,2})+\s+")
TRACK_PREFIX = re.compile(r"^[^\s:：]{1,12}(?:トラック|Track|会場|ルーム|Room)\s*[:：]\s*", re.IGNORECASE)
SPEAKER_LABEL = re.compile(r"^\s*(?:\*\*)?\s*(?:登壇者?|スピーカー|講演者|発表者|講師|ゲストスピーカー|ゲスト|Guest Speakers?|Guests?|Speakers?|Presenters?|Presented by|By)"
                           r"\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?", re.IGNORECASE)
SPEAKER_CUE = re.compile(r"@[A-Za-z0-9_]|さん|氏|様|登壇|Speaker|スピーカー|発表")
HANDLE_LINE = re.compile(r"^@[A-Za-z0-9_\-]+\s*(様|さん|氏)?\s*$")
SESSION_COUNT = re.compile(r"(?:LT|ライトニングトーク|セッション|講演|発表|Sessions?|Talks?)?\s*[×xX]?\s*\d{1,2}\s*(?:本|件|つ|枠|sessions?)?",
                           re.IGNORECASE)
SAYING_AFTER = re.compile(r"\s*(?:という|って|は|が|も)")
WHEN_ONLY = re.compile(r"\s*(?:Day\s?\d{1,2})?[\s\d/:：.()（）\[\]【】〜~～\-–－月火水木金土日]*", re.IGNORECASE)
HONORIFIC_BEFORE = re.compile(r"^(?:さん|氏|様|先生|SA)")
SPEAKERS_HEADING = re.compile(r"\s*(?:\*\*)?\s*(?:Speakers?|Presenters?|登壇者|スピーカー|講演者|発表者)\s*(?:\*\*)?\s*[:：]?\s*",
                              re.IGNORECASE)
NOTE_ONLY = re.compile(r"\s*[(（][^()（）]*[)）]\s*")
# "オープニングキーノート：山田 花子 さん": a speaker after a colon, closed by an honorific
TRAILING_SPEAKER = re.compile(r"\s*[:：]\s*()([^:：「」]{2,40}?\s*(?:さん|氏|様))\s*$")
URLISH = re.compile(r"https?://|www\.|^f:id:")
# "…ありがとうございました〜!!🙇‍♀️": a sentence, whatever marks and emoji close it
SENTENCE_END = re.compile(r"(。|です|ます|でした|ました|ません|だ|た|よね|ね|よ|な)[!！?？〜~ー\s\u2600-\u27bf\u200d\ufe0f\U0001f000-\U0001faff]*$")
QUOTES = {"「": "」", "『": "』", "“": "”", "\"": "\""}
ROLE_WORDS = re.compile(r"(Solutions?|Principal|Senior|Chief|Head|Lead|Developer|Technical|Sr\.?)\s|Architect|Engineer|"
                        r"Evangelist|Advocate|Manager|Director|Officer|CEO|CTO|CIO|VP|SA\b|ソリューションアーキテクト|"
                        r"アーキテクト|エンジニア|エバンジェリスト|マネージャー?|ディレクター|リーダー|代表|取締役|社長|部長|"
                        r"室長|本部|部門|グループ|チーム|事業部|担当|フェロー|CTO|CEO")
REPORT_TITLE = re.compile(r"参加|レポート|聴講|行って|行ってき|Summit|re:Invent|Day\s?\d|セッション|まとめ|Recap|JAWS|Conf|登壇|振り返", re.IGNORECASE)
SITE_LINE = re.compile(r"\s*(?:https?://)?(?:[A-Za-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?\s*")
TALK_ABOUT = re.compile(r"セッション|講演|登壇|発表|スライド|資料|お話|話され|紹介され|解説され|speaker|session|talk", re.IGNORECASE)
HONORIFIC = re.compile(r"\s*(さん|氏|様|先生)")
AFFILIATION = re.compile(r"\s*(?:の)?\s*(?:[^\s、。「」()（）]{1,15}(?:部|室|課|チーム|グループ|本部|センター))?\s*の?\s*")
# a title quoted in prose, with what says it is a session: "Xさんによる「…」というセッション",
# "セッション「…」", "タイトル:「…」", "2本目:「…」", "LT「…」(登壇:…)"
_SESSION_NOUN = r"(?:セッション|講演|発表|LT|ライトニングトーク|トーク|基調講演|キーノート)"
PROSE_TITLE = re.compile(r"(?P<before>(?:さん|氏|様|先生|SA)(?:\s*[(（][^)）]{0,40}[)）])?\s*(?:による|の)\s*|"
                         r"(?:タイトル|演題|テーマ|\d+本目|" + _SESSION_NOUN + r")\s*[:：]?\s*)?"
                         r"「(?P<title>[^「」。\n]{4,80})」"
                         r"(?P<after>\s*(?:という|と題した|と題する)\s*" + _SESSION_NOUN + r"|\s*の" + _SESSION_NOUN +
                         r"|\s*[(（]\s*(?:登壇|発表|スピーカー|講師)|\s*[:：]?\s*@[A-Za-z0-9_]+\s*(?:さん|氏))?")

DEFAULT_CONFIG = {
    "model_path": None,
    # words of a heading or label that introduces sessions
    "session_words": ["セッション", "講演", "基調講演", "キーノート", "Keynote", "LT", "ライトニングトーク", "登壇",
                      "トラック", "Track", "タイムテーブル", "Session", "聴講", "聞いた", "観た", "見た", "発表",
                      "ワークショップ", "Workshop", "Chalk Talk", "チョークトーク", "ブレイクアウト", "Breakout"],
    # words that make a title line a talk by themselves
    "keynote_words": ["Keynote", "基調講演", "キーノート", "Chalk Talk", "Workshop", "ワークショップ", "パネル", "Panel"],
    # a long heading with one of these reads as a talk title
    "title_markers": ["〜", "~", "～", "について", "ベストプラクティス", "入門", "事例", "活用", "戦略", "指針",
                      "の今", "？", "?", "!", "！", "で実現する", "による", "から見えた", "への", "していく",
                      "のための", "を支える", "ための", "における", "話", "方法", "まで", "やってみた", "始める",
                      "作る", "作った", "試した", "選ぶ", "移行", "徹底", "解説", "最前線", "舞台裏", "with", "for"],
    "closing_headings": ["まとめ", "さいごに", "最後に", "おわりに", "終わりに", "全体の感想", "感想", "所感",
                         "おまけ", "参考", "参考リンク", "はじめに", "目次", "概要", "追記", "宣伝", "告知", "関連記事",
                         "あとがき", "振り返り", "その他", "雑感"],
    # timetable rows that are not sessions
    "not_talks": ["休憩", "懇親会", "受付", "開場", "クロージング", "オープニング", "ランチ", "昼食", "閉会", "開会",
                  "集合写真", "Expo", "EXPO", "展示", "移動", "乾杯", "Q&A", "質疑"],
    "toc_headings": ["目次", "もくじ", "アジェンダ", "Agenda", "Contents", "Table of Contents", "INDEX", "聞いたセッション",
                     "参加したセッション", "聴講したセッション", "セッション一覧"],
    "title_columns": ["タイトル", "セッション", "演題", "Title", "Session", "テーマ", "内容", "発表"],
    "speaker_columns": ["登壇者", "スピーカー", "講演者", "発表者", "Speaker", "Speakers", "登壇", "講師"],
}


@dataclass
class Candidate:
    """A line that may be a talk title, with what surrounds it."""

    block: int  # the block holding the title
    start: int  # the title's characters
    end: int
    line: tuple[int, int]  # the whole title line, session code included
    level: int  # heading level, 0 otherwise
    kind: str
    features: dict[str, float] = field(default_factory=dict)
    speakers: list[tuple[int, int]] = field(default_factory=list)
    first_block: int = -1  # a label line above the title ("13:10-13:50 【基調セッション】") starts the talk
    score: float = 0.0


@dataclass(frozen=True)
class Talk:
    title: tuple[int, int]
    line: tuple[int, int]
    section: tuple[int, int]
    speakers: tuple[tuple[int, int], ...]
    score: float


if not Doc.has_extension("graphbuild_talk_records"):
    Doc.set_extension("graphbuild_talk_records", default=None)


@Language.factory("graphbuild_talks", assigns=["doc.spans"], requires=["doc.spans", "doc._.graphbuild_blocks"],
                  default_config=DEFAULT_CONFIG)
def make_talk_detector(nlp: Language, name: str, model_path: str | None, session_words: list[str],
                       keynote_words: list[str], title_markers: list[str], closing_headings: list[str],
                       not_talks: list[str], toc_headings: list[str], title_columns: list[str],
                       speaker_columns: list[str]) -> "TalkDetector":
    return TalkDetector(LinearScorer.load("talk_title", model_path), session_words, keynote_words, title_markers,
                        closing_headings, not_talks, toc_headings, title_columns, speaker_columns)


class TalkDetector:
    """Finds talk titles, sections and speaker lines; see the module docstring."""

    def __init__(self, scorer: LinearScorer, session_words: list[str], keynote_words: list[str],
                 title_markers: list[str], closing_headings: list[str], not_talks: list[str],
                 toc_headings: list[str], title_columns: list[str], speaker_columns: list[str]) -> None:
        self.scorer = scorer
        self.session_words = _words(session_words)
        self.keynote_words = _words(keynote_words)
        self.title_markers = title_markers
        self.closing = {fold(h) for h in closing_headings}
        self.not_talks = _words(not_talks)
        self.toc = {fold(h) for h in toc_headings}
        self.title_columns = _words(title_columns)
        self.speaker_columns = _words(speaker_columns)

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[Talk]:
        text = view_of(doc).text
        blocks = _blocks_of(doc, text)
        people, orgs = _offsets(doc, {"Person"}), _offsets(doc, {"Company"})
        candidates = self.candidates(doc, text, blocks, people, orgs)
        for c in candidates:
            c.score = self.scorer.probability(c.features)
        # a link card (a page's title over its address) names a page, not a session
        kept = [c for c in candidates if _marked(c) or (c.score >= self.scorer.threshold and not c.features.get("link_card"))]
        if not kept:
            kept = [c for c in candidates if _plain_title(c)]
        chosen = self.select(kept + self.prose_talks(text, blocks, people, orgs), text)
        return self.sections(chosen, blocks, text, people, orgs)

    # --- candidates and their features -------------------------------------------------

    def candidates(self, doc: Doc, text: str, blocks: list[Block], people=None, orgs=None) -> list[Candidate]:
        """Every block that could be a talk title, with its features (see `_context_features`);
        `people` and `orgs` are the offsets of the doc's person and company mentions."""
        people = _offsets(doc, {"Person"}) if people is None else people
        orgs = _offsets(doc, {"Company"}) if orgs is None else orgs
        products = _offsets(doc, {"Service", "Technology"})
        events = _offsets(doc, {"Event"})
        found: list[tuple[Candidate, list[Block]]] = []
        headings: list[Block] = []
        table_header: Block | None = None
        for i, block in enumerate(blocks):
            content = block.content(text)
            if block.kind == HEADING:
                headings = [h for h in headings if h.level < block.level] + [block]
            if block.kind == ROW and block.header:
                table_header = block
                continue
            if block.kind not in (ROW, RULE):  # the |---| line between a header and its rows keeps the table
                table_header = None
            if block.kind in (CODE, RULE, QUOTE) or not 2 <= len(content) <= 160 or URLISH.search(content):
                continue
            if block.kind == ROW:
                candidate = self._row_candidate(text, block, i, table_header, people, orgs)
            else:
                candidate = self._line_candidate(text, blocks, i, people, orgs)
            if candidate is None or self._no_title(text[candidate.start:candidate.end]):
                continue
            parents = [h for h in headings if h is not block and (block.kind != HEADING or h.level < block.level)]
            found.append((candidate, parents))
        slotted = sum(1 for c, _ in found if c.features.get("slot")) >= 2
        # pages open with site chrome, so the post's own title may sit a few lines down
        report = any(REPORT_TITLE.search(b.content(text)) for b in blocks[:8])
        marks = sum(1 for c, _ in found if {"slot", "code", "lt", "speaker_next", "speaker_inline", "quoted"}
                    & set(c.features))
        for candidate, parents in found:
            self._context_features(candidate, text, blocks, parents, products, events, people, orgs,
                                   doc._.graphbuild_format, slotted)
            f = candidate.features
            if marks < 2 and f.get("alone") and f.get("long") and f.get("talk_words_follow"):
                f["plain_title_in_unmarked_post"] = 1.0
            if report:
                candidate.features["in_report"] = 1.0
                if candidate.features.get("alone") and candidate.features.get("long"):
                    candidate.features["long_alone_in_report"] = 1.0
        found = [c for c, _ in found]
        _sibling_features(found)
        return found

    def _no_title(self, title: str) -> bool:
        """"LT 3 本", "× 3", "トラック": a count of sessions or a session word alone names no talk, nor does
        a day and time ("Day1（5/10）13:00〜13:40 ／ 登壇者：…" is the slot line of the title above it)."""
        bare = fold(title)
        return bool(SESSION_COUNT.fullmatch(title.strip()) or WHEN_ONLY.fullmatch(title)) or any(
            bare == fold(w) for w in self.session_words if w not in self.keynote_words)

    def prose_talks(self, text: str, blocks: list[Block], people, orgs) -> list[Candidate]:
        """Titles quoted in a sentence that says they are sessions (see PROSE_TITLE), with the speaker
        the sentence names before the title ("株式会社Xの Yさんによる「…」") or in brackets after it."""
        found = []
        for i, block in enumerate(blocks):
            if block.kind not in (LINE, ITEM, HEADING):
                continue
            for m in PROSE_TITLE.finditer(text, block.start, block.end):
                if not (m.group("before") or m.group("after")) or any(w in fold(m.group("title")) for w in self.not_talks):
                    continue
                # "Xさんの「5人で回している」という話", "…さんの「…」は意外だった": what a speaker said
                if not m.group("after") and (m.group("before") or "").rstrip().endswith("の") and HONORIFIC_BEFORE.search(
                        m.group("before")) and SAYING_AFTER.match(text, m.end()):
                    continue
                start, end = m.span("title")
                speakers = []
                honorific = HONORIFIC.match(text, m.start("before")) if m.group("before") else None
                person = next(((a, b) for a, b in reversed(people) if b <= m.start() and m.start() - b <= 1), None)
                if honorific and person is not None:
                    # "サクラ食品株式会社 情報システム部の白石さん": the company, a department, then the person
                    company = next((a for a, b in orgs if b <= person[0] and AFFILIATION.fullmatch(text[b:person[0]])), None)
                    speakers.append((company if company is not None else person[0], honorific.end()))
                elif m.group("after") and re.match(r"\s*[(（]", m.group("after")):
                    close = re.search(r"[)）]", text[m.end():block.end])
                    if close:
                        speakers.append((m.end(), m.end() + close.start()))
                found.append(Candidate(i, start, end, (start, end), 0, block.kind, {"prose_quoted": 1.0}, speakers, i))
        return found

    def _line_candidate(self, text: str, blocks: list[Block], i: int, people, orgs) -> Candidate | None:
        block = blocks[i]
        start, end, flags, inline = parse_title(text, block.start, block.end)
        first_block = i
        if end - start < 2 and flags:
            # "13:10-13:50 【基調セッション】" with the title on the next line
            if i + 1 >= len(blocks) or blocks[i + 1].kind not in (LINE, HEADING, ITEM):
                return None
            nxt = blocks[i + 1]
            start, end, more, inline = parse_title(text, nxt.start, nxt.end)
            flags = {**flags, **more, "label_line": 1.0}
            block = nxt
            i += 1
        if end - start < 2:
            return None
        features = dict(flags)
        speakers = [inline] if inline else []
        speakers += self._speaker_lines(text, blocks, i, people, orgs)
        if inline:
            features["speaker_inline"] = 1.0
        if len(speakers) > (1 if inline else 0):
            features["speaker_next"] = 1.0
        line = (blocks[first_block].start, block.end)
        return Candidate(i, start, end, line, block.level if block.kind == HEADING else 0, block.kind, features,
                         speakers, first_block)

    def _row_candidate(self, text: str, block: Block, i: int, header: Block | None, people, orgs) -> Candidate | None:
        cells = list(block.cells)
        if len(cells) < 2:
            return None
        names = [fold(text[a:b]) for a, b in header.cells] if header else []
        title_col = next((k for k, n in enumerate(names) if any(w in n for w in self.title_columns)), None)
        speaker_col = next((k for k, n in enumerate(names) if any(w in n for w in self.speaker_columns)), None)
        features: dict[str, float] = {"row": 1.0}
        if title_col is None or title_col >= len(cells):
            lengths = [(b - a, k) for k, (a, b) in enumerate(cells) if not TIME_SLOT.fullmatch(text[a:b] + " ")]
            if not lengths:
                return None
            title_col = max(lengths)[1]
        else:
            features["row_title_column"] = 1.0
        a, b = cells[title_col]
        start, end, flags, inline = parse_title(text, a, b)
        if end - start < 2:
            return None
        features.update(flags)
        if any(TIME_SLOT.match(text[x:y]) for x, y in cells[:title_col]):
            features["slot"] = 1.0
        speakers = [inline] if inline else []
        if speaker_col is not None and speaker_col < len(cells) and speaker_col != title_col:
            sa, sb = cells[speaker_col]
            if sb - sa > 1:
                speakers.append((sa, sb))
        else:
            for k, (sa, sb) in enumerate(cells):
                if k != title_col and (_has(people, sa, sb) or _has(orgs, sa, sb)):
                    speakers.append((sa, sb))
        if speakers:
            features["speaker_next"] = 1.0
        return Candidate(i, start, end, (block.start, block.end), 0, ROW, features, speakers, i)

    def _speaker_lines(self, text: str, blocks: list[Block], i: int, people, orgs) -> list[tuple[int, int]]:
        """The lines under a title (at most three) that say who gave the talk."""
        found = []
        for block in blocks[i + 1:i + 4]:
            content = block.content(text)
            # a quoted title of its own ("・「…」 @x さん" under "・「…」 @y さん") is the next talk
            if block.kind in (HEADING, RULE, CODE, ROW) or len(content) > 110 or content[:1] in QUOTES:
                break
            labelled = SPEAKER_LABEL.match(content)
            named = _has(people, block.start, block.end)
            worded = bool(HONORIFIC.search(content) or ROLE_WORDS.search(content))
            with_org = _has(orgs, block.start, block.end)
            if labelled or HANDLE_LINE.match(content) or ("。" not in content and (
                    (named and (worded or with_org)) or (with_org and ROLE_WORDS.search(content) and len(content) <= 80))):
                found.append((block.start, block.end))
            else:
                break
        return found

    def _guest_line(self, text: str, block: Block, people, orgs) -> bool:
        """A line inside a talk that names a speaker of it ("▼ゲスト：株式会社X CTO Y 氏")."""
        content = block.content(text)
        if len(content) > 90 or "。" in content:
            return False
        if SPEAKER_LABEL.match(content):
            return True
        named = _has(people, block.start, block.end)
        return named and bool(HONORIFIC.search(content) or ROLE_WORDS.search(content)) and _has(orgs, block.start, block.end)

    def _context_features(self, c: Candidate, text: str, blocks: list[Block], parents: list[Block],
                          products, events, people, orgs, doc_format: str, slotted: bool) -> None:
        title = text[c.start:c.end]
        folded = fold(title)
        f = c.features
        f[f"kind_{c.kind}"] = 1.0
        if c.kind == HEADING:
            f[f"heading_level_{min(c.level, 4)}"] = 1.0
        if c.kind == ITEM and blocks[c.block].level > 0:
            f["nested_item"] = 1.0
        length = len(title)
        for name, holds in (("short", length < 8), ("long", length >= 18), ("very_long", length > 70)):
            if holds:
                f[name] = 1.0
        if SENTENCE_END.search(title.rstrip("」』)）")):
            f["sentence_end"] = 1.0
        if "。" in title:
            f["punctuated"] = 1.0
        if "、" in title or "，" in title:
            f["comma"] = 1.0
        block = blocks[c.block]
        before = blocks[c.first_block - 1] if c.first_block > 0 else None
        after = blocks[c.block + 1] if c.block + 1 < len(blocks) else None
        if (before is None or before.paragraph != blocks[c.first_block].paragraph) and \
                (after is None or after.paragraph != block.paragraph):
            f["alone"] = 1.0
        if after is not None and (after.kind == ITEM or "。" in after.content(text) or len(after.content(text)) > 60):
            f["body_follows"] = 1.0
        following = " ".join(b.content(text) for b in blocks[c.block + 1:c.block + 4])
        if TALK_ABOUT.search(following):
            f["talk_words_follow"] = 1.0
        if doc_format == "text":
            f["plain_text"] = 1.0
            if f.get("alone"):
                f["alone_in_plain_text"] = 1.0
        if f.get("slot") and slotted:
            f["slot_in_timetable"] = 1.0
        if folded in self.closing or any(folded.startswith(w) for w in self.closing if len(w) >= 3):
            f["closing"] = 1.0
        if any(w in folded for w in self.not_talks):
            f["not_talk_word"] = 1.0
        if any(w in folded for w in self.keynote_words):
            f["keynote_word"] = 1.0
            # a bare "Keynote" heading over the keynotes' own headings is a section, not a talk
            nxt = next((b for b in blocks[c.block + 1:] if b.kind == HEADING), None)
            if folded in self.keynote_words and c.kind == HEADING and nxt is not None and nxt.level > c.level:
                f["bare_keynote_word"] = 1.0
        if any(m in title for m in self.title_markers):
            f["title_marker"] = 1.0
        if re.search(r"参加|レポート|ブログ|まとめ|振り返", title):
            f["report_word"] = 1.0
        if _has(products, c.start, c.end):
            f["names_product"] = 1.0
        if any(a == c.start and text[b:b + 2].lstrip()[:1] in ("の", "が") for a, b in orgs):
            f["company_owns_title"] = 1.0
        if c.speakers and not f.get("sentence_end") and not f.get("punctuated"):
            f["titled_speaker"] = 1.0
        if _has(events, c.start, c.end):
            f["names_event"] = 1.0
        if _has(people, c.start, c.end) and not c.speakers:
            f["names_person"] = 1.0
        if c.first_block == 0 or c.block == 0:
            f["first_block"] = 1.0
        ascii_letters = sum(ch.isascii() and ch.isalpha() for ch in title)
        if ascii_letters > 0.6 * length and len(title.split()) >= 3:
            f["english_title"] = 1.0
        if c.first_block > 0:
            prev = blocks[c.first_block - 1]
            prev_text = fold(prev.content(text))
            prev_title = parse_title(text, prev.start, prev.end)[2]
            if len(prev_text) <= 30 and any(w in prev_text for w in self.session_words) \
                    and prev.paragraph >= blocks[c.first_block].paragraph - 1 \
                    and not {"slot", "code", "lt"} & set(prev_title):  # a session's own title line is no label
                f["intro_prev"] = 1.0
        # a link card: a page title next to its bare address ("docs.aws.amazon.com")
        near = blocks[max(0, c.first_block - 2):c.block + 3]
        if any(SITE_LINE.fullmatch(b.content(text)) for b in near if b is not blocks[c.block]):
            f["link_card"] = 1.0
        if parents:
            nearest = fold(parents[-1].content(text))
            if any(w in nearest for w in self.session_words):
                f["under_session_heading"] = 1.0
            if any(w in nearest for w in self.toc):
                f["under_toc_heading"] = 1.0
            if any(w in nearest for w in self.closing):
                f["under_closing_heading"] = 1.0

    # --- choosing talks and their sections ---------------------------------------------

    def select(self, chosen: list[Candidate], text: str) -> list[Candidate]:
        """One talk per title: a title listed twice (contents, timetable, then its section) is one talk."""
        keep: list[Candidate] = []
        for c in chosen:
            key = fold(text[c.start:c.end])
            twin = next((k for k in keep if _same_title(key, fold(text[k.start:k.end]))), None)
            if twin is None:
                keep.append(c)
            elif c.kind == HEADING or twin.kind != HEADING:
                # the later, fuller appearance wins; it keeps what the first one knew of the speakers
                c.speakers = c.speakers or twin.speakers
                keep[keep.index(twin)] = c
        return sorted(keep, key=lambda c: c.block)

    def sections(self, chosen: list[Candidate], blocks: list[Block], text: str, people, orgs) -> list[Talk]:
        talks = []
        starts = sorted({c.first_block for c in chosen})
        for c in chosen:
            stop = next((s for s in starts if s > c.block), len(blocks))
            end_block = c.block
            listed = False  # under a "**Speakers**" label line, each list item is a speaker
            for j in range(c.block + 1, stop):
                b = blocks[j]
                if listed and b.kind == ITEM and c.kind != ITEM:
                    c.speakers.append((b.start, b.end))
                    end_block = j
                    continue
                listed = b.kind in (HEADING, LINE) and bool(SPEAKERS_HEADING.fullmatch(b.content(text)))
                if b.kind == HEADING and (c.kind != HEADING or b.level <= c.level):
                    break
                if b.kind in (HEADING, LINE) and fold(b.content(text)) in self.closing:
                    break
                if c.kind == ROW:
                    break
                if c.kind == ITEM and b.kind == ITEM and b.level <= blocks[c.block].level:
                    break
                end_block = j
                if b.kind in (HEADING, LINE) and (b.start, b.end) not in c.speakers and \
                        self._guest_line(text, b, people, orgs):
                    c.speakers.append((b.start, b.end))
                elif j <= c.block + 2 and not c.speakers:
                    c.speakers += _speakers_in_sentence(text, b, people, orgs)
            section = (blocks[c.first_block].start, blocks[end_block].end)
            talks.append(Talk((c.start, c.end), c.line, section, tuple(c.speakers), c.score))
        return talks

    def set_annotations(self, doc: Doc, talks: list[Talk]) -> None:
        add_speaker_names(doc, [s for talk in talks for s in talk.speakers])
        groups: dict[str, list[Span]] = {TALKS_KEY: [], SECTIONS_KEY: [], SPEAKERS_KEY: [], LINES_KEY: []}
        for n, talk in enumerate(talks):
            label = f"talk{n}"
            for key, (a, b), span_label in ((TALKS_KEY, talk.title, "Talk"), (SECTIONS_KEY, talk.section, label),
                                            (LINES_KEY, talk.line, label)):
                span = doc.char_span(a, b, label=span_label, alignment_mode="expand")
                if span is not None:
                    groups[key].append(span)
            for a, b in talk.speakers:
                span = doc.char_span(a, b, label=label, alignment_mode="expand")
                if span is not None:
                    groups[SPEAKERS_KEY].append(span)
        for key, spans in groups.items():
            doc.spans[key] = spans
        doc._.graphbuild_talk_records = talks


SPEAKER_RULE = "rule:speaker-line|"
JA_NAME = re.compile(r"(?:^|(?<=[\s\u3000:：/／(（、,]))([\u4e00-\u9fff々]{1,4}(?:[ \u3000]?[\u4e00-\u9fff々\u3040-\u309f\u30a1-\u30fa]{1,4})?)"
                     r"(?=[ \u3000]*(?:さん|氏|様|先生)|[ \u3000]*[(（]|\s*$)")
EN_NAME = re.compile(r"(?:^|(?<=[\s:：/／(（、,]))([A-Z][a-z]+(?:[ ](?:[A-Z]\.|[A-Z][a-zA-Z'\-]+)){1,2})(?=\s*[,，(（/／]|\s*$|\s+(?:さん|氏))")
NOT_NAMES = re.compile(r"部|課|室|長|役|員|代表|社長|会長|担当|事業|本部|開発|技術|運営|司会|株式会社|合同会社|Principal|Senior|Solutions?|"
                       r"Architect|Manager|Engineer|Developer|Specialist|Product|Director|Chief|Officer|Head|Lead|Amazon|AWS")


def add_speaker_names(doc: Doc, speakers: list[tuple[int, int]]) -> None:
    """Names on speaker lines that no other stage found ("登壇：株式会社X 部長 田所 健一 氏",
    "Speaker: Jane Doe, Principal SA, AWS") become Person mentions."""
    text = view_of(doc).text
    mentions = [s for s in doc.spans.get(MENTIONS_KEY, []) if not s.kb_id_.startswith(SPEAKER_RULE)]
    taken = [(s.start_char, s.end_char) for s in list(mentions) + list(doc.ents)]
    added = []
    for start, end in speakers:
        line = text[start:end]
        label = SPEAKER_LABEL.match(line)
        offset = start + (label.end() if label else 0)
        body = text[offset:end]
        for pattern in (JA_NAME, EN_NAME):
            for m in pattern.finditer(body):
                a, b = offset + m.start(1), offset + m.end(1)
                name = m.group(1)
                if NOT_NAMES.search(name) or any(x < b and a < y for x, y in taken) or len(fold(name)) < 2:
                    continue
                span = doc.char_span(a, b, label="Person", kb_id=SPEAKER_RULE + " ".join(name.split()),
                                     alignment_mode="expand")
                if span is not None:
                    added.append(span)
                    taken.append((a, b))
    doc.spans[MENTIONS_KEY] = sorted(mentions + added, key=lambda s: s.start_char)


def parse_title(text: str, start: int, end: int) -> tuple[int, int, dict[str, float], tuple[int, int] | None]:
    """The title inside a line: without time slot, session code, bracket label, LT number and quotes,
    and without a speaker written after it; (start, end, flags, speaker span or None)."""
    flags: dict[str, float] = {}
    pos = start
    for _ in range(5):
        s = text[pos:end]
        for name, pattern in (("mark", MARK_PREFIX), ("slot", TIME_SLOT), ("clock_time", CLOCK_TIME), ("date", DATE_PREFIX),
                              ("label", BRACKET_LABEL),
                              ("code", SESSION_CODE), ("lt", LT_PREFIX), ("track", TRACK_PREFIX),
                              ("numbered", NUMBERED)):
            m = pattern.match(s)
            if m and m.end() > 0:
                if name == "label":
                    label = m.group(1)
                    name = "code" if SESSION_CODE.match(label + " ") or re.fullmatch(r"[A-Z]?\d{1,3}", label) else \
                        ("label_session" if re.search(r"セッション|LT|講演|Keynote|キーノート|事例|Session|基調", label)
                         else "label")
                if name != "mark":
                    flags[name] = 1.0
                pos += m.end()
                break
        else:
            break
    while pos < end and text[pos] in " \u3000:：|｜-–—":
        pos += 1
    if DAY_PREFIX.match(text, pos):
        flags["date"] = 1.0
    if NOTE_ONLY.fullmatch(text, pos, end):  # "18:00-19:00 【LT】(各5分、発表順は当日)": a note, no title
        return pos, pos, flags, None
    inline = None
    label = re.search(r"\s*[(（][^()（）]{0,30}(?:セッション|Session|講演|Keynote|LT|Talk|Workshop|ワークショップ|チョークトーク)"
                      r"[^()（）]{0,30}[)）]\s*$", text[pos:end])
    if label and text[pos:pos + 1] not in QUOTES:
        flags["label_session"] = 1.0
        end = pos + label.start()
    stop = end
    first = text[pos:pos + 1]
    close = text.find(QUOTES[first], pos + 1, end) if first in QUOTES else -1
    after = text[close + 1:end] if close > 0 else ""
    if close > pos + 1 and (not after.strip() or after[:1] in " \u3000(（/／-–—" or SPEAKER_CUE.search(after)):
        rest = (close + 1, end)
        flags["quoted"] = 1.0
        pos, stop = pos + 1, close
        if SPEAKER_CUE.search(text[rest[0]:rest[1]]):
            inline = _trimmed(text, *rest)
    else:
        m = re.search(r"\s*(?:[(（]([^()（）]{2,80})[)）]|[/／]\s*([^/／]{2,60}))\s*$", text[pos:end])
        if m is None:
            m = TRAILING_SPEAKER.search(text[pos:end])
            m = m if m is not None and m.start() > 0 else None
        if m and SPEAKER_CUE.search(m.group(1) or m.group(2) or ""):
            inline = _trimmed(text, pos + m.start() , end)
            stop = pos + m.start()
        else:
            quote = re.search(r"「([^「」]{8,80})」", text[pos:end])
            if quote and SPEAKER_CUE.search(text[pos + quote.end():end]):
                flags["quoted_inner"] = 1.0
                inline = _trimmed(text, pos + quote.end(), end)
                pos, stop = pos + quote.start(1), pos + quote.end(1)
    while stop > pos and text[stop - 1] in " \u3000:：|｜-–—":
        stop -= 1
    return pos, stop, flags, inline


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start] in " \u3000/／(（:：":
        start += 1
    while end > start and text[end - 1] in " \u3000)）":
        end -= 1
    return (start, end) if end > start else None


def _same_title(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 8 and shorter in longer and len(shorter) >= 0.7 * len(longer)


IN_SENTENCE_SPEAKER = re.compile(r"\s*(?:さん|氏|様|先生|SA|CTO|CEO)\s*(?:の(?:セッション|講演|発表|話|LT|トーク|基調講演)|による|が登壇|"
                                 r"[。!！]|です|でした|"
                                 r"が紹介|が発表|が話|が解説|から|と[、,].{0,40}(?:による|の共同|のセッション))")


def _speakers_in_sentence(text: str, block: Block, people, orgs) -> list[tuple[int, int]]:
    """"AWS の中村 亮さんのセッション": a speaker named in the first sentences of a talk."""
    found = []
    for start, end in people:
        if not block.start <= start < block.end:
            continue
        cue = IN_SENTENCE_SPEAKER.match(text, end)
        if cue is None:
            continue
        company = next((a for a, b in orgs if re.fullmatch(r"\s*の\s*", text[b:start])), None)
        honorific_end = end + len(re.match(r"\s*(?:さん|氏|様|先生|SA|CTO|CEO)", text[end:]).group())
        found.append((company if company is not None else start, honorific_end))
    return found


def _plain_title(c: Candidate) -> bool:
    """In a report that marks none of its sessions, a long line standing alone, phrased like a title and
    followed by prose about a session, is one ("セッションだったかと思います" after a bare title line)."""
    f = c.features
    return bool(f.get("plain_title_in_unmarked_post") and f.get("in_report") and f.get("title_marker")) and not (
        f.get("sentence_end") or f.get("punctuated") or f.get("closing") or f.get("link_card") or f.get("report_word"))


def _marked(c: Candidate) -> bool:
    """A session's own marks (a time slot, a session code, an LT number, a quoted title over a speaker line,
    a heading that names a keynote) make it a talk whatever else the line says."""
    f = c.features
    # "Day1 基調講演", "Dr. Werner Vogels Keynote"; not a bare "Keynote" heading over the keynotes
    keynote = f.get("keynote_word") and c.kind == HEADING and c.end - c.start <= 30 and not f.get("report_word") \
        and not f.get("bare_keynote_word")
    return bool(f.get("slot") or f.get("code") or f.get("lt") or f.get("quoted") and f.get("speaker_next")
                or keynote) and not (
        f.get("not_talk_word") and not keynote or f.get("closing") or f.get("sentence_end") or f.get("punctuated"))


def _sibling_features(found: list[Candidate]) -> None:
    """Sessions come in runs: a candidate shaped like several others with session marks is likelier one."""
    marked = [c for c in found if {"slot", "code", "lt", "label_session", "speaker_next", "speaker_inline"} & set(c.features)]
    for c in found:
        shape = (c.kind, c.level)
        peers = sum(1 for m in marked if m is not c and (m.kind, m.level) == shape)
        if peers >= 2:
            c.features["marked_siblings"] = 1.0


def _blocks_of(doc: Doc, text: str) -> list[Block]:
    blocks = doc._.graphbuild_blocks
    if blocks is None:  # the structure stage is not in this pipeline
        from graphbuild.nlp.structure import read_blocks
        blocks = doc._.graphbuild_blocks = read_blocks(text, doc._.graphbuild_format)
    return blocks


def _words(words: list[str]) -> list[str]:
    return [fold(w) for w in words]


def _offsets(doc: Doc, types: set[str]) -> list[tuple[int, int]]:
    spans = list(doc.spans.get(MENTIONS_KEY, [])) + list(doc.ents)
    return sorted({(s.start_char, s.end_char) for s in spans if _type_of(s) in types})


def _has(offsets: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start <= s < end for s, _ in offsets)


def _type_of(span: Span) -> str:
    return span.label_ if span.label_ in {"Service", "Company", "Technology", "Event", "Person"} else (NER_TYPES.get(span.label_) or "")


def talk_title(text: str) -> str:
    """A title line without its time slot, session code, quotation marks and speaker."""
    start, end, _, _ = parse_title(text, 0, len(text))
    return text[start:end]
