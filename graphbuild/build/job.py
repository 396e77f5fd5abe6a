"""The main job: posts in, `graph.ttl`, `graph.html` and one extraction JSON per post out.

Posts stream through: each is read, looked up in the cache or extracted (here, in worker
processes or on Dask), added to the graph store and written to a new generation of the
outputs, and then dropped, so memory holds the graph and not the corpus.  The generation
replaces the old one in one step once every file is written (`output_set`), so a failed
or killed build leaves the previous outputs as they were, and a second build into the same
folder waits for the first (`build_lock`).
"""

from __future__ import annotations

import errno
import gc
import os
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import networkx as nx
from spacy.language import Language
from tqdm import tqdm

from graphbuild.build.lock import build_lock
from graphbuild.build.state import CACHE_DIR, SAMPLE_CORPUS, BuildState
from graphbuild.build.cache import CachedExtractions, CachedPost, ExtractionCache, config_of, pipeline_fingerprint
from graphbuild.build.cache_upkeep import DEFAULT_LIMIT_BYTES, prune, record_use
from graphbuild.util.display_text import printable
from graphbuild.errors import ExtractionError, GraphbuildError, InputError, OutputError
from graphbuild.build.executors import default_jobs, run_extractions
from graphbuild.graph.store import GraphStore, replace_store
from graphbuild.outputs.html_map import most_connected, write_html
from graphbuild.ingest.posts import Document, extraction_file_name, list_posts, read_posts
from graphbuild.build.live_graph import LiveGraph
from graphbuild.graph.network import add_evidence, to_networkx
from graphbuild.build.output_set import discard, new_generation, publish, sweep
from graphbuild.nlp.records import Extraction
from graphbuild.build.safe_paths import check_folder_target, check_store_target, mark_store, post_files

STAGES = ("read", "nlp", "resolution", "rdf", "html", "turtle")
# Above this many posts the graph is built in a pyoxigraph store on disk (a synthetic post
# of 2,300 characters gives about 1,000 triples, and a million triples take about 200 MB of memory).
IN_MEMORY_POSTS = 2000


@dataclass
class BuildReport:
    out_dir: Path
    extractions: CachedExtractions | list[Extraction] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    damaged: list[tuple[str, str]] = field(default_factory=list)  # (file, what was wrong with its cache entry)
    triples: int = 0
    cached: int = 0  # posts whose extraction came from the cache
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def summary(self) -> str:
        """What the build did, one line each; names are escaped so that none can forge a line or move the terminal."""
        lines = [f"{len(self.extractions)} posts built ({self.cached} from the cache), {len(self.skipped)} skipped, "
                 f"{self.triples} triples -> {printable(str(self.out_dir))}"]
        lines += [f"  skipped {printable(path)}: {printable(reason)}" for path, reason in self.skipped]
        lines += [f"  the cache entry of {printable(path)} {reason}; extracted again" for path, reason in self.damaged]
        return "\n".join(lines)


