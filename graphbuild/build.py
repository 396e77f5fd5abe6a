"""The main job: posts in, `graph.ttl`, `graph.html` and one extraction JSON per post out."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from spacy.language import Language
from tqdm import tqdm

from graphbuild.errors import GraphbuildError, InputError
from graphbuild.export import write_extraction_json, write_turtle
from graphbuild.html_map import write_html
from graphbuild.extract import extract
from graphbuild.ingest import find_posts, read_document
from graphbuild.nlp import load_pipeline, process_one
from graphbuild.rdf import to_networkx, to_rdf
from graphbuild.records import Extraction

SAMPLE_CORPUS = Path(__file__).resolve().parent / "sample"


@dataclass
class BuildReport:
    out_dir: Path
    extractions: list[Extraction] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    triples: int = 0

    def summary(self) -> str:
        lines = [f"{len(self.extractions)} posts built, {len(self.skipped)} skipped, {self.triples} triples -> {self.out_dir}"]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def build(paths: Iterable[str | Path] | None, out_dir: str | Path, nlp: Language | None = None,
          strict: bool = False, progress: bool = True) -> BuildReport:
    """Build the graph of every post under `paths` (the bundled sample corpus when empty).

    A post that cannot be read is reported and skipped (with `strict`, the build stops
    there).  Outputs are replaced atomically once everything is extracted, so a failed or
    killed build leaves the previous outputs as they were.
    """
    paths = list(paths or []) or [SAMPLE_CORPUS]
    report = BuildReport(Path(out_dir))
    files = find_posts(paths)
    if not files:
        raise InputError(", ".join(map(str, paths)), "no .txt, .md or .html posts found")
    nlp = nlp or load_pipeline()
    for path in tqdm(files, desc="extracting", unit="post", disable=not progress, file=sys.stderr):
        try:
            document = read_document(path)
            report.extractions.append(extract(document, process_one(nlp, document)))
        except GraphbuildError as e:
            if strict:
                raise
            report.skipped.append((str(path), getattr(e, "reason", str(e))))
        except Exception as e:  # a bug of ours on an odd post must not cost the other posts
            if strict:
                raise
            report.skipped.append((str(path), f"extraction failed ({type(e).__name__}: {e}); "
                                              "please report this as a graphbuild bug"))
    if not report.extractions:
        reasons = "; ".join(f"{path}: {reason}" for path, reason in report.skipped)
        raise InputError(", ".join(map(str, paths)), f"no post could be read, nothing written ({reasons})")
    write_outputs(report)
    return report


def write_outputs(report: BuildReport) -> None:
    """Write the extractions, then the map, then the graph, each file atomically."""
    out = report.out_dir
    for stale in [*out.glob(".graph.*.tmp"), *out.glob("extractions/.*.tmp")]:
        stale.unlink(missing_ok=True)  # left by a build that was killed while writing
    graph = to_rdf(report.extractions)
    report.triples = len(graph)
    for ex in report.extractions:
        write_extraction_json(ex.to_json(evidence=True), out / "extractions" / f"{ex.name}.json")
    write_html(to_networkx(graph), out / "graph.html", title=f"graphbuild: {len(report.extractions)} posts")
    write_turtle(graph, out / "graph.ttl")
