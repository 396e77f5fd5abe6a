"""The build cache: each post's extraction, kept under a key of its content and the pipeline.

A rebuild after one post changed reprocesses only that post.  The key covers the post
(text, name, path, format, metadata, title) and the pipeline's fingerprint: graphbuild's code, the vocabulary,
the spaCy and model versions and the pipeline config, so changing any of them makes
every entry miss.  An entry is three gzip files written atomically: the extraction record,
the post's N-Triples and its output JSON, so a cached post is added to the graph without
parsing its record.  Each file starts with a header naming the entry format, the
fingerprint, the key and part, and a SHA-256 of the rest: a truncated, corrupted or
misplaced file is detected, recorded in `damaged` (so the build reports it once), removed,
and the post extracted again; a file of another graphbuild version is ignored.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from graphbuild.util.atomic_files import write_atomic
from graphbuild.ingest.posts import Document, source_path
from graphbuild.nlp.pipeline import Pipeline, pipeline_mark
from graphbuild.graph.rdf import post_ntriples
from graphbuild.nlp.records import Extraction

if TYPE_CHECKING:
    from spacy.language import Language

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # graphbuild/
# The code whose output a cache entry holds (the record, its triples, its JSON), as globs under
# the package: a change to any of it makes every entry miss.  The map, the Turtle writer and the
# CLI are not here.
EXTRACTION_CODE = ("ingest/*.py", "nlp/*.py", "nlp/models/*.json",  # the learned scorers' weights too
                   "graph/rdf.py", "graph/namespace.py", "util/*.py", "build/cache.py", "build/executors.py")


ENTRY_FORMAT = b"graphbuild-cache-entry 2"
PARTS = ("record", "output", "nt")


@dataclass(frozen=True)
class CachedPost:
    """What a build needs of a post: its triples and its output JSON (the record itself is read only when asked for)."""

    key: str
    ntriples: bytes
    output_json: bytes


class ExtractionCache:
    """Posts' extractions on disk under `directory`, looked up by document and pipeline fingerprint."""

    def __init__(self, directory: str | os.PathLike, fingerprint: str) -> None:
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.damaged: dict[str, str] = {}  # key -> what was wrong with its entry (removed since)

    def key(self, document: Document) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        metadata = json.dumps(document.metadata.to_dict(), ensure_ascii=False, sort_keys=True)
        for part in (document.name, source_path(document), document.format, metadata, document.title, document.text):
            h.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    def path(self, key: str, part: str = "record") -> Path:
        """One of an entry's three files: "record" (the extraction), "nt" (its triples), "output" (its JSON)."""
        return self.directory / key[:2] / f"{key}.{part}.gz"

    def get(self, document: Document) -> Extraction | None:
        """The cached extraction of `document`, with its current source path; None on a miss."""
        extraction = self.load(self.key(document))
        return None if extraction is None else dataclasses.replace(extraction, source=document.source)

    def get_post(self, document: Document) -> CachedPost | None:
        """The triples and output JSON of `document`, without reading its record; None on a miss."""
        key = self.key(document)
        ntriples, output = self._read(key, "nt"), self._read(key, "output")
        return None if ntriples is None or output is None else CachedPost(key, ntriples, output)

    def load(self, key: str) -> Extraction | None:
        data = self._read(key, "record")
        try:
            return None if data is None else Extraction.from_dict(json.loads(data))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def put(self, document: Document, extraction: Extraction, ntriples: bytes | None = None,
            output_json: bytes | None = None) -> CachedPost:
        """Keep `extraction` (and its triples and output JSON, computed here when not given)."""
        key = self.key(document)
        ntriples = post_ntriples(extraction) if ntriples is None else ntriples
        output_json = extraction.output_json() if output_json is None else output_json
        record = json.dumps(extraction.to_dict(), ensure_ascii=False, separators=(",", ":"))
        # the triples go last: an entry whose writing was cut off has none, and is a miss
        for part, data in (("record", record.encode("utf-8", "surrogatepass")), ("output", output_json),
                           ("nt", ntriples)):
            # not fsynced: after a power cut a lost or torn entry fails its gzip check and is a miss
            write_atomic(self.path(key, part), gzip.compress(self._header(key, part, data) + data, compresslevel=1),
                         durable=False)
        return CachedPost(key, ntriples, output_json)

    def _header(self, key: str, part: str, data: bytes) -> bytes:
        return b" ".join((ENTRY_FORMAT, self.fingerprint.encode("ascii"), f"{key}.{part}".encode("ascii"),
                          hashlib.sha256(data).hexdigest().encode("ascii"))) + b"\n"

    def _read(self, key: str, part: str) -> bytes | None:
        """One part of an entry, checked whole; None when it is missing, of another version, or damaged."""
        path = self.path(key, part)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            return self._damaged(key, f"cannot be read ({e.strerror or e})")
        try:
            data = gzip.decompress(raw)
        except (OSError, EOFError, ValueError, zlib.error):
            return self._damaged(key, "is not a whole gzip file (truncated or overwritten)")
        header, newline, payload = data.partition(b"\n")
        fields = header.split(b" ")
        if not newline or len(fields) != 5 or b" ".join(fields[:2]) != ENTRY_FORMAT:
            if data.startswith(ENTRY_FORMAT.split(b" ")[0]):
                return None  # an entry format of another graphbuild version: ignored
            return self._damaged(key, "has no valid entry header")
        if fields[2] != self.fingerprint.encode("ascii"):
            return None  # written by another version of the pipeline: ignored
        if fields[3] != f"{key}.{part}".encode("ascii"):
            return self._damaged(key, f"holds the entry {fields[3].decode('ascii', 'replace')!r}")
        if fields[4] != hashlib.sha256(payload).hexdigest().encode("ascii"):
            return self._damaged(key, "does not match its checksum (corrupted)")
        return payload

    def _damaged(self, key: str, reason: str) -> None:
        """Record a damaged entry once and remove it, so that the post is extracted again."""
        if key not in self.damaged:
            self.damaged[key] = reason
        for part in PARTS:
            self.path(key, part).unlink(missing_ok=True)
        return None


def pipeline_fingerprint(pipeline: Pipeline | Language | None = None) -> str:
    """A hash of everything that decides an extraction besides the post itself: graphbuild's
    extraction code, the versions of spaCy and the model, and the pipeline (`pipeline_mark`: its
    model, vocabulary content, components and their settings; None is the default pipeline)."""
    h = hashlib.sha256(code_and_versions().encode())
    h.update(pipeline_mark(pipeline).encode())
    return h.hexdigest()[:32]


@lru_cache(maxsize=1)
def code_and_versions() -> str:
    """graphbuild's extraction code (hashes of its files) and the versions of the libraries it runs on."""
    parts = [f"{name}=={_version(name)}" for name in ("graphbuild", "spacy", "ginza", "ja_ginza", "sudachipy",
                                                        "sudachidict_core")]
    for pattern in EXTRACTION_CODE:
        for path in sorted(PACKAGE_DIR.glob(pattern)):
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
