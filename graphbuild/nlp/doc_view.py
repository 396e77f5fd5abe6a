"""One post's text, lines, sentences and mentions, computed once per `Doc` and shared by the components.

spaCy rebuilds `Doc.text` from the tokens on every access (1.15 s of 1.4 s of the relation stage
on a 150k-character post once went there), and every stage needs the same lines, sentence bounds
and mentions.  `view_of(doc)` computes the text-derived parts the first time a document stage asks
and keeps them in `doc.user_data`; `mentions_of(doc, vocabulary)` does the same for the mentions,
which are final once the talk stage has added its speaker names.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from graphbuild.nlp.entities import EntityRef, collect_mentions
from graphbuild.nlp.normalize import sentence_bounds
from graphbuild.nlp.structure import Line, split_lines
from graphbuild.nlp.vocabulary import Vocabulary

_VIEW = ("graphbuild", "view")
_MENTIONS = ("graphbuild", "mentions")


@dataclass(frozen=True)
class DocView:
    text: str
    lines: tuple[Line, ...]  # non-blank lines, stripped
    sentences: tuple[tuple[int, int], ...]  # (start, end) of each sentence (`normalize.sentence_bounds`)


def view_of(doc: Doc) -> DocView:
    """The document's text, lines and sentences, computed once (the text never changes after tokenizing)."""
    view = doc.user_data.get(_VIEW)
    if view is None:
        text = doc.text
        view = doc.user_data[_VIEW] = DocView(text, tuple(split_lines(text)), tuple(sentence_bounds(text)))
    return view


def mentions_of(doc: Doc, vocabulary: Vocabulary) -> list[tuple[Span, EntityRef]]:
    """Every mention with its entity (`entities.collect_mentions`), collected once the spans are final:
    the relation stage asks first, the extraction reuses them."""
    found = doc.user_data.get(_MENTIONS)
    if found is None or found[0] is not vocabulary:
        found = doc.user_data[_MENTIONS] = (vocabulary, collect_mentions(doc, vocabulary))
    return list(found[1])
