"""The spaCy pipeline: `ja_ginza` with graphbuild's components, and running it over documents.

GiNZA's Sudachi tokenizer refuses long input, so a document is cut into pieces
(`ingest.split_for_sudachi`), the per-piece stages run on each, the pieces are joined
back into one `Doc` whose offsets are those of the document, and the stages that need
the whole post (talks, relations) run on that.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphbuild.errors import ExtractionError
from graphbuild.ingest.posts import Document, split_for_sudachi
from graphbuild.nlp.vocabulary import DEFAULT_PATH, Vocabulary

if TYPE_CHECKING:
    from graphbuild.nlp.sentence_analysis import SentenceAnalyser
    from spacy.language import Language
    from spacy.tokens import Doc

PIPELINE_MARK = "graphbuild_pipeline"
DOCUMENT_STAGES = ("graphbuild_targeted_ner", "graphbuild_structure", "graphbuild_talks", "graphbuild_relations")
# graphbuild's components, in pipeline order; those that read the vocabulary get its path
COMPONENTS = ("graphbuild_vocabulary", *DOCUMENT_STAGES)
VOCABULARY_COMPONENTS = ("graphbuild_vocabulary", "graphbuild_relations")
# GiNZA components whose output nothing in graphbuild reads.  The bunsetu recognizer is
# also quadratic in sentence length: a list of 500 lines with no "。" took over 10 minutes.
UNUSED_GINZA_STAGES = ("bunsetu_recognizer",)
# GiNZA's neural stages: loaded but disabled, run by `sentence_analysis` on the sentences
# that need them (see `targeted_ner` and `relations`).
ON_DEMAND_GINZA_STAGES = ("tok2vec", "parser", "ner", "morphologizer", "compound_splitter")

Settings = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]  # (component, ((option, value), ...)), sorted


@dataclass(frozen=True)
class Pipeline:
    """The pipeline as one value: the spaCy model, the vocabulary (its file and a hash of its
    content) and graphbuild's components with their settings.

    Frozen, hashable and picklable: a build makes it once and sends it to every executor (this
    process, worker processes, Dask workers), each of which loads the same `Language` from it,
    and the build cache keys on its `mark`.  `load()` gives the spaCy pipeline.
    """

    model: str = "ja_ginza"
    vocabulary_path: str | None = None  # None: the shipped vocabulary
    components: tuple[str, ...] = COMPONENTS
    settings: Settings = ()
    vocabulary_digest: str = ""  # filled in from the file

    def __post_init__(self) -> None:
        unknown = [name for name in self.components if name not in COMPONENTS]
        if unknown:
            raise ValueError(f"unknown graphbuild components {unknown}; choose from {', '.join(COMPONENTS)}")
        object.__setattr__(self, "components", tuple(name for name in COMPONENTS if name in self.components))
        object.__setattr__(self, "settings", tuple(sorted(
            (name, tuple(sorted((key, _frozen(value)) for key, value in dict(options).items())))
            for name, options in self.settings)))
        if self.vocabulary_path is not None:
            object.__setattr__(self, "vocabulary_path", str(self.vocabulary_path))
        if not self.vocabulary_digest:
            object.__setattr__(self, "vocabulary_digest", _digest(self.vocabulary_file))

    @property
    def vocabulary_file(self) -> Path:
        return Path(self.vocabulary_path or DEFAULT_PATH)

    def vocabulary(self) -> Vocabulary:
        """The vocabulary the pipeline's components match (loaded once per process)."""
        return Vocabulary.load(self.vocabulary_file)

    def without(self, *names: str) -> "Pipeline":
        """This pipeline without the components `names`."""
        return replace(self, components=tuple(c for c in self.components if c not in names))

    def configured(self, component: str, **options: Any) -> "Pipeline":
        """This pipeline with `options` for `component` (its spaCy factory's config)."""
        settings = dict(self.settings)
        settings[component] = tuple({**dict(settings.get(component, ())), **options}.items())
        return replace(self, settings=tuple(settings.items()))

    @property
    def mark(self) -> str:
        """What tells this pipeline apart from any other (graphbuild's code is hashed apart by the cache)."""
        return (f"Pipeline(model={self.model!r}, vocabulary={self.vocabulary_digest}, components={list(self.components)}, "
                f"settings={[(name, list(options)) for name, options in self.settings]})")

    def load(self) -> Language:
        """Sudachi's tokenizer, the vocabulary ruler, then the NER on cue sentences and the talk
        and relation stages; GiNZA's neural stages run only where those ask for them."""
        if _digest(self.vocabulary_file) != self.vocabulary_digest:
            raise ExtractionError(f"the vocabulary {self.vocabulary_file} changed after the pipeline was made "
                                  f"(or is another file here than where the pipeline was made)")
        import spacy  # here, not at the top: a build that extracts nothing, or only in workers, never loads spaCy

        _register_components()
        try:
            nlp = spacy.load(self.model, exclude=list(UNUSED_GINZA_STAGES))
        except OSError as e:
            raise ExtractionError(f"cannot load the spaCy model {self.model!r}: install it with "
                                  f"`pip install {self.model}`") from e
        for name in ON_DEMAND_GINZA_STAGES:
            if name in nlp.pipe_names:
                nlp.disable_pipe(name)
        settings = dict(self.settings)
        for name in self.components:
            config = {key: _thawed(value) for key, value in settings.get(name, ())}
            if name in VOCABULARY_COMPONENTS:
                config["vocabulary_path"] = self.vocabulary_path
            nlp.add_pipe(name, config=config)
        nlp.meta[PIPELINE_MARK] = self.to_dict()
        return nlp

    def to_dict(self) -> dict:
        return {"model": self.model, "vocabulary_path": self.vocabulary_path, "components": list(self.components),
                "settings": [[name, [list(o) for o in options]] for name, options in self.settings],
                "vocabulary_digest": self.vocabulary_digest}

    @classmethod
    def of(cls, nlp: Language) -> "Pipeline | None":
        """The pipeline `nlp` was loaded from, if it still has just the components it was loaded
        with; None for a `Language` made otherwise or changed since."""
        kept = nlp.meta.get(PIPELINE_MARK)
        if not isinstance(kept, dict):
            return None
        pipeline = cls(kept["model"], kept["vocabulary_path"], tuple(kept["components"]),
                       tuple((name, tuple(map(tuple, options))) for name, options in kept["settings"]),
                       kept["vocabulary_digest"])
        ours = tuple(name for name in nlp.pipe_names if name.startswith("graphbuild_"))
        return pipeline if ours == pipeline.components else None


