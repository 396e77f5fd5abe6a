"""spaCy component `graphbuild_targeted_ner`: GiNZA's NER, run only on the sentences where
graphbuild would keep what it finds.

graphbuild keeps two of the NER's 189 labels (`entities.NER_TYPES`): a `Conference` only
with a year or "#n" in it, and a `Person`, in conference reports, next to an honorific,
a job title, a speaker cue or a @handle, or on a short affiliation line that names a
company.  Only such sentences go through tok2vec and the NER; their names are added to
`doc.ents` around the vocabulary's matches.  Placed after `graphbuild_vocabulary`.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from graphbuild.nlp.normalize import sentence_bounds
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
}


@Language.factory("graphbuild_targeted_ner", assigns=["doc.ents"], requires=["doc.spans"],
                  default_config=DEFAULT_CONFIG)
def make_targeted_ner(nlp: Language, name: str, labels: list[str], stages: list[str], cues: list[str],
                      cue_patterns: list[str], affiliation_line_chars: int, context: int) -> "TargetedNER":
    return TargetedNER(SentenceAnalyser(nlp, stages), labels, cues, cue_patterns, affiliation_line_chars, context)


class TargetedNER:
    """Chooses the cue sentences, runs the NER on them and adds its kept labels; see the module docstring."""

    def __init__(self, analyser: SentenceAnalyser, labels: list[str], cues: list[str], cue_patterns: list[str],
                 affiliation_line_chars: int, context: int) -> None:
        self.analyser = analyser
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
        for (start, _), sub in zip(units, self.analyser.analyse([doc.text[s:e] for s, e in units])):
            for ent in sub.ents:
                if ent.label_ in self.labels:
                    span = doc.char_span(start + ent.start_char, start + ent.end_char, label=ent.label_,
                                         alignment_mode="expand")
                    if span is not None:
                        found.append(span)
        ours = list(doc.ents)
        theirs = [s for s in filter_spans(found) if not any(s.start < o.end and o.start < s.end for o in ours)]
        doc.set_ents(sorted(ours + theirs, key=lambda s: s.start), default="outside")
        return doc

    def sentences_to_read(self, doc: Doc) -> list[tuple[int, int]]:
        """(start, end) of the stretches to give the NER: `context` characters either side of
        each cue (the name sits next to it, and the NER reads names better with some context
        around them), and of each affiliation line; overlapping stretches are merged."""
        text = doc.text
        companies = sorted(s.start_char for s in doc.spans.get("graphbuild_mentions", []) if s.label_ == "Company")
        wanted = [(m.start() - self.context, m.end() + self.context) for m in self.cue.finditer(text)]
        for start, end in sentence_bounds(text):
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
