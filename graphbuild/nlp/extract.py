"""Turn a processed `Doc` into an `Extraction`: entities, mentions and relations with evidence."""

from __future__ import annotations

import re
from bisect import bisect_right

from spacy.tokens import Doc

from graphbuild.nlp.doc_view import mentions_of, view_of
from graphbuild.nlp.entities import EntityRef, FoundRelation, make_ref
from graphbuild.nlp.event_details import find_event_details
from graphbuild.ingest.posts import Document, source_path
from graphbuild.nlp.records import Entity, Evidence, Extraction, Mention, PersonDetails, Relation
from graphbuild.nlp.relations import talk_refs
from graphbuild.nlp.vocabulary import Vocabulary


def extract(document: Document, doc: Doc, vocabulary: Vocabulary | None = None) -> Extraction:
    """The extraction record of one post."""
    vocabulary = vocabulary or Vocabulary.load()
    sentences = view_of(doc).sentences
    starts = [s for s, _ in sentences]

    def evidence(start: int, end: int) -> Evidence:
        i = max(0, bisect_right(starts, start) - 1)
        s_start, s_end = sentences[i] if sentences else (start, end)
        w_start, w_end = sentence_window(s_start, max(s_end, end), start, end)
        return Evidence(document.id, i, start, end, document.text[start:end], document.text[w_start:w_end],
                        w_start, (w_start, w_end) != (s_start, max(s_end, end)))

    pairs = mentions_of(doc, vocabulary)
    found = doc._.graphbuild_relations or []
    alias_of = _handle_aliases(document.text, pairs) | _series_aliases(pairs) | _byline_handles(
        document.text, found, vocabulary)
    alias_of = _name_part_aliases([ref for _, ref in pairs] + [r for rel in found for r in (rel.s, rel.o)
                                                              if r is not None], alias_of) | alias_of
    refs: dict[str, EntityRef] = {}
    surfaces: dict[str, set[str]] = {}
    mentions = []
    for span, ref in pairs:
        key = alias_of.get(ref.key, ref.key)
        ref = refs.setdefault(key, ref)
        surfaces.setdefault(key, set()).add(span.text.strip())
        mentions.append(Mention(key, span.text, evidence(span.start_char, span.end_char), ref.method, ref.confidence))
    for span, talk in talk_refs(doc):
        refs.setdefault(talk.key, talk)
        surfaces.setdefault(talk.key, set()).update({span.text.strip(), talk.name})
    relations = _relations(doc._.graphbuild_relations or [], alias_of, evidence)
    for rel in doc._.graphbuild_relations or []:
        for ref in (rel.s, rel.o):
            if ref is not None and alias_of.get(ref.key, ref.key) not in refs:
                refs[ref.key] = ref
                surfaces.setdefault(ref.key, set()).add(ref.name)
    entities = tuple(
        Entity(key, ref.type, ref.name, tuple(sorted(surfaces.get(key, set()) | {ref.name})), ref.boto,
               ref.candidate, ref.method, ref.confidence)
        for key, ref in sorted(refs.items()))
    authors = [r.o for r in relations if r.p == "authoredBy"]
    author = next((refs[k].name for k in authors if k in refs and refs[k].type == "Person"), None)
    events = find_event_details(document.text, [(m.evidence.start, m.evidence.end, m.entity) for m in mentions
                                                if refs[m.entity].type == "Event"])
    titles = doc._.graphbuild_job_titles or {}
    people = tuple(PersonDetails(alias_of.get(key, key), title) for key, title in sorted(titles.items())
                   if alias_of.get(key, key) in refs)
    return Extraction(document.id, document.name, document.source, document.title, len(document.text),
                      entities, tuple(mentions), relations, author,
                      metadata=document.metadata, source_path=source_path(document), events=events, people=people)


SENTENCE_CHARS = 500  # a longer sentence is kept as windows of it: whole, it would be repeated by every mention
WINDOW_STEP = 100