def load_pipeline(model: str = "ja_ginza", vocabulary_path: str | None = None) -> Language:
    """The spaCy pipeline of `Pipeline(model, vocabulary_path)`."""
    return Pipeline(model, vocabulary_path).load()


def pipeline_mark(nlp: "Pipeline | Language | None" = None) -> str:
    """What names a pipeline for the build cache: a `Pipeline` (None: the default one) or a
    `Language` loaded from one by its `mark`; any other `Language` by its whole config, the
    stages it runs and its vocabulary's content."""
    if nlp is None:
        nlp = Pipeline()
    if is_language(nlp):
        pipeline = Pipeline.of(nlp)
        if pipeline is None:
            return (nlp.config.to_str() + "\n" + " ".join(nlp.pipe_names)
                    + "\nvocabulary " + hashlib.sha256(repr(sorted(vocabulary_of(nlp).terms)).encode()).hexdigest())
        nlp = pipeline
    return nlp.mark


def vocabulary_of(nlp: Language) -> Vocabulary:
    """The vocabulary `nlp`'s components match: extraction must resolve the terms they found in it."""
    pipeline = Pipeline.of(nlp)
    if pipeline is not None:
        return pipeline.vocabulary()
    for name in VOCABULARY_COMPONENTS:
        if name in nlp.pipe_names and isinstance(getattr(nlp.get_pipe(name), "vocabulary", None), Vocabulary):
            return nlp.get_pipe(name).vocabulary
    return Vocabulary.load()


def sentence_analysers(nlp: Language) -> dict[str, SentenceAnalyser]:
    """The sentence analysers of `nlp`'s components (`sentence_analysis`), by component name."""
    from graphbuild.nlp.sentence_analysis import SentenceAnalyser

    return {name: value for name, component in nlp.pipeline for value in vars(component).values()
            if isinstance(value, SentenceAnalyser)}


def is_language(obj: object) -> bool:
    """Whether `obj` is a spaCy `Language`, asked without importing spaCy (if it is not imported, nothing is one)."""
    language = sys.modules.get("spacy.language")
    return language is not None and isinstance(obj, language.Language)


def _register_components() -> None:
    """Import graphbuild's components, which registers their factories when no entry point is installed."""
    import graphbuild.nlp.relations  # noqa: F401
    import graphbuild.nlp.structure  # noqa: F401
    import graphbuild.nlp.targeted_ner  # noqa: F401
    import graphbuild.nlp.talks  # noqa: F401
    import graphbuild.nlp.vocabulary_ruler  # noqa: F401


def _frozen(value: Any) -> Any:
    """A setting as a hashable value (lists become tuples)."""
    return tuple(map(_frozen, value)) if isinstance(value, (list, tuple)) else value


def _thawed(value: Any) -> Any:
    """A setting as spaCy's config takes it (tuples become lists)."""
    return list(map(_thawed, value)) if isinstance(value, tuple) else value


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def process_one(nlp: Language, document: Document, batch_size: int = 16) -> Doc:
    from spacy.tokens import Doc

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
        doc._.graphbuild_site = (document.metadata.site, document.metadata.publisher)
        doc._.graphbuild_title = document.title or ""
        for name in stages:
            doc = nlp.get_pipe(name)(doc)
    except Exception as e:  # spaCy and Sudachi raise plain exceptions; name the post
        raise ExtractionError(f"{document.source}: the NLP pipeline failed ({type(e).__name__}: {e})") from e
    if doc.text != document.text:
        raise ExtractionError(f"{document.source}: the pipeline changed the text, so offsets would be wrong")
    return doc
