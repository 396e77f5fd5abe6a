"""What a mention span refers to: a canonical entity key, type and name.

Vocabulary matches carry their term id; rule matches and GiNZA NER spans get a key
from their cleaned, folded name, so the same company written "NTT データ" and
"NTTデータ" is one entity.  Company forms and honorifics are stripped here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from graphbuild.nlp.normalize import fold
from graphbuild.nlp.rules import COMPANY_FORM
from graphbuild.nlp.vocabulary import Vocabulary
from graphbuild.nlp.vocabulary_ruler import FUZZY_PREFIX, RULE_PREFIX

KEY_PREFIX = {"Service": "svc", "Company": "org", "Technology": "tech", "Event": "evt", "Person": "person", "Talk": "talk"}
# GiNZA's Extended Named Entity labels mapped to graphbuild types; anything else is ignored.
# Company is left out: on technical text GiNZA labels regions, products and common nouns
# as companies far more often than real ones, which the vocabulary and company-form
# rules already find.
NER_TYPES = {"Person": "Person", "Conference": "Event"}
SPEAKER_CONTEXT = re.compile(r"Architect|Engineer|Developer|CTO|CEO|Manager|Evangelist|from |by |さん|氏|様|登壇|講演|発表")
# legal forms and honorifics around a company name; never the 社 of a name (講談社, 新潮社)
_COMPANY_FORMS = re.compile(r"^" + COMPANY_FORM + r"\s*|\s*(?:" + COMPANY_FORM + r"|様|さん|殿|御中)$")
_HONORIFIC_FIRST = re.compile(r"(?:氏|さん|様|先生)(?:\s|$)")
_PERSON_SUFFIX = re.compile(r"\s*(様|さん|氏|先生|くん|君)$")
# confidence by how a mention was found
CONFIDENCE = {"vocabulary": 0.95, "handle": 0.9, "company-form": 0.8, "event-name": 0.7,
              "event-number": 0.7, "amazon-name": 0.5, "feature": 0.7, "ner": 0.5, "fuzzy": 0.6, "speaker-line": 0.7,
              "latin-name": 0.6}


@dataclass(frozen=True)
class EntityRef:
    key: str
    type: str
    name: str
    method: str
    confidence: float
    boto: str | None = None
    candidate: bool = False


def resolve_span(span: Span, vocabulary: Vocabulary) -> EntityRef | None:
    """The entity a vocabulary, rule or NER span refers to, or None if it is not one of ours."""
    kb_id = span.kb_id_
    if kb_id.startswith(FUZZY_PREFIX):
        term = vocabulary.term(kb_id[len(FUZZY_PREFIX):])
        return EntityRef(term.id, term.type, term.name, "fuzzy", CONFIDENCE["fuzzy"], term.boto)
    if kb_id and not kb_id.startswith(RULE_PREFIX):
        term = vocabulary.term(kb_id)
        return EntityRef(term.id, term.type, term.name, "vocabulary", CONFIDENCE["vocabulary"], term.boto)
    if kb_id:
        rule, _, name = kb_id[len(RULE_PREFIX):].partition("|")
        return make_ref(span.label_, name, rule, candidate=(rule == "amazon-name"), vocabulary=vocabulary)
    our_type = NER_TYPES.get(span.label_)
    if our_type is None or not _plausible_ner_name(span.text, our_type):
        return None
    if our_type == "Person" and span.text.isascii() and not SPEAKER_CONTEXT.search(_line_of(span)):
        return None  # Latin "names" are mostly headings ("Trouble Shooting") unless a speaker line
    return make_ref(our_type, span.text, "ner", vocabulary=vocabulary)


def make_ref(type_: str, name: str, method: str, candidate: bool = False,
             vocabulary: Vocabulary | None = None) -> EntityRef | None:
    name = clean_name(name, type_)
    if not fold(name) or (type_ == "Person" and _HONORIFIC_FIRST.match(name)):
        return None  # "Jane Roe 氏 ほか" split after the name leaves "氏 ほか": no one
    if vocabulary is not None:
        # a rule or NER name that the vocabulary knows by another spelling
        matches = vocabulary.find(name)
        if len(matches) == 1 and matches[0].start == 0 and matches[0].end == len(name) and matches[0].term.type == type_:
            term = matches[0].term
            return EntityRef(term.id, term.type, term.name, method, CONFIDENCE.get(method, 0.5), term.boto)
    key = f"{KEY_PREFIX[type_]}:{slug(name)}"
    return EntityRef(key, type_, name, method, CONFIDENCE.get(method, 0.5), None, candidate)


def clean_name(name: str, type_: str) -> str:
    name = " ".join(name.split())
    if type_ == "Company":
        previous = None
        while previous != name:
            previous, name = name, _COMPANY_FORMS.sub("", name).strip()
    elif type_ == "Person":
        name = _PERSON_SUFFIX.sub("", name).lstrip("@").strip()
    return name.strip("「」『』()（）[]")


def slug(name: str) -> str:
    """A key part that folds spelling variants together; Japanese characters are kept."""
    return re.sub(r"[^\w]+", "-", fold(name.replace("#", "sharp").replace("+", "plus"))).strip("-")


def _line_of(span: Span) -> str:
    """The line around `span`, found token by token (`doc.text` rebuilds the whole text on each call)."""
    doc = span.doc
    start, end = span.start, span.end
    while start > 0 and "\n" not in doc[start - 1].text_with_ws:
        start -= 1
    while end < len(doc) and "\n" not in doc[end - 1].text_with_ws:
        end += 1
    return doc[start:end].text.rstrip("\n")


def _plausible_ner_name(text: str, type_: str) -> bool:
    """GiNZA's NER labels stray fragments on technical text; keep only name-like spans."""
    text = text.strip()
    if "\n" in text or len(text) < 2 or len(text) > 40:
        return False
    if re.search(r"[、。:：/|]", text):
        return False
    if type_ == "Person":
        # a Japanese full name (kanji/kana with a space) or a capitalised Latin name
        return bool(re.fullmatch(r"[\u4e00-\u9fff々]{1,4}[ 　]?[\u4e00-\u9fff\u3040-\u30ff々]{1,4}", text)
                    or re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}", text))
    if type_ == "Event":
        return bool(re.search(r"\d{4}|#\d", text))
    return not re.fullmatch(r"[\u3040-\u309f]+|[0-9\W]+", text)


