"""spaCy component `graphbuild_talks`: split a post into the talks (sessions) it reports on.

A post about a conference is a run of sections, one per session.  A line opens a talk
when it reads as a session title: a time-slot prefix (`[13:00-13:40] ...`), a title
followed by a speaker line (`@handle様`, a company and a name), a title under a
"...セッション" label, or a long heading phrased like a talk title.  Each talk's
section runs to the next talk or to a closing heading (まとめ, さいごに, ...).

Results: `doc.spans["graphbuild_talks"]` (the title line of each talk, label "Talk"),
`doc.spans["graphbuild_talk_sections"]` and `doc.spans["graphbuild_talk_speakers"]`,
whose labels ("talk0", "talk1", ...) tie them to their talk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from graphbuild.entities import NER_TYPES
from graphbuild.normalize import fold

TALKS_KEY = "graphbuild_talks"
SECTIONS_KEY = "graphbuild_talk_sections"
SPEAKERS_KEY = "graphbuild_talk_speakers"

TIME_SLOT = re.compile(r"^[\[【(（]?\s*\d{1,2}[:：]\d{2}\s*[-~〜–－]\s*\d{1,2}[:：]\d{2}\s*[\]】)）]?\s*(.+)$")
BULLET = re.compile(r"^\s*([•・\-*+>]|\d+[.)]\s|[①-⑳])")
QUOTED = re.compile(r"^[「『\"“](.+)[」』\"”]$")
HANDLE_LINE = re.compile(r"^@[A-Za-z0-9_\-]+\s*(様|さん|氏)?\s*$")
URLISH = re.compile(r"https?://|www\.|\.(com|jp|net|org|io)\b|^f:id:")
SENTENCE_END = re.compile(r"(。|です|ます|でした|ました|ません|だ|た)$")

DEFAULT_CONFIG = {
    # a short line with one of these words introduces the session title under it
    "intro_words": ["セッション", "講演", "基調講演", "キーノート", "Keynote", "LT", "ライトニングトーク", "登壇"],
    # a long heading with one of these reads as a talk title
    "title_markers": ["〜", "~", "～", "について", "ベストプラクティス", "入門", "事例", "活用", "戦略", "指針",
                      "の今", "とは", "実践", "?", "？", "!", "！", "で実現する", "による", "から見えた", "への",
                      "していく", "のための", "を支える", "ための", "における"],
    "title_min_length": 18,
    "closing_headings": ["まとめ", "さいごに", "最後に", "おわりに", "終わりに", "全体の感想", "感想", "所感",
                         "おまけ", "参考", "参考リンク"],
    "speaker_words": ["様", "さん", "氏", "登壇", "スピーカー", "Speaker", "講演者", "Solutions Architect",
                      "ソリューションアーキテクト", "エンジニア", "CTO", "代表", "本部", "部長"],
}


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


@Language.factory("graphbuild_talks", assigns=["doc.spans"], requires=["doc.spans"], default_config=DEFAULT_CONFIG)
def make_talk_detector(nlp: Language, name: str, intro_words: list[str], title_markers: list[str],
                       title_min_length: int, closing_headings: list[str], speaker_words: list[str]) -> "TalkDetector":
    return TalkDetector(intro_words, title_markers, title_min_length, closing_headings, speaker_words)


class TalkDetector:
    """Finds talk titles, sections and speaker lines; see the module docstring."""

    def __init__(self, intro_words: list[str], title_markers: list[str], title_min_length: int,
                 closing_headings: list[str], speaker_words: list[str]) -> None:
        self.intro_words = intro_words
        self.title_markers = title_markers
        self.title_min_length = title_min_length
        self.closing = {fold(h) for h in closing_headings}
        self.speaker_words = speaker_words

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[tuple[Line, Line, list[Line]]]:
        """(title line, section, speaker lines) of each talk."""
        lines = split_lines(doc.text)
        people = _mention_offsets(doc, {"Person"})
        orgs = _mention_offsets(doc, {"Company"})
        starts: list[tuple[int, list[Line]]] = []
        seen: list[str] = []
        has_slots = any(TIME_SLOT.match(line.text) for line in lines)
        for i, line in enumerate(lines):
            if i == 0 or not self._heading_like(line):
                continue
            speakers = self._speaker_lines(lines, i, people, orgs)
            slot = TIME_SLOT.match(line.text)
            if slot:
                is_talk = True
            elif has_slots:
                is_talk = False  # a post with a timetable marks every session with its slot
            else:
                is_talk = (bool(speakers) or bool(QUOTED.match(line.text)) and self._introduced(lines, i)
                           or self._introduced(lines, i) or self._titleish(line.text))
            key = fold(_title_text(line.text))
            if is_talk and not any(key in s or s in key for s in seen):
                seen.append(key)
                strong = bool(slot or speakers or self._introduced(lines, i))
                starts.append((i, speakers, strong))
        if any(strong for _, _, strong in starts):
            # a post that marks its sessions clearly marks all of them: drop the weaker guesses
            starts = [s for s in starts if s[2]]
        talks = []
        for n, (i, speakers, _) in enumerate(starts):
            stop = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
            for j in range(i + 1, stop):
                if fold(lines[j].text) in self.closing:
                    stop = j
                    break
            section = Line(lines[i].start, lines[stop - 1].end, "")
            talks.append((lines[i], section, speakers))
        return talks

    def set_annotations(self, doc: Doc, talks: list[tuple[Line, Line, list[Line]]]) -> None:
        titles, sections, speakers = [], [], []
        for n, (title, section, speaker_lines) in enumerate(talks):
            label = f"talk{n}"
            titles.append(doc.char_span(title.start, title.end, label="Talk", alignment_mode="expand"))
            sections.append(doc.char_span(section.start, section.end, label=label, alignment_mode="expand"))
            speakers.extend(doc.char_span(s.start, s.end, label=label, alignment_mode="expand") for s in speaker_lines)
        doc.spans[TALKS_KEY] = [s for s in titles if s is not None]
        doc.spans[SECTIONS_KEY] = [s for s in sections if s is not None]
        doc.spans[SPEAKERS_KEY] = [s for s in speakers if s is not None]

    def _heading_like(self, line: Line) -> bool:
        text = line.text
        if not 4 <= len(text) <= 140 or BULLET.match(text) or URLISH.search(text):
            return False
        if HANDLE_LINE.match(text) or fold(text) in self.closing:
            return False
        return not SENTENCE_END.search(text.rstrip("」』"))

    def _titleish(self, text: str) -> bool:
        body = _title_text(text)
        return (self.title_min_length <= len(body) <= 80 and any(m in body for m in self.title_markers)
                and not re.search(r"参加|レポート|ブログ|[、。]|[ねよな][?？!！]?$", body) and body[0] not in "(（")

    def _introduced(self, lines: list[Line], i: int) -> bool:
        prev = lines[i - 1].text
        return len(prev) <= 25 and any(w in prev for w in self.intro_words) and lines[i - 1].end + 3 >= lines[i].start

    def _speaker_lines(self, lines: list[Line], i: int, people: list[tuple[int, int]],
                       orgs: list[tuple[int, int]]) -> list[Line]:
        """The one or two lines under a title that name who gave the talk."""
        found = []
        for line in lines[i + 1:i + 3]:
            text = line.text
            if len(text) > 90 or "。" in text:
                break
            has_person = any(line.start <= s < line.end for s, _ in people)
            has_org = any(line.start <= s < line.end for s, _ in orgs)
            worded = any(w in text for w in self.speaker_words)
            if HANDLE_LINE.match(text) or (has_person and (worded or has_org)):
                found.append(line)
            else:
                break
        return found


def split_lines(text: str) -> list[Line]:
    """Non-blank lines, stripped, with their offsets in `text`."""
    lines = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            start = pos + raw.index(stripped)
            lines.append(Line(start, start + len(stripped), stripped))
        pos += len(raw) + 1
    return lines


def talk_title(text: str) -> str:
    """A title line without its time slot and quotation marks."""
    return _title_text(text)


def _title_text(text: str) -> str:
    text = re.sub(r"^\s*#{1,6}\s+", "", text)  # a Markdown heading's marks are not part of the title
    slot = TIME_SLOT.match(text)
    if slot:
        text = slot.group(1)
    quoted = QUOTED.match(text.strip())
    return (quoted.group(1) if quoted else text).strip()


def _mention_offsets(doc: Doc, types: set[str]) -> list[tuple[int, int]]:
    spans = list(doc.spans.get("graphbuild_mentions", [])) + list(doc.ents)
    return sorted({(s.start_char, s.end_char) for s in spans if _type_of(s) in types})


def _type_of(span: Span) -> str:
    return span.label_ if span.label_ in {"Service", "Company", "Technology", "Event", "Person"} else (NER_TYPES.get(span.label_) or "")
