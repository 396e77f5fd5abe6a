"""The spaCy pipeline: `ja_ginza` with graphbuild's components, and running it over documents.

GiNZA's Sudachi tokenizer refuses long input, so a document is cut into pieces
(`ingest.split_for_sudachi`), the per-piece stages run on each, the pieces are joined
back into one `Doc` whose offsets are those of the document, and the stages that need
the whole post (talks, relations) run on that.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

import graphbuild.nlp.relations  # noqa: F401  (registers the factories when no entry point is installed)
import graphbuild.nlp.structure  # noqa: F401
import graphbuild.nlp.targeted_ner  # noqa: F401
import graphbuild.nlp.talks  # noqa: F401
import graphbuild.nlp.vocabulary_ruler  # noqa: F401
from graphbuild.errors import ExtractionError
from graphbuild.ingest.posts import Document, split_for_sudachi
from graphbuild.nlp.vocabulary import DEFAULT_PATH

PIPELINE_MARK = "graphbuild_pipeline"
DOCUMENT_STAGES = ("graphbuild_targeted_ner", "graphbuild_structure", "graphbuild_talks", "graphbuild_relations")
# GiNZA components whose output nothing in graphbuild reads.  The bunsetu recognizer is
# also quadratic in sentence length: a list of 500 lines with no "。" took over 10 minutes.
UNUSED_GINZA_STAGES = ("bunsetu_recognizer",)
# GiNZA's neural stages: loaded but disabled, run by `sentence_analysis` on the sentences
# that need them (see `targeted_ner` and `relations`).
ON_DEMAND_GINZA_STAGES = ("tok2vec", "parser", "ner", "morphologizer", "compound_splitter")


def load_pipeline(model: str = "ja_ginza", vocabulary_path: str | None = None) -> Language:
    """Sudachi's tokenizer, the vocabulary ruler, then the NER on cue sentences and the
    talk and relation stages; GiNZA's neural stages run only where those ask for them.
    """
    try:
        nlp = spacy.load(model, exclude=list(UNUSED_GINZA_STAGES))
    except OSError as e:
        raise ExtractionError(f"cannot load the spaCy model {model!r}: install it with `pip install {model}`") from e
    for name in ON_DEMAND_GINZA_STAGES:
        if name in nlp.pipe_names:
            nlp.disable_pipe(name)
    nlp.add_pipe("graphbuild_vocabulary", config={"vocabulary_path": vocabulary_path})
    nlp.add_pipe("graphbuild_targeted_ner")
    nlp.add_pipe("graphbuild_structure")
    nlp.add_pipe("graphbuild_talks")
    nlp.add_pipe("graphbuild_relations", config={"vocabulary_path": vocabulary_path})
    nlp.meta[PIPELINE_MARK] = pipeline_mark(model, vocabulary_path)
    return nlp


def pipeline_mark(model: str = "ja_ginza", vocabulary_path: str | None = None) -> str:
    """How the build cache knows a pipeline made by `load_pipeline` (its code is hashed apart):
    the model and the vocabulary's content."""
    vocabulary = Path(vocabulary_path or DEFAULT_PATH).read_bytes()
    return f"load_pipeline({model!r}) vocabulary {hashlib.sha256(vocabulary).hexdigest()[:16]}"


def process(nlp: Language, documents: Iterable[Document], batch_size: int = 16) -> Iterator[tuple[Document, Doc]]:
    """Run the pipeline over documents, yielding each with its whole-document `Doc`."""
    for document in documents:
        yield document, process_one(nlp, document, batch_size)


def process_one(nlp: Language, document: Document, batch_size: int = 16) -> Doc:
    pieces = [document.text[start:end] for start, end in split_for_sudachi(document.text)]
    stages = [name for name in DOCUMENT_STAGES if name in nlp.pipe_names]
    try:
        docs = list(nlp.pipe(pieces, batch_size=batch_size, disable=stages))
        for piece in docs:  # GiNZA's per-piece data cannot be merged; nothing downstream reads it
            for key in [k for k in piece.user_data if not isinstance(k, tuple)]:
                del piece.user_data[key]
        doc = Doc.from_docs(docs, ensure_whitespace=False) if len(docs) > 1 else docs[0]
        doc._.graphbuild_format = document.format
        doc._.graphbuild_authors = tuple(document.metadata.authors)
        for name in stages:
            doc = nlp.get_pipe(name)(doc)
    except Exception as e:  # spaCy and Sudachi raise plain exceptions; name the post
        raise ExtractionError(f"{document.source}: the NLP pipeline failed ({type(e).__name__}: {e})") from e
    if doc.text != document.text:
        raise ExtractionError(f"{document.source}: the pipeline changed the text, so offsets would be wrong")
    return doc
