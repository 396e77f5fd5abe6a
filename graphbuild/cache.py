"""The build cache: each post's extraction, kept under a key of its content and the pipeline.

A rebuild after one post changed reprocesses only that post.  The key covers the post
(text, name, title) and the pipeline's fingerprint: graphbuild's code, the vocabulary,
the spaCy and model versions and the pipeline config, so changing any of them makes
every entry miss.  Entries are gzipped JSON written atomically; a damaged entry is a miss.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from spacy.language import Language

from graphbuild.export import write_atomic
from graphbuild.ingest import Document
from graphbuild.records import Extraction
from graphbuild.vocabulary import DEFAULT_PATH

PACKAGE_DIR = Path(__file__).resolve().parent


class ExtractionCache:
    """Extractions on disk under `directory`, looked up by document and pipeline fingerprint."""

    def __init__(self, directory: str | os.PathLike, fingerprint: str) -> None:
        self.directory = Path(directory)
        self.fingerprint = fingerprint

    def key(self, document: Document) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        for part in (document.name, document.title, document.text):
            h.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json.gz"

    def get(self, document: Document) -> Extraction | None:
        """The cached extraction of `document`, with its current source path; None on a miss."""
        return self.load(self.key(document), document.source)

    def load(self, key: str, source: str | None = None) -> Extraction | None:
        try:
            data = json.loads(gzip.decompress(self.path(key).read_bytes()))
            extraction = Extraction.from_dict(data)
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return None  # missing, or damaged by a crash or a hand: extract again
        if source is not None and extraction.source != source:
            extraction = Extraction.from_dict({**data, "source": source})
        return extraction

    def put(self, document: Document, extraction: Extraction) -> str:
        key = self.key(document)
        data = json.dumps(extraction.to_dict(), ensure_ascii=False, separators=(",", ":"))
        write_atomic(self.path(key), gzip.compress(data.encode("utf-8", "surrogatepass"), compresslevel=1))
        return key


def pipeline_fingerprint(nlp_config: str = "", vocabulary_path: str | os.PathLike | None = None) -> str:
    """A hash of everything that decides an extraction besides the post itself."""
    h = hashlib.sha256(_code_and_versions().encode())
    h.update(Path(vocabulary_path or DEFAULT_PATH).read_bytes())
    h.update(nlp_config.encode())
    return h.hexdigest()[:32]


def config_of(nlp: Language) -> str:
    """The pipeline's config as text, with the components that are enabled and disabled."""
    return nlp.config.to_str() + "\n" + " ".join(nlp.pipe_names)


@lru_cache(maxsize=1)
def _code_and_versions() -> str:
    parts = [f"{name}=={_version(name)}" for name in ("graphbuild", "spacy", "ginza", "ja_ginza", "sudachipy",
                                                        "sudachidict_core")]
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".ttl", ".jsonl"):
            parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    return "\n".join(parts)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


class CachedExtractions(Sequence):
    """A build's extractions, read back from the cache one at a time when asked for."""

    def __init__(self, cache: ExtractionCache, keys: list[str]) -> None:
        self.cache = cache
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        extraction = self.cache.load(self.keys[index])
        if extraction is None:
            raise LookupError(f"the cache entry of post {index} is gone from {self.cache.directory}")
        return extraction