def sentence_window(s_start: int, s_end: int, start: int, end: int) -> tuple[int, int]:
    """The characters of sentence [s_start, s_end) kept with evidence [start, end): all of them, or
    for a long sentence the steps of `WINDOW_STEP` characters around the evidence and one more on
    each side.  Windows start and end on step boundaries, so the mentions of one long sentence
    share a few windows and output grows with the text, not with its square."""
    if s_end - s_start <= SENTENCE_CHARS:
        return s_start, s_end
    first = (start - s_start) // WINDOW_STEP - 1
    last = -(-(end - s_start) // WINDOW_STEP) + 1
    return max(s_start, s_start + first * WINDOW_STEP), min(s_end, s_start + last * WINDOW_STEP)


def _relations(found: list[FoundRelation], alias_of: dict[str, str], evidence) -> tuple[Relation, ...]:
    """Merge duplicate relations; each keeps every piece of evidence and its best confidence."""
    merged: dict[tuple[str, str, str], list[FoundRelation]] = {}
    for rel in found:
        s = "doc" if rel.s is None else alias_of.get(rel.s.key, rel.s.key)
        o = alias_of.get(rel.o.key, rel.o.key)
        if s != o:
            merged.setdefault((s, rel.p, o), []).append(rel)
    out = []
    for (s, p, o), rels in sorted(merged.items()):
        best = max(rels, key=lambda r: r.confidence)
        spans = sorted({(r.start, r.end) for r in rels})
        out.append(Relation(s, p, o, tuple(evidence(a, b) for a, b in spans), best.method,
                            min(1.0, best.confidence + 0.05 * (len(spans) - 1))))
    return tuple(out)


BYLINE_HANDLE = re.compile(r"\s*(?:さん|氏)?\s*[(（]\s*\[?@([A-Za-z0-9_\-]+)")


def _byline_handles(text: str, found: list[FoundRelation], vocabulary: Vocabulary) -> dict[str, str]:
    """"ぽんず（@ponzu_sre）" on a byline: the handle is the writer's other name."""
    alias_of = {}
    for rel in found:
        if rel.p == "authoredBy" and rel.o.type == "Person":
            m = BYLINE_HANDLE.match(text, rel.end)
            handle = make_ref("Person", m.group(1), "handle", vocabulary=vocabulary) if m else None
            if handle is not None and handle.key != rel.o.key:
                alias_of[handle.key] = rel.o.key
    return alias_of


def _series_aliases(pairs: list) -> dict[str, str]:
    """"re:Invent" in a post about re:Invent 2024 is that edition (annotation guidelines): a series
    stands for its edition the post names most often."""
    counts: dict[str, int] = {}
    for _, ref in pairs:
        if ref.type == "Event" and "/" in ref.key:
            counts[ref.key] = counts.get(ref.key, 0) + 1
    alias_of = {}
    for edition in sorted(counts, key=lambda k: -counts[k]):
        alias_of.setdefault(edition.split("/", 1)[0], edition)
    return alias_of


def _name_part_aliases(refs: list[EntityRef], alias_of: dict[str, str]) -> dict[str, str]:
    """"山田 太郎 氏 … 山田さんによる": a one-word name that is a word of exactly one full name in the
    post ("山田", "Werner") is that person."""
    people = {alias_of.get(r.key, r.key): r.name for r in refs if r.type == "Person"}
    by_part: dict[str, set[str]] = {}
    for key, name in people.items():
        words = name.split()
        if len(words) > 1:
            for word in words:
                by_part.setdefault(word, set()).add(key)
    out = {}
    for key, name in people.items():
        owners = by_part.get(name, set()) - {key}
        if " " not in name and len(owners) == 1:
            out[key] = owners.pop()
    return out


NAME_THEN_HANDLE = re.compile(r"[ \t\u3000]*(?:さん|氏|様)?[ \t\u3000]*[(（]?[ \t\u3000]*\[?")  # 佐藤（[@sato_sre](…)）
HANDLE_THEN_NAME = re.compile(r"\**[ \t\u3000]*\**[ \t\u3000]*[(（]?[ \t\u3000]*")  # @taro_dev(山田 太郎), **@x** 佐藤


def _handle_aliases(text: str, pairs: list) -> dict[str, str]:
    """"山田太郎 (@yamada_t)", "@taro_dev(山田 太郎)": a name and a handle side by side are one person,
    known by the name."""
    alias_of: dict[str, str] = {}
    people = [(span, ref) for span, ref in pairs if ref.type == "Person"]
    for (a, ra), (b, rb) in zip(people, people[1:]):
        between = text[a.end_char:b.start_char]
        if ra.key == rb.key or a.text.startswith("@") == b.text.startswith("@"):
            continue
        if b.text.startswith("@") and NAME_THEN_HANDLE.fullmatch(between):
            alias_of[rb.key] = ra.key
        elif a.text.startswith("@") and HANDLE_THEN_NAME.fullmatch(between):
            alias_of[ra.key] = rb.key
    return alias_of
