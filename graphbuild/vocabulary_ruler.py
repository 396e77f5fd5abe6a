"""spaCy component `graphbuild_vocabulary`: vocabulary terms and structural rules as entity spans.

Placed after GiNZA's stages: it splits tokens at match edges (Sudachi runs
"KubernetesAWS" together), puts its matches into `doc.ents` ahead of the statistical
NER's (which keeps only the entities around them), and keeps every match in
`doc.spans["graphbuild_mentions"]` with the canonical term id as `kb_id_`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from graphbuild.rules import find_rule_matches
from graphbuild.vocabulary import DEFAULT_PATH, Vocabulary

MENTIONS_KEY = "graphbuild_mentions"
RULE_PREFIX = "rule:"
FUZZY_PREFIX = "fuzzy:"
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
# "docs.aws.amazon.com", "https://speakerdeck.com/...": names inside addresses are not mentions
URL_OR_HOST = re.compile(r"https?://\S+|(?<![@\w])(?:[A-Za-z0-9-]+\.)+(?:com|net|org|jp|io|dev|info|me|co|tokyo)\b(?:/\S*)?")  # kb_id_ of a rule match: "rule:<rule>|<canonical name>"


@Language.factory(
    "graphbuild_vocabulary",
    assigns=["doc.ents", "doc.spans"],
    default_config={"vocabulary_path": None, "spans_key": MENTIONS_KEY},
)
def make_vocabulary_ruler(nlp: Language, name: str, vocabulary_path: str | None, spans_key: str) -> "VocabularyRuler":
    return VocabularyRuler(Vocabulary.load(vocabulary_path or DEFAULT_PATH), spans_key)


class VocabularyRuler:
    """Finds vocabulary terms, then annotates; see the module docstring."""

    def __init__(self, vocabulary: Vocabulary, spans_key: str = MENTIONS_KEY) -> None:
        self.vocabulary = vocabulary
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def match(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """(start_char, end_char, type, kb_id) of every match; vocabulary first, rules fill gaps."""
        matches = [(m.start, m.end, m.term.type, m.term.id) for m in self.vocabulary.find(doc.text)]
        for r in find_rule_matches(doc.text):
            overlapping = [m for m in matches if m[0] < r.end and r.start < m[1]]
            # "Amazon CodeGuru": a product name wins over the bare vendor name inside it
            # "JAWS-UG コンテナ支部 #27": a numbered event wins over the group or series inside it
            if overlapping and all(r.start <= m[0] and m[1] <= r.end for m in overlapping) and (
                    (r.type == "Service" and all(m[2] == "Company" for m in overlapping))
                    or (r.rule == "event-number" and all(m[2] in ("Company", "Event") for m in overlapping))):
                matches = [m for m in matches if m not in overlapping]
                overlapping = []
            if not overlapping:
                matches.append((r.start, r.end, r.type, f"{RULE_PREFIX}{r.rule}|{r.name}"))
        for m in self.vocabulary.find_near_misses(doc.text):
            if not any(o[0] < m.end and m.start < o[1] for o in matches) and not _in_dictionary(doc, m.start, m.end):
                matches.append((m.start, m.end, m.term.type, f"{FUZZY_PREFIX}{m.term.id}"))
        hosts = [(m.start(), m.end()) for m in URL_OR_HOST.finditer(doc.text)]
        return sorted(m for m in matches if not any(a <= m[0] and m[1] <= b for a, b in hosts))

    def set_annotations(self, doc: Doc, matches: Iterable[tuple[int, int, str, str]]) -> None:
        matches = list(matches)
        _split_tokens_at(doc, {o for s, e, _, _ in matches for o in (s, e)})
        spans = []
        for start, end, label, kb_id in matches:
            span = doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[self.spans_key] = spans
        ours = filter_spans(spans)
        theirs = [e for e in doc.ents if not any(e.start < s.end and s.start < e.end for s in ours)]
        doc.set_ents(sorted(ours + theirs, key=lambda s: s.start), default="outside")


def _in_dictionary(doc: Doc, start: int, end: int) -> bool:
    """Sudachi knows the word (it gives a katakana reading, as for "Container"), so it is no misspelling."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is None or any(_KATAKANA.search("".join(t.morph.get("Reading"))) for t in span)


def _split_tokens_at(doc: Doc, offsets: set[int]) -> None:
    """Split every token that an offset falls inside, so matches align with tokens."""
    ordered = sorted(offsets)
    with doc.retokenize() as retokenizer:
        for token in doc:
            lo, hi = token.idx, token.idx + len(token.text)
            cuts = [o - lo for o in ordered[bisect_right(ordered, lo):bisect_left(ordered, hi)]]
            if not cuts:
                continue
            bounds = [0, *cuts, len(token.text)]
            orths = [token.text[a:b] for a, b in zip(bounds, bounds[1:])]
            # the first piece keeps the token's place in the tree, the others hang from it
            first = token.head if token.head.i != token.i else (token, 0)
            retokenizer.split(token, orths, heads=[first] + [(token, 0)] * (len(orths) - 1),
                              attrs={"POS": [token.pos_] * len(orths), "TAG": [token.tag_] * len(orths)})