def collect_mentions(doc: Doc, vocabulary: Vocabulary) -> list[tuple[Span, EntityRef]]:
    """Every mention in `doc` with its entity: vocabulary and rule spans, then NER spans around them."""
    found: list[tuple[Span, EntityRef]] = []
    text = doc.text
    taken = bytearray(len(text) + 1)  # 1 where a kept mention covers the character
    # names in page chrome (share buttons, tag lines) are not in the story; nor is a company in code
    chrome = bytearray(len(text) + 1)
    code = bytearray(len(text) + 1)
    for block in doc._.graphbuild_blocks or []:
        if block.kind == "chrome":
            chrome[block.line_start:block.end] = b"\x01" * (block.end - block.line_start)
        elif block.kind == "code":
            code[block.line_start:block.end] = b"\x01" * (block.end - block.line_start)
    for span in list(doc.spans.get("graphbuild_mentions", [])) + list(doc.ents):
        if any(taken[span.start_char:span.end_char]) or chrome[span.start_char]:
            continue
        ref = resolve_span(span, vocabulary)
        if ref is not None and not (ref.type == "Company" and (is_site_caption(text, span.start_char, span.end_char)
                                                               or code[span.start_char])):
            found.append((span, ref))
            taken[span.start_char:span.end_char] = b"\x01" * (span.end_char - span.start_char)
            group = organiser_of(ref, vocabulary)
            if group is not None:
                found.append((span, group))
    return sorted(found, key=lambda pair: pair[0].start_char)


# "湾岸クラウド勉強会 #3", "JAWS-UG サーバーレス支部 #8": a numbered meetup of a study group or chapter
_GROUP_SERIES = re.compile(r"^(?P<group>\S.{1,40}?(?:勉強会|支部))\s*#\d{1,3}\b")


def organiser_of(event: EntityRef, vocabulary: Vocabulary) -> EntityRef | None:
    """The user group a numbered meetup is a meeting of (user groups are companies in the guidelines)."""
    if event.type != "Event" or event.method != "event-number":
        return None
    m = _GROUP_SERIES.match(event.name)
    return make_ref("Company", m.group("group"), "event-number", vocabulary=vocabulary) if m else None


SITE_SEPARATOR = re.compile(r"\s[-|–—｜]\s*$")


def is_site_caption(text: str, start: int, end: int) -> bool:
    """"Some page title - Speaker Deck": a site name closing a link card names where a page lives, not a company in the story."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    after = text[end:len(text) if line_end < 0 else line_end]
    return not after.strip() and bool(SITE_SEPARATOR.search(text[line_start:start]))


@dataclass(frozen=True)
class FoundRelation:
    """A relation between entity refs ("doc" stands for the document), with the characters that support it."""

    s: EntityRef | None
    p: str
    o: EntityRef
    start: int
    end: int
    method: str
    confidence: float
