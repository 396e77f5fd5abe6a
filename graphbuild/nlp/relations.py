"""spaCy component `graphbuild_relations`: the relations a post states, each with its evidence.

Relations (meanings as in the annotation guidelines):
  reportsOn, authoredBy   the document -> talks, events / its writer
  partOf                  talk -> the event it was given at
  mentions                talk -> services, technologies, companies named in its section
  presentedBy             talk -> people and companies on its speaker lines or owning its title
  uses                    company -> service/technology, where the text says the company uses it

`uses` candidates and their features come from `uses`; a learned scorer (`models/uses.json`)
keeps them, and what the guidelines never count (a rejected, given-up, negated or only planned
object: "ASGは使わず", "KMSではなく") is ruled out.  Writers come from `authors`.  Results go to
`doc._.graphbuild_relations`.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from graphbuild.nlp.authors import find_authors
from graphbuild.nlp.doc_view import mentions_of, view_of
from graphbuild.nlp.entities import EntityRef, FoundRelation, make_ref, slug
from graphbuild.nlp.scorer import LinearScorer
from graphbuild.nlp.sentence_analysis import SentenceAnalyser, window
from graphbuild.nlp.talks import SECTIONS_KEY, SPEAKERS_KEY, TALKS_KEY, talk_title
from graphbuild.nlp.uses import UseCandidate, _alone_on_line, _is_aws, _starting_in, ruled_out, use_candidates
from graphbuild.nlp.vocabulary import DEFAULT_PATH, Vocabulary

REPORT_CUES = re.compile(r"参加|開催|行われ|レポート|聴講|登壇|セッション")
HATENA_IMAGE = re.compile(r"f:id:([A-Za-z0-9_\-]+):")
AUTHOR_NOTE = re.compile(r"@([A-Za-z0-9_\-]+)\s*の(所感|感想|まとめ|ひとこと|コメント)")




if not Doc.has_extension("graphbuild_relations"):
    Doc.set_extension("graphbuild_relations", default=None)
if not Doc.has_extension("graphbuild_job_titles"):
    Doc.set_extension("graphbuild_job_titles", default=None)  # person key -> the job title a speaker line gives


@Language.factory("graphbuild_relations", assigns=["doc._.graphbuild_relations"], requires=["doc.spans"],
                  default_config={"vocabulary_path": None, "parse_stages": ["tok2vec", "parser", "morphologizer"],
                                  "uses_model_path": None})
def make_relation_extractor(nlp: Language, name: str, vocabulary_path: str | None,
                            parse_stages: list[str], uses_model_path: str | None) -> "RelationExtractor":
    return RelationExtractor(Vocabulary.load(vocabulary_path or DEFAULT_PATH), SentenceAnalyser(nlp, parse_stages),
                             LinearScorer.load("uses", uses_model_path))


class RelationExtractor:
    """Finds relations from mentions, talks, lines and sentences; see the module docstring.

    The dependency parse is read only where a `uses` relation is about to be kept, so
    `parser` parses just those sentences.
    """

    def __init__(self, vocabulary: Vocabulary, parser: SentenceAnalyser | None = None,
                 uses_scorer: LinearScorer | None = None) -> None:
        self.vocabulary = vocabulary
        self.parser = parser
        self.uses_scorer = uses_scorer or LinearScorer.load("uses")

    def __call__(self, doc: Doc) -> Doc:
        doc._.graphbuild_relations = self.match(doc)
        return doc

    def match(self, doc: Doc) -> list[FoundRelation]:
        mentions, talks, found, author_orgs = self.prepare(doc)
        return found + self._uses(doc, mentions, author_orgs, talks, found)

    def prepare(self, doc: Doc):
        """Everything but `uses`: (mentions, talks, relations found, the writer's companies)."""
        doc._.graphbuild_job_titles = {}
        mentions = mentions_of(doc, self.vocabulary)
        talks = talk_refs(doc)
        found: list[FoundRelation] = []
        events = self._reported_events(doc, mentions)
        for title, ref in talks:
            found.append(FoundRelation(None, "reportsOn", ref, title.start_char, title.end_char, "talk", 0.8))
        for span, event in events:
            found.append(FoundRelation(None, "reportsOn", event, span.start_char, span.end_char, "rule", 0.7))
        found += self._talk_relations(doc, talks, mentions, events)
        authors = self._authors(doc, mentions)
        found += [r for r in authors if r.method != "profile"]  # a writer's employer is not a writer
        return mentions, talks, found, [r.o for r in authors if r.o.type == "Company"]

    def _reported_events(self, doc: Doc, mentions: list[tuple[Span, EntityRef]]) -> list[tuple[Span, EntityRef]]:
        """Events the post reports on: named in its title, in a heading, or next to 参加/開催/..."""
        view = view_of(doc)
        text, lines, sentences = view.text, view.lines, view.sentences
        title_end = lines[0].end if lines else 0
        heading_lines = {(line.start, line.end) for line in lines if len(line.text) <= 60 and "。" not in line.text}
        chosen: dict[str, tuple[Span, EntityRef]] = {}
        for span, ref in mentions:
            if ref.type != "Event" or ref.key in chosen:
                continue
            in_title = span.start_char < title_end
            in_heading = any(s <= span.start_char and span.end_char <= e for s, e in heading_lines)
            sentence = _sentence_of(sentences, span.start_char)
            cued = sentence is not None and REPORT_CUES.search(text[sentence[0]:sentence[1]])
            if in_title or in_heading or cued:
                chosen[ref.key] = (span, ref)
        return list(chosen.values())

    def _talk_relations(self, doc: Doc, talks: list[tuple[Span, EntityRef]], mentions: list[tuple[Span, EntityRef]],
                        events: list[tuple[Span, EntityRef]]) -> list[FoundRelation]:
        text = view_of(doc).text
        found: list[FoundRelation] = []
        sections = {s.label_: s for s in doc.spans.get(SECTIONS_KEY, [])}
        speakers = list(doc.spans.get(SPEAKERS_KEY, []))
        main_event = _main_event(events)
        for n, (title, talk) in enumerate(talks):
            label = f"talk{n}"
            section = sections.get(label, title)
            inside = [(s, r) for s, r in _starting_in(mentions, section.start_char, section.end_char)
                      if s.end_char <= section.end_char]
            own_events = [(s, r) for s, r in inside if r.type == "Event" and s.start_char < title.end_char]
            # "10分でふりかえる re:Invent 2023" at a meetup: an event inside a title is its topic; one that
            # opens the title ("AWS Summit Tokyo 2019 基調講演") is where it was given
            if main_event:
                own_events = [(s, r) for s, r in own_events if s.start_char <= title.start_char + 1] or [main_event]
            for span, event in own_events:
                found.append(FoundRelation(talk, "partOf", event, title.start_char, title.end_char, "rule", 0.7))
            speaker_lines = [s for s in speakers if s.label_ == label]
            # a speaker written elsewhere (a timetable row before the talk's own section) still gave it
            elsewhere = [(s, r) for line in speaker_lines if not section.start_char <= line.start_char < section.end_char
                         for s, r in _starting_in(mentions, line.start_char, line.end_char)]
            for line in speaker_lines:
                found += _affiliations(text, line, _starting_in(mentions, line.start_char, line.end_char))
            for span, ref in inside + elsewhere:
                on_speaker_line = any(l.start_char <= span.start_char < l.end_char for l in speaker_lines)
                if ref.type in ("Person", "Company") and on_speaker_line:
                    found.append(FoundRelation(talk, "presentedBy", ref, span.start_char, span.end_char, "speaker-line", 0.8))
                elif ref.type == "Person" and title.start_char <= span.start_char < title.end_char:
                    # "Keynote | Jane Roe", "CEO Keynote with John Doe": a person in a title gives the talk
                    found.append(FoundRelation(talk, "presentedBy", ref, span.start_char, span.end_char, "title-person", 0.7))
                elif ref.type == "Company" and self._owns_title(text, title, span, ref):
                    found.append(FoundRelation(talk, "presentedBy", ref, span.start_char, span.end_char, "title", 0.6))
                elif ref.type == "Company" and _alone_on_line(text, span) and span.start_char > title.end_char:
                    found.append(FoundRelation(talk, "presentedBy", ref, span.start_char, span.end_char, "guest-heading", 0.6))
                # the company on a speaker line is mentioned too (annotation guidelines, "Speaker companies")
                if ref.type in ("Service", "Technology", "Company") and (not on_speaker_line or ref.type == "Company"):
                    found.append(FoundRelation(talk, "mentions", ref, span.start_char, span.end_char, "section", 0.8))
        return found

    def _owns_title(self, text: str, title: Span, span: Span, ref: EntityRef) -> bool:
        """"DeNA の ...", "gumi が目指す ...": a company opening the title with の/が presents it."""
        if not title.start_char <= span.start_char < title.end_char:
            return False
        before = talk_title(text[title.start_char:span.start_char])
        after = text[span.end_char:title.end_char].lstrip()
        return not before.strip() and after[:1] in ("の", "が") and not _is_aws(ref)

    def _authors(self, doc: Doc, mentions: list[tuple[Span, EntityRef]]) -> list[FoundRelation]:
        """The writer: a byline, a self-introduction near the top, the page's metadata, a Hatena image id, "@x の所感"."""
        text = view_of(doc).text
        found: list[FoundRelation] = []
        blocks = [b for b in (doc._.graphbuild_blocks or []) if b.kind != "code"]
        lines = [(b.start, b.end) for b in blocks] if blocks else [(l.start, l.end) for l in view_of(doc).lines]
        companies = [(s.start_char, s.end_char, r) for s, r in mentions if r.type == "Company" and not _is_aws(r)]
        people = {(s.start_char, s.end_char): r for s, r in mentions if r.type == "Person"}
        by_offset = {(a, b): r for a, b, r in companies}
        def is_name(start: int, end: int) -> bool:
            span = doc.char_span(start, end, alignment_mode="expand")
            return span is not None and any("人名" in t.tag_ for t in span)

        site, publisher = doc._.graphbuild_site
        for author in find_authors(text, lines, [(a, b, r.name) for a, b, r in companies], doc._.graphbuild_authors,
                                   is_name, site, publisher):
            if author.type == "Company":
                ref = by_offset.get((author.start, author.end)) or \
                    make_ref("Company", author.name, author.method, vocabulary=self.vocabulary)
            else:
                ref = next((r for (a, b), r in people.items() if a <= author.start < b), None) or \
                    make_ref("Person", author.name.removeprefix("id:"), author.method, vocabulary=self.vocabulary)
            if ref is not None:
                found.append(FoundRelation(None, "authoredBy", ref, author.start, max(author.end, author.start),
                                           author.method, 0.8 if author.method != "metadata" else 0.9))
        for pattern, method in ((HATENA_IMAGE, "image-id"), (AUTHOR_NOTE, "author-note")):
            m = pattern.search(text)
            if m:
                ref = make_ref("Person", m.group(1), method, vocabulary=self.vocabulary)
                if ref is not None:
                    found.append(FoundRelation(None, "authoredBy", ref, m.start(1), m.end(1), method, 0.7))
        unique = {}
        for rel in found:
            unique.setdefault(rel.o.key, rel)
        return list(unique.values())

    def _uses(self, doc: Doc, mentions: list[tuple[Span, EntityRef]], author_orgs: list[EntityRef],
              talks: list[tuple[Span, EntityRef]], talk_found: list[FoundRelation]) -> list[FoundRelation]:
        """Company -> service/technology pairs the `uses` scorer accepts (see `use_candidates`)."""
        found = []
        for candidate in self.use_candidates(doc, mentions, author_orgs, talks, talk_found):
            p = self.uses_scorer.probability(candidate.features)
            if p >= self.uses_scorer.threshold and not ruled_out(candidate.features):
                found.append(FoundRelation(candidate.subject, "uses", candidate.object, candidate.start, candidate.end,
                                           candidate.method, round(p, 3)))
        return found


    def use_candidates(self, doc: Doc, mentions: list[tuple[Span, EntityRef]], author_orgs: list[EntityRef],
                       talks: list[tuple[Span, EntityRef]], talk_found: list[FoundRelation]) -> list[UseCandidate]:
        """The `uses` candidates of the post (see `uses.use_candidates`), parsed by this component's parser."""
        return use_candidates(doc, mentions, author_orgs, talks, talk_found, self._parsed)

    def _parsed(self, text: str, sentence: tuple[int, int], spans: list[Span]) -> list[Span | None]:
        """`spans` (the first decides the window) in the parse of their sentence; None outside it or unparsed."""
        if self.parser is None:
            return [None] * len(spans)
        start, end = window(sentence, (spans[0].start_char, spans[0].end_char))
        parsed = self.parser.analyse([text[start:end]])[0]
        return [parsed.char_span(s.start_char - start, s.end_char - start, alignment_mode="expand")
                if start <= s.start_char and s.end_char <= end else None for s in spans]


def talk_refs(doc: Doc) -> list[tuple[Span, EntityRef]]:
    """Each talk title span with the talk's entity (keyed by its folded title)."""
    refs = []
    for span in doc.spans.get(TALKS_KEY, []):
        title = " ".join(span.text.split())
        refs.append((span, EntityRef(f"talk:{slug(title)[:120]}", "Talk", title, "talk", 0.8)))
    return refs


def _main_event(events: list[tuple[Span, EntityRef]]) -> tuple[Span, EntityRef] | None:
    """The event a post is mainly about: the first reported one that has a year or a number."""
    dated = [e for e in events if re.search(r"\d", e[1].name)]
    return (dated or events or [None])[0]


def _sentence_of(sentences: list[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    for start, end in sentences:
        if start <= offset < end:
            return start, end
    return None


JOB_TITLE = re.compile(r"^[\s,，、/／|｜(（:：]*(?P<title>[^\s,，、/／|｜()（）:：@][^,，、/／|｜()（）:：@\n]{0,40}?)[\s,，、/／|｜)）:：]*$")
JOB_WORD = re.compile(r"部長|課長|室長|本部長|事業部長|マネージャ|リーダー|エンジニア|アーキテクト|エバンジェリスト|ディレクター|"
                      r"CEO|CTO|CIO|VP|SVP|SA|SRE|代表|取締役|社長|会長|執行役員|フェロー|"
                      r"Architect|Engineer|Manager|Director|Evangelist|Advocate|Scientist|Principal|Specialist|Lead|Head")


def _affiliations(text: str, line: Span, on_line: list[tuple[Span, EntityRef]]) -> list[FoundRelation]:
    """On a speaker line, each person works for the company named with them ("株式会社X 部長 Y 氏",
    "Jane Doe, Principal SA, AWS"); the words between them that name a post are their job title
    (`doc._.graphbuild_job_titles`)."""
    people = [(s, r) for s, r in on_line if r.type == "Person"]
    companies = [(s, r) for s, r in on_line if r.type == "Company"]
    found = []
    titles = line.doc._.graphbuild_job_titles
    for person, who in people:
        before = [(s, r) for s, r in companies if s.end_char <= person.start_char]
        after = [(s, r) for s, r in companies if s.start_char >= person.end_char]
        if before:  # the company nearest before the person: "株式会社X 部長 Y 氏"
            company, org = before[-1]
            between = text[company.end_char:person.start_char]
        elif after:  # English order: "Jane Doe, Principal SA, AWS"
            company, org = after[0]
            between = text[person.end_char:company.start_char]
        else:
            continue
        if "\n" in between or len(between) > 45:
            continue
        found.append(FoundRelation(who, "worksFor", org, min(person.start_char, company.start_char),
                                   max(person.end_char, company.end_char), "speaker-line", 0.7))
        m = JOB_TITLE.match(between.replace("の", " ", 1) if between.lstrip().startswith("の") else between)
        if m and JOB_WORD.search(m.group("title")):
            titles.setdefault(who.key, m.group("title").strip())
    return found
