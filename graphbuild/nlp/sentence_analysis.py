"""GiNZA's neural stages, run on chosen sentences only, when a component asks for them.

tok2vec, the parser and the NER are nearly all of GiNZA's time, and graphbuild reads
their output in few places: person and conference names near speaker cues
(`targeted_ner`), and the parse of a sentence where a `uses` relation is decided
(`relations`).  `load_pipeline` leaves these stages disabled in the main pass; a
`SentenceAnalyser` runs them on the few texts that need them, each text once.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Mapping, Sequence

from spacy.language import Language
from spacy.tokens import Doc

# Sudachi refuses more than 49,149 bytes; a window this long (4 bytes a character at most)
# is safe, and longer "sentences" are lists or tables that a parse would not help with.
MAX_CHARS = 1000


class SentenceAnalyser:
    """Runs `stages` of `nlp` (enabled or not) on short texts; remembers the last `cache_size` results.

    Between `start_post` and `post_analyses` it also takes analyses from those given (a post's
    last extraction, kept by the build cache) and records the ones the post needed, serialised,
    so that a post extracted again has only its new sentences analysed.
    """

    def __init__(self, nlp: Language, stages: Sequence[str], cache_size: int = 512) -> None:
        self.nlp = nlp
        self.stages = tuple(stages)
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Doc] = OrderedDict()
        self._known: Mapping[str, bytes] = {}
        self._used: dict[str, Doc] | None = None

    def start_post(self, known: Mapping[str, bytes]) -> None:
        """Reuse the analyses `known` (text -> `doc_bytes`) and record the ones used until `post_analyses`."""
        self._known, self._used = known, {}

    def post_analyses(self) -> dict[str, bytes]:
        """The analyses used since `start_post`, serialised (`doc_bytes`); recording stops."""
        used, known, self._known, self._used = self._used or {}, self._known, {}, None
        return {text: known[text] if text in known else doc_bytes(doc) for text, doc in used.items()}

    def analyse(self, texts: Sequence[str]) -> list[Doc]:
        """The analysed `Doc` of each text (at most `MAX_CHARS` each), in order; batched through each stage."""
        for text in texts:
            if text not in self._cache and text in self._known:
                self._cache[text] = Doc(self.nlp.vocab).from_bytes(self._known[text])
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            docs = [self.nlp.make_doc(text) for text in todo]
            for name in self.stages:
                if name in self.nlp.component_names:  # a blank pipeline in tests has none of them
                    docs = list(self.nlp.get_pipe(name).pipe(docs))
            for text, doc in zip(todo, docs):
                self._cache[text] = doc
        found = []
        for text in texts:
            self._cache.move_to_end(text)
            found.append(self._cache[text])
            if self._used is not None:
                self._used[text] = self._cache[text]
        while len(self._cache) > max(self.cache_size, len(texts)):
            self._cache.popitem(last=False)
        return found


def doc_bytes(doc: Doc) -> bytes:
    """An analysed `Doc` as bytes, without what nothing downstream reads (the tensor, user data)."""
    return doc.to_bytes(exclude=["tensor", "user_data"])


def window(sentence: tuple[int, int], around: tuple[int, int], max_chars: int = MAX_CHARS) -> tuple[int, int]:
    """The sentence (start, end), or when it is longer than `max_chars`, the `max_chars` centred on `around`."""
    start, end = sentence
    if end - start <= max_chars:
        return sentence
    middle = (around[0] + around[1]) // 2
    first = max(start, min(middle - max_chars // 2, end - max_chars))
    return first, min(end, first + max_chars)
