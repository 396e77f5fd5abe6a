"""The sentence analyses of each post's last extraction, kept in the cache folder.

GiNZA's parse and NER of the sentences that need them (`nlp.sentence_analysis`) are most of
a post's NLP time.  A post that changed keeps most of its sentences, so the analyses of its
last extraction are kept under its name, and when it is extracted again only its new
sentences are analysed; the extraction is the same as a fresh one (an analysis depends on
the sentence's text and the pipeline alone, and a file made by another pipeline is ignored).
The files are kept and pruned with the cache's entries (`cache_upkeep`), one per post name.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path

from graphbuild.util.atomic_files import write_atomic

ANALYSES = "analyses"  # the folder in the cache folder

# component name -> sentence text -> the analysed Doc as bytes (`sentence_analysis.doc_bytes`)
Analyses = dict[str, dict[str, bytes]]


@dataclass(frozen=True)
class AnalysisCache:
    """The analyses kept in `folder` for the pipeline of `fingerprint` (the build cache's)."""

    folder: Path
    fingerprint: str

    @classmethod
    def of(cls, cache_dir: str | Path, fingerprint: str) -> AnalysisCache:
        return cls(Path(cache_dir).resolve() / ANALYSES, fingerprint)  # absolute: a daemon runs elsewhere

    @staticmethod
    def key(name: str) -> str:
        """The key under which the analyses of the post `name` are kept (and their use recorded)."""
        return "a" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:39]

    def path(self, name: str) -> Path:
        return self.folder / f"{self.key(name)}.analyses"

    def read(self, name: str) -> Analyses:
        """The analyses of the last extraction of the post `name`; none if there are none of this pipeline."""
        try:
            kept = pickle.loads(zlib.decompress(self.path(name).read_bytes()))
        except (OSError, zlib.error, pickle.UnpicklingError, EOFError, ValueError, TypeError):
            return {}
        if not isinstance(kept, dict) or kept.get("fingerprint") != self.fingerprint:
            return {}
        return kept.get("analyses", {})

    def write(self, name: str, analyses: Analyses) -> None:
        """Keep `analyses` as those of the post `name`; a failure costs only the reuse."""
        data = pickle.dumps({"fingerprint": self.fingerprint, "analyses": analyses}, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_atomic(self.path(name), zlib.compress(data, 1), durable=False)
        except OSError:
            pass