def build(paths: Iterable[str | Path] | None, out_dir: str | Path, nlp: Language | None = None,
          strict: bool = False, progress: bool = True, *, jobs: int | None = None, executor: str = "local",
          scheduler: str | None = None, cache_dir: str | Path | None = None, store_dir: str | Path | None = None,
          vocabulary_path: str | None = None, live: LiveGraph | None = None,
          follow_links: bool = False, wait: bool = True, cache_limit: int = DEFAULT_LIMIT_BYTES) -> BuildReport:
    """Build the graph of every post under `paths` (the bundled sample corpus when empty).

    A post that cannot be read is reported and skipped (with `strict`, the build stops
    there).  Extraction runs in this process when `nlp` is given or `jobs` is 1, else in
    `jobs` worker processes (all cores by default) or, with `executor="dask"`, on Dask.
    `store_dir` keeps the graph in a persistent pyoxigraph store instead of memory.  `live`
    (the graph of the last build, kept in memory by `--watch`) is brought up to date instead of
    building the graph again: only the posts that changed are taken out and put back.
    Links out of a given folder are read only with `follow_links`; graphbuild's own output,
    cache and store folders are never read as posts.  The outputs switch to the new set in one
    step (`output_set`); a second build into the same folder waits for the first (or, without
    `wait`, raises `BuildLocked`).  The cache keeps what the last builds used, within `cache_limit` bytes.
    """
    if live is not None and store_dir is not None:
        raise ValueError("a live graph is kept in memory; build into a store folder without one")
    paths = list(paths or []) or [SAMPLE_CORPUS]
    out = Path(out_dir)
    check_folder_target(out, "-o")
    if cache_dir is not None:
        check_folder_target(cache_dir, "--cache")
    if store_dir is not None:
        check_store_target(store_dir, keep=(out, cache_dir or out / CACHE_DIR))
    files, unread_links = post_files(paths, out, (cache_dir or out / CACHE_DIR, store_dir), follow_links)
    kept = {str(f) for f in files}
    named_files = [(path, name) for path, name in list_posts(paths) if str(path) in kept]
    if not files:
        raise InputError(", ".join(map(str, paths)), "no .txt, .md or .html posts found" +
                         "".join(f"; {path} {reason}" for path, reason in unread_links))
    cache = ExtractionCache(Path(cache_dir) if cache_dir else out / CACHE_DIR,
                            pipeline_fingerprint(config_of(nlp, vocabulary_path), vocabulary_path))
    if live is not None and len(files) > IN_MEMORY_POSTS:
        live.clear()  # it holds the graph in memory twice; a corpus this big is built on disk each time
        live = None
    if jobs is None:
        # worker processes pay off when there are posts to share out, not for a rebuild of one
        jobs = 1 if nlp is not None else min(default_jobs(), _count_misses(named_files, cache, default_jobs()))
    report = BuildReport(out, skipped=list(unread_links))
    keys: list[str] = []
    started = time.perf_counter()
    held = _hold_locks(out, store_dir, wait)
    state = None  # the last build's graph kept in the cache folder, brought up to date like a live graph
    try:
        if live is None and store_dir is None and len(files) <= IN_MEMORY_POSTS:
            state = BuildState(cache.directory, out)  # opened under the output lock: one build at a time uses it
            live = state.open(cache.fingerprint)
        _remove_leftovers(out, store_dir)
        gen = new_generation(out)
        staging = gen / "extractions"
        store_building = Path(store_dir).with_name(f".{Path(store_dir).name}.{os.getpid()}.tmp") if store_dir else None
        if store_building is None and len(files) > IN_MEMORY_POSTS:
            store_building = out / f".graph-store.{os.getpid()}.tmp"  # on disk, so memory stays flat; removed after
        graph = GraphStore(store_building) if live is None else live
    except BaseException:
        held.close()
        raise
    changed: dict[str, CachedPost] = {}  # with `live`: the posts that are not in it as they are now
    names: set[str] = set()
    published = False
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
            _write_file(staging / extraction_file_name(name), post.output_json)
            report.seconds["rdf"] += time.perf_counter() - t
            report.cached += cached
            bar.update()

        def skip(path: str, reason: str) -> None:
            report.skipped.append((path, reason))
            bar.update()

        def cache_misses() -> Iterator[Document]:
            for path, name in named_files:
                t = time.perf_counter()
                try:
                    documents = read_posts(path, name)
                except GraphbuildError as e:
                    if strict:
                        raise
                    skip(str(path), getattr(e, "reason", str(e)))
                    continue
                finally:
                    report.seconds["read"] += time.perf_counter() - t
                bar.total += len(documents) - 1  # a blog export is many posts
                for document in documents:
                    if live is not None and _unchanged(live, document, cache, out):
                        _carry_over(out / "extractions" / extraction_file_name(document.name), staging)
                        keys.append(live.posts[document.name])
                        names.add(document.name)
                        report.cached += 1
                        bar.update()
                        continue
                    post = cache.get_post(document)
                    if post is None:
                        key = cache.key(document)
                        if key in cache.damaged:
                            report.damaged.append((str(path), cache.damaged[key]))
                        yield document
                    else:
                        accept(document.name, post, cached=True)

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
            _write_outputs(report, graph, gen, progress)
            publish(out, gen)
            published = True
        except BaseException:
            if live is not None:
                live.clear()  # it is ahead of the outputs on disk; the next build starts afresh
            raise
        if state is not None:
            state.save(live, pipeline=cache.fingerprint, default_pipeline=_default_pipeline(cache, nlp, vocabulary_path),
                       paths=paths, out_dir=out, vocabulary_path=vocabulary_path, posts=len(keys),
                       triples=report.triples, skipped=report.skipped)
        _keep_cache_small(cache, keys, cache_limit)
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise OutputError(e.filename or str(gen), "no space left on the disk while writing it; the previous "
                                                      "outputs are intact and the partial files were removed: free "
                                                      "some space and build again") from e
        raise
    finally:
        if not published:
            discard(gen)
        if store_building is not None:
            del graph
            gc.collect()  # close the store's files before its folder is moved
            if report.triples and store_dir is not None and store_building.exists():
                mark_store(store_building)
                replace_store(store_building, Path(store_dir))
            shutil.rmtree(store_building, ignore_errors=True)
        held.close()
    report.seconds["total"] = time.perf_counter() - started
    return report


