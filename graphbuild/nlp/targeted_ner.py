"""spaCy component `graphbuild_targeted_ner`: GiNZA's NER, run only on the sentences where
graphbuild would keep what it finds.

graphbuild keeps two of the NER's 189 labels (`entities.NER_TYPES`): a `Conference` only
with a year or "#n" in it, and a `Person`, in conference reports, next to an honorific,
a job title, a speaker cue or a @handle, or on a short affiliation line that names a
company.  Only such sentences go through tok2vec and the NER; their names are added to
`doc.ents` around the vocabulary's matches.  Latin names no cue or NER finds are read by
`person_names` and kept by its learned scorer.  Placed after `graphbuild_vocabulary`.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from graphbuild.nlp.doc_view import view_of
from graphbuild.nlp.person_names import add_names, name_candidates
from graphbuild.nlp.scorer import LinearScorer
from graphbuild.nlp.sentence_analysis import MAX_CHARS, SentenceAnalyser

DEFAULT_CONFIG = {
    "labels": ["Person", "Conference"],
    "stages": ["tok2vec", "ner"],
    "cues": ["さん", "様", "氏", "先生", "登壇", "講演", "発表", "講師", "スピーカー", "著者", "筆者", "執筆", "担当",
             "アーキテクト", "エンジニア", "エバンジェリスト", "マネージャ", "ディレクター", "リーダー", "代表", "取締役",
             "社長", "部長", "室長", "本部", "CTO", "CEO", "CIO", "VP", "Architect", "Engineer", "Developer",
             "Manager", "Evangelist", "Director", "Advocate", "Speaker", "from ", "by "],
    # a handle, a year or a "#n" numbering marks a sentence too
    "cue_patterns": [r"@[A-Za-z0-9_]", r"(?:19|20)\d\d", r"#\d"],
    "affiliation_line_chars": 60,
    "context": 30,
    "names_model_path": None,  # the Latin person-name scorer; None: the one shipped in graphbuild/models
}
NER_PEOPLE = "graphbuild_ner_people"  # doc.user_data: the NER's person names, a feature of Latin name candidates
LATIN_NAME_RULE = "rule:latin-name"


@Language.factory("graphbuild_targeted_ner", assigns=["doc.ents"], requires=["doc.spans"],
                  default_config=DEFAULT_CONFIG)
def make_targeted_ner(nlp: Language, name: str, labels: list[str], stages: list[str], cues: list[str],
                      cue_patterns: list[str], affiliation_line_chars: int, context: int,
                      names_model_path: str | None) -> "TargetedNER":
    return TargetedNER(SentenceAnalyser(nlp, stages), labels, cues, cue_patterns, affiliation_line_chars, context,
                       LinearScorer.load("person_name", names_model_path))


class TargetedNER:
    """Chooses the cue sentences, runs the NER on them and adds its kept labels; see the module docstring."""

    def __init__(self, analyser: SentenceAnalyser, labels: list[str], cues: list[str], cue_patterns: list[str],
                 affiliation_line_chars: int, context: int, names_scorer: LinearScorer) -> None:
        self.analyser = analyser
        self.names_scorer = names_scorer
        self.labels = set(labels)
        # Latin cues are whole words ("Architect" is no cue in "Well-Architected")
        words = [re.escape(c) + (r"\b" if c[-1:].isalnum() and c.isascii() else "") for c in cues]
        words = [(r"\b" if c[:1].isascii() and c[:1].isalnum() else "") + w for c, w in zip(cues, words)]
        self.cue = re.compile("|".join([*words, *cue_patterns]))
        self.affiliation_line_chars = affiliation_line_chars
        self.context = context

    def __call__(self, doc: Doc) -> Doc:
        units = self.sentences_to_read(doc)
        found: list[Span] = []
        text = view_of(doc).text
        for (start, _), sub in zip(units, self.analyser.analyse([text[s:e] for s, e in units])):
            for ent in sub.ents:
                if ent.label_ in self.labels:
                    span = doc.char_span(start + ent.start_char, start + ent.end_char, label=ent.label_,
                                         alignment_mode="expand")
                    if span is not None:
                        found.append(span)
        ours = list(doc.ents)
        theirs = [s for s in filter_spans(found) if not any(s.start < o.end and o.start < s.end for o in ours)]
        doc.set_ents(sorted(ours + theirs, key=lambda s: s.start), default="outside")
        doc.user_data[NER_PEOPLE] = [(s.start_char, s.end_char) for s in theirs if s.label_ == "Person"]
        candidates = self.name_candidates(doc)
        accepted = [(c.start, c.end) for c in candidates if self.names_scorer.accepts(c.features)]
        rejected = [(c.start, c.end) for c in candidates if (c.start, c.end) not in accepted]
        add_names(doc, accepted, LATIN_NAME_RULE, rejected)
        return doc

    def name_candidates(self, doc: Doc):
        """Latin person-name candidates outside the vocabulary's matches (see `person_names`)."""
        taken = [(s.start_char, s.end_char) for s in doc.spans.get("graphbuild_mentions", [])]
        return name_candidates(doc, doc.user_data.get(NER_PEOPLE, []), taken)

    def sentences_to_read(self, doc: Doc) -> list[tuple[int, int]]:
        """(start, end) of the stretches to give the NER: `context` characters either side of
        each cue (the name sits next to it, and the NER reads names better with some context
        around them), and of each affiliation line; overlapping stretches are merged."""
        view = view_of(doc)
        text = view.text
        companies = sorted(s.start_char for s in doc.spans.get("graphbuild_mentions", []) if s.label_ == "Company")
        wanted = [(m.start() - self.context, m.end() + self.context) for m in self.cue.finditer(text)]
        for start, end in view.sentences:
            if (end - start <= self.affiliation_line_chars and "。" not in text[start:end]
                    and bisect_left(companies, end) > bisect_left(companies, start)):
                wanted.append((start - self.context, end + self.context))
        units: list[tuple[int, int]] = []
        for start, end in sorted(wanted):
            start, end = max(0, start), min(len(text), end)
            if units and start <= units[-1][1] and end - units[-1][0] <= MAX_CHARS:
                units[-1] = (units[-1][0], max(end, units[-1][1]))
            else:
                units.append((start, end))
        return units
