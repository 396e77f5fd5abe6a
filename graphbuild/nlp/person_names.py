"""Person names in Latin letters that no vocabulary lists ("Werner Vogels", "Dr. Swami Sivasubramanian").

GiNZA's NER rarely labels a Latin name in Japanese prose, and capitalised words are as often a
heading or a product ("Trouble Shooting", "Serverless Architecture").  Every run of two or three
capitalised words is a candidate; a small learned scorer (`models/person_name.json`, trained by
`scripts/train_scorers.py`) keeps it from features any post has: an honorific or a job title next
to it, what Sudachi knows of its words, the line it stands on, whether the NER saw a person there.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from graphbuild.nlp.doc_view import view_of
from graphbuild.nlp.normalize import fold

LATIN_NAME = re.compile(r"(?<![\w\-@./#])(?P<dr>Dr\.\s?)?(?P<name>[A-Z][a-zà-öø-ÿ'’]+(?:[ \-][A-Z][A-Za-zà-öø-ÿ'’\-]+){1,2})"
                        r"(?![\w\-]|\.\w)")
HONORIFIC_AFTER = re.compile(r"\s*(?:氏|さん|様|先生)")
ROLE = re.compile(r"\b(?:CEO|CTO|CIO|CFO|COO|VP|SVP|SA|President|Principal|Distinguished|Senior|Engineer|Architect|"
                  r"Evangelist|Advocate|Director|Founder|Head of|Manager|Scientist)\b|"
                  r"基調講演|キーノート|Keynote|登壇|ゲスト|スピーカー|Speaker|講演|創業者|社長|会長|副社長|エバンジェリスト")
KEYNOTE_AFTER = re.compile(r"\s*(?:'s\s*)?(?:Keynote|キーノート|基調講演|の(?:基調講演|キーノート))")
LABEL_BEFORE = re.compile(r"(?:[|｜:：/／、,，(（]|by|with|and|&|と)\s*$", re.IGNORECASE)
# words of job titles, teams and firms, which a person's name does not hold
TITLE_WORD = re.compile(r"\b(?:Product|Manager|Staff|Lead|Chief|Officer|Vice|General|Worldwide|Global|Channels?|Alliances?|"
                        r"Media|Labs?|Group|Team|Inc|Corp|Solutions?|Services?|Systems?|Technologies|Cloud|Data)\b")
KATAKANA = re.compile(r"[\u30a1-\u30fa]")


@dataclass
class NameCandidate:
    start: int  # the name's characters ("Dr." left out)
    end: int
    features: dict[str, float]

    def name(self, text: str) -> str:
        return text[self.start:self.end]


def name_candidates(doc: Doc, ner_people: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[NameCandidate]:
    """Every run of capitalised Latin words outside the vocabulary's matches (`taken`), with its
    features; `ner_people` are the (start, end) of the NER's person names."""
    text = view_of(doc).text
    found = []
    starts = {t.idx: t for t in doc}
    # how often each capitalised word stands in the post, counted once (a surname seen again)
    words_seen = Counter(re.findall(r"(?<![A-Za-z])[A-Z][A-Za-zà-öø-ÿ'’]*", text))
    for m in LATIN_NAME.finditer(text):
        start, end = m.span("name")
        if any(a < end and start < b for a, b in taken):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if "http" in line[max(0, start - line_start - 40):end - line_start + 40]:
            continue
        words = re.split(r"[ \-]", m.group("name"))
        before, after = text[max(line_start, start - 25):start], text[end:end + 25]
        tokens = [starts[i] for i in range(start, end) if i in starts]
        known = sum(1 for t in tokens if KATAKANA.search("".join(t.morph.get("Reading"))) and "人名" not in t.tag_)
        latin = sum(c.isascii() and c.isalpha() for c in line)
        f = {
            f"words_{len(words)}": 1.0,
            "honorific_after": float(bool(HONORIFIC_AFTER.match(after))),
            "role_near": float(bool(ROLE.search(before) or ROLE.search(after))),
            "role_inside": float(bool(ROLE.search(m.group("name")) or TITLE_WORD.search(m.group("name")))),
            "keynote_after": float(bool(KEYNOTE_AFTER.match(after))),
            "label_before": float(bool(LABEL_BEFORE.search(before))),
            "dr": float(bool(m.group("dr"))),
            "known_words": known / max(1, len(tokens)),
            "all_known": float(bool(tokens) and known == len(tokens)),
            "name_tagged": float(any("人名" in t.tag_ for t in tokens)),
            "ner_person": float(any(a < end and start < b for a, b in ner_people)),
            "english_line": float(latin > 0.6 * max(1, len(line.strip()))),
            "line_is_name": float(line.strip(" -*#・\u3000") == m.group()),
            "at_line_start": float(not text[line_start:start].strip(" -*#・\u3000")),
            "long_word": float(any(len(w) >= 9 for w in words)),
            "surname_again": float(words_seen[words[-1]] > 1),
        }
        found.append(NameCandidate(start, end, {k: v for k, v in f.items() if v}))
    return found


def gold_person_keys(gold: dict) -> set[str]:
    """Folded names and aliases of the gold file's people, to label candidates."""
    return {fold(n) for e in gold["entities"] if e["type"] == "Person" for n in [e["name"], *e.get("aliases", [])]}


def add_names(doc: Doc, names: list[tuple[int, int]], rule: str, rejected: list[tuple[int, int]] = ()) -> None:
    """Add accepted names to `doc.ents` as Person rule spans, replacing the NER spans they overlap; the
    NER's Latin "names" the scorer rejected ("Trouble Shooting Tips") go."""
    text = view_of(doc).text
    new = []
    for start, end in names:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            new.append(Span(doc, span.start, span.end, label="Person", kb_id=f"{rule}|{text[start:end]}"))
    dropped = [e for e in doc.ents if e.label_ == "Person" and not e.kb_id_
               and any(a < e.end_char and e.start_char < b for a, b in rejected)]
    if not new and not dropped:
        return
    kept = [e for e in doc.ents if e not in dropped and not any(e.start < s.end and s.start < e.end for s in new)]
    doc.set_ents(sorted(kept + new, key=lambda s: s.start), default="outside")