def _write_outputs(report: BuildReport, graph: GraphStore | LiveGraph, gen: Path, progress: bool) -> None:
    """Finish the graph, then write the map and the graph into the new generation `gen` (which
    holds the extractions already); the caller publishes it whole."""
    out = gen
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
            and (out / "extractions" / extraction_file_name(document.name)).exists())


def _count_misses(files: list[tuple[Path, str]], cache: ExtractionCache, enough: int) -> int:
    """How many posts miss the cache, counted up to `enough` (reading a page is not free)."""
    misses = 0
    for path, name in files:
        try:
            misses += sum(not cache.path(cache.key(d), "nt").exists() for d in read_posts(path, name))
        except GraphbuildError:
            pass  # reported when the build reads it
        if misses >= enough:
            break
    return misses


def _hold_locks(out: Path, store_dir: str | Path | None, wait: bool) -> ExitStack:
    """The build locks of the output folder and the store folder (released by closing the stack)."""
    def say(message: str) -> None:
        print(f"graphbuild: {printable(message)}", file=sys.stderr, flush=True)

    held = ExitStack()
    try:
        held.enter_context(build_lock(out, wait, say))
        if store_dir is not None:
            store = Path(store_dir)
            held.enter_context(build_lock(store.parent, wait, say, lock_file=f".{store.name}.graphbuild.lock"))
    except BaseException:
        held.close()
        raise
    return held


def _keep_cache_small(cache: ExtractionCache, keys: list[str], limit: int) -> None:
    """Record what this build used and prune the cache; a failure here costs disk space, not the build."""
    try:
        record_use(cache.directory, keys)
        prune(cache.directory, limit)
    except OSError as e:
        print(f"graphbuild: warning: the cache in {printable(str(cache.directory))} was not pruned ({e})",
              file=sys.stderr)


def _write_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as e:
        raise OSError(e.errno, e.strerror, str(path)) from e  # a failed write names no file by itself


def _carry_over(published: Path, staging: Path) -> None:
    """Put the extraction JSON of an unchanged post into the new generation (a hard link where possible)."""
    try:
        os.link(published, staging / published.name)
    except OSError:
        shutil.copyfile(published, staging / published.name)


def _remove_leftovers(out: Path, store_dir: str | Path | None) -> None:
    """Temporary files and folders of a build that was killed (called under the build lock)."""
    sweep(out)
    for stale in [*out.glob(".graph.*.tmp"), *out.glob("extractions/.*.tmp"), *out.glob(".extractions.*.tmp"),
                  *out.glob(".graph-store.*.tmp")]:
        shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
    if store_dir is not None:
        for stale in Path(store_dir).parent.glob(f".{Path(store_dir).name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
