"""The main job: posts in, `graph.ttl`, `graph.html` and one extraction JSON per post out.

Posts stream through: each is read, looked up in the cache or extracted (here, in worker
processes or on Dask), added to the graph store and written to a staging folder, and
then dropped, so memory holds the graph and not the corpus.  The outputs replace the old
ones only once every post is in, each file atomically, so a failed or killed build
leaves the previous outputs as they were.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import networkx as nx
from spacy.language import Language
from tqdm import tqdm

from graphbuild.build_state import CACHE_DIR, SAMPLE_CORPUS, BuildState
from graphbuild.cache import CachedExtractions, CachedPost, ExtractionCache, config_of, pipeline_fingerprint
from graphbuild.errors import ExtractionError, GraphbuildError, InputError
from graphbuild.executors import default_jobs, run_extractions
from graphbuild.graph_store import GraphStore, replace_store
from graphbuild.html_map import most_connected, write_html
from graphbuild.ingest import Document, find_posts, read_document
from graphbuild.live_graph import LiveGraph
from graphbuild.network import add_evidence, to_networkx
from graphbuild.records import Extraction

STAGES = ("read", "nlp", "resolution", "rdf", "html", "turtle")
# Above this many posts the graph is built in a pyoxigraph store on disk (a synthetic post
# of 2,300 characters gives about 1,000 triples, and a million triples take about 200 MB of memory).
IN_MEMORY_POSTS = 2000


@dataclass
class BuildReport:
    out_dir: Path
    extractions: CachedExtractions | list[Extraction] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    triples: int = 0
    cached: int = 0  # posts whose extraction came from the cache
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def summary(self) -> str:
        lines = [f"{len(self.extractions)} posts built ({self.cached} from the cache), {len(self.skipped)} skipped, "
                 f"{self.triples} triples -> {self.out_dir}"]
        lines += [f"  skipped {path}: {reason}" for path, reason in self.skipped]
        return "\n".join(lines)


def build(paths: Iterable[str | Path] | None, out_dir: str | Path, nlp: Language | None = None,
          strict: bool = False, progress: bool = True, *, jobs: int | None = None, executor: str = "local",
          scheduler: str | None = None, cache_dir: str | Path | None = None, store_dir: str | Path | None = None,
          vocabulary_path: str | None = None, live: LiveGraph | None = None) -> BuildReport:
    """Build the graph of every post under `paths` (the bundled sample corpus when empty).

    A post that cannot be read is reported and skipped (with `strict`, the build stops
    there).  Extraction runs in this process when `nlp` is given or `jobs` is 1, else in
    `jobs` worker processes (all cores by default) or, with `executor="dask"`, on Dask.
    `store_dir` keeps the graph in a persistent pyoxigraph store instead of memory.  `live`
    (the graph of the last build, kept in memory by `--watch`) is brought up to date instead of
    building the graph again: only the posts that changed are taken out and put back.
    """
    if live is not None and store_dir is not None:
        raise ValueError("a live graph is kept in memory; build into a store folder without one")
    paths = list(paths or []) or [SAMPLE_CORPUS]
    out = Path(out_dir)
    files = find_posts(paths)
    if not files:
        raise InputError(", ".join(map(str, paths)), "no .txt, .md or .html posts found")
    cache = ExtractionCache(Path(cache_dir) if cache_dir else out / CACHE_DIR,
                            pipeline_fingerprint(config_of(nlp, vocabulary_path), vocabulary_path))
    if live is not None and len(files) > IN_MEMORY_POSTS:
        live.clear()  # it holds the graph in memory twice; a corpus this big is built on disk each time
        live = None
    state = None  # the last build's graph kept in the cache folder, brought up to date like a live graph
    if live is None and store_dir is None and len(files) <= IN_MEMORY_POSTS:
        state = BuildState(cache.directory, out)
        live = state.open(cache.fingerprint)
    if jobs is None:
        # worker processes pay off when there are posts to share out, not for a rebuild of one
        jobs = 1 if nlp is not None else min(default_jobs(), _count_misses(files, cache))
    report = BuildReport(out)
    keys: list[str] = []
    started = time.perf_counter()
    _remove_leftovers(out, store_dir)
    staging = out / f".extractions.{os.getpid()}.tmp"
    store_building = Path(store_dir).with_name(f".{Path(store_dir).name}.{os.getpid()}.tmp") if store_dir else None
    if store_building is None and len(files) > IN_MEMORY_POSTS:
        store_building = out / f".graph-store.{os.getpid()}.tmp"  # on disk, so memory stays flat; removed after
    graph = GraphStore(store_building) if live is None else live
    changed: dict[str, CachedPost] = {}  # with `live`: the posts that are not in it as they are now
    names: set[str] = set()
    try:
        bar = tqdm(total=len(files), desc="extracting", unit="post", disable=not progress, file=sys.stderr)

        def accept(name: str, post: CachedPost, cached: bool) -> None:
            t = time.perf_counter()
            keys.append(post.key)
            names.add(name)
            if live is None:
                graph.add_post(name, post.ntriples)
            else:
                changed[name] = post
            (staging / f"{name}.json").write_bytes(post.output_json)
            report.seconds["rdf"] += time.perf_counter() - t
            report.cached += cached
            bar.update()

        def skip(path: str, reason: str) -> None:
            report.skipped.append((path, reason))
            bar.update()

        def cache_misses() -> Iterator[Document]:
            for path in files:
                t = time.perf_counter()
                try:
                    document = read_document(path)
                except GraphbuildError as e:
                    if strict:
                        raise
                    skip(str(path), getattr(e, "reason", str(e)))
                    continue
                finally:
                    report.seconds["read"] += time.perf_counter() - t
                if live is not None and _unchanged(live, document, cache, out):
                    keys.append(live.posts[document.name])
                    names.add(document.name)
                    report.cached += 1
                    bar.update()
                    continue
                post = cache.get_post(document)
                if post is None:
                    yield document
                else:
                    accept(document.name, post, cached=True)

        staging.mkdir(parents=True, exist_ok=True)
        for document, outcome in run_extractions(cache_misses(), executor, jobs, nlp, vocabulary_path, scheduler):
            report.seconds["nlp"] += outcome.nlp_seconds
            report.seconds["resolution"] += outcome.extract_seconds
            report.seconds["rdf"] += outcome.rdf_seconds
            if outcome.extraction is not None:
                accept(document.name, cache.put(document, outcome.extraction, outcome.ntriples, outcome.output_json),
                       cached=False)
            elif strict:
                raise ExtractionError(f"{document.source}: {outcome.error}")
            else:
                skip(document.source, outcome.error or "")
        bar.close()
        if not keys:
            reasons = "; ".join(f"{path}: {reason}" for path, reason in report.skipped)
            raise InputError(", ".join(map(str, paths)), f"no post could be read, nothing written ({reasons})")
        report.extractions = CachedExtractions(cache, keys)
        if live is not None:
            t = time.perf_counter()
            live.update(changed, removed=set(live.posts) - names)
            report.seconds["rdf"] += time.perf_counter() - t
        try:
            _write_outputs(report, graph, staging, names, progress)
        except BaseException:
            if live is not None:
                live.clear()  # it is ahead of the outputs on disk; the next build starts afresh
            raise
        if state is not None:
            state.save(live, pipeline=cache.fingerprint, default_pipeline=_default_pipeline(cache, nlp, vocabulary_path),
                       paths=paths, out_dir=out, vocabulary_path=vocabulary_path, posts=len(keys),
                       triples=report.triples, skipped=report.skipped)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if store_building is not None:
            del graph
            gc.collect()  # close the store's files before its folder is moved
            if report.triples and store_dir is not None and store_building.exists():
                replace_store(store_building, Path(store_dir))
            shutil.rmtree(store_building, ignore_errors=True)
    report.seconds["total"] = time.perf_counter() - started
    return report


def _write_outputs(report: BuildReport, graph: GraphStore | LiveGraph, staging: Path, names: set[str],
                   progress: bool) -> None:
    """Finish the graph, then put the extractions (of the posts `names`), the map and the graph in
    place, each file atomically."""
    out = report.out_dir
    steps = tqdm(total=3, desc="writing", unit="step", disable=not progress, file=sys.stderr,
                 bar_format="{desc}: {n}/{total}{postfix}")
    steps.set_postfix_str("corpus totals")
    t = time.perf_counter()
    if isinstance(graph, GraphStore):
        graph.finish()  # a live graph was finished by its update
    report.seconds["rdf"] += time.perf_counter() - t
    steps.update()
    steps.set_postfix_str("graph.html")
    t = time.perf_counter()
    drawn, nodes = graph.map_view() if isinstance(graph, LiveGraph) else _map_view(graph)
    title = f"graphbuild: {len(report.extractions)} posts"
    if drawn.number_of_nodes() < nodes:
        title += f" (the {drawn.number_of_nodes():,} best-connected of {nodes:,} nodes)"
    write_html(drawn, out / "graph.html", title=title)
    report.seconds["html"] = time.perf_counter() - t
    steps.update()
    steps.set_postfix_str("graph.ttl")
    t = time.perf_counter()
    (out / "extractions").mkdir(parents=True, exist_ok=True)
    for staged in sorted(staging.glob("*.json")):
        os.replace(staged, out / "extractions" / staged.name)
    wanted = {f"{name}.json" for name in names}
    for gone in (out / "extractions").glob("*.json"):  # posts removed from the corpus, or now unreadable
        if gone.name not in wanted:
            gone.unlink(missing_ok=True)
    report.triples = graph.write_turtle(out / "graph.ttl")
    graph.write_trig(out / "graph.trig")  # the same triples, in one named graph per post and a corpus graph
    report.seconds["turtle"] = time.perf_counter() - t
    steps.update()
    steps.close()


def _map_view(graph: GraphStore) -> tuple[nx.MultiDiGraph, int]:
    """The part of the graph the map draws, with its evidence, and the number of nodes of the whole graph."""
    G = to_networkx(graph, evidence=False)
    drawn = most_connected(G)
    add_evidence(drawn, graph)
    return drawn, G.number_of_nodes()


def _default_pipeline(cache: ExtractionCache, nlp: Language | None, vocabulary_path: str | None) -> bool:
    """Whether the build ran the pipeline `graphbuild build` loads (so a shell rebuild may trust its state)."""
    return cache.fingerprint == pipeline_fingerprint(config_of(None, vocabulary_path), vocabulary_path)


def _unchanged(live: LiveGraph, document: Document, cache: ExtractionCache, out: Path) -> bool:
    """Whether the live graph has `document` as it is now, and its extraction JSON is still in place."""
    return (live.posts.get(document.name) == cache.key(document)
            and (out / "extractions" / f"{document.name}.json").exists())


def _count_misses(files: list[Path], cache: ExtractionCache) -> int:
    misses = 0
    for path in files:
        try:
            misses += not cache.path(cache.key(read_document(path)), "nt").exists()
        except GraphbuildError:
            pass  # reported when the build reads it
    return misses


def _remove_leftovers(out: Path, store_dir: str | Path | None) -> None:
    """Temporary files and folders of a build that was killed."""
    for stale in [*out.glob(".graph.*.tmp"), *out.glob("extractions/.*.tmp"), *out.glob(".extractions.*.tmp"),
                  *out.glob(".graph-store.*.tmp")]:
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    if store_dir is not None:
        for stale in Path(store_dir).parent.glob(f".{Path(store_dir).name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
