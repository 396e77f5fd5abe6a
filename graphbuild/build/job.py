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
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from tqdm import tqdm

import graphbuild.build.daemon as daemons
from graphbuild.build.cache import CachedExtractions, CachedPost, ExtractionCache, pipeline_fingerprint
from graphbuild.build.cache_upkeep import DEFAULT_LIMIT_BYTES, prune, record_use
from graphbuild.build.analysis_cache import AnalysisCache
from graphbuild.build.executors import DaskCluster, Executor, Outcome, default_jobs, open_executor
from graphbuild.build.graphs import BuildGraph, FreshGraph, KeptGraph, StoreGraph
from graphbuild.build.live_graph import LiveGraph
from graphbuild.build.lock import build_lock
from graphbuild.build.output_set import discard, new_generation, publish, sweep
from graphbuild.build.safe_paths import check_folder_target, check_store_target, post_files
from graphbuild.build.state import CACHE_DIR, SAMPLE_CORPUS, BuildState
from graphbuild.errors import ExtractionError, GraphbuildError, InputError, OutputError
from graphbuild.ingest.posts import Document, extraction_file_name, list_posts, read_posts
from graphbuild.nlp.pipeline import Pipeline, is_language
from graphbuild.nlp.records import Extraction
from graphbuild.outputs.html_map import write_html
from graphbuild.util.display_text import printable

if TYPE_CHECKING:
    from spacy.language import Language

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
    daemon_posts: int = 0  # posts the build daemon extracted
    daemon_pid: int | None = None
    daemon_started: int | None = None  # the pid of the build daemon this build started
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    def summary(self) -> str:
        """What the build did, one line each; names are escaped so that none can forge a line or move the terminal."""
        lines = [f"{len(self.extractions)} posts built ({self.cached} from the cache), {len(self.skipped)} skipped, "
                 f"{self.triples} triples -> {printable(str(self.out_dir))}"]
        lines += [f"  skipped {printable(path)}: {printable(reason)}" for path, reason in self.skipped]
        lines += [f"  the cache entry of {printable(path)} {reason}; extracted again" for path, reason in self.damaged]
        if self.daemon_posts:
            lines.append(f"  {self.daemon_posts} extracted by the build daemon (pid {self.daemon_pid}), which keeps "
                         f"the pipeline loaded")
        if self.daemon_started:
            lines.append(f"  started the build daemon (pid {self.daemon_started}): it keeps the pipeline loaded for the "
                         f"next builds and ends after {daemons.idle_seconds() / 60:g} min without one "
                         f"(`graphbuild daemon stop` ends it now; GRAPHBUILD_DAEMON=off builds without)")
        return "\n".join(lines)


def build(paths: Iterable[str | Path] | None, out_dir: str | Path, nlp: Pipeline | Language | None = None,
          strict: bool = False, progress: bool = True, *, jobs: int | None = None, executor: str | Executor = "local",
          scheduler: str | None = None, cache_dir: str | Path | None = None, store_dir: str | Path | None = None,
          live: LiveGraph | None = None, follow_links: bool = False, wait: bool = True,
          cache_limit: int = DEFAULT_LIMIT_BYTES, daemon: bool = False) -> BuildReport:
    """Build the graph of every post under `paths` (the bundled sample corpus when empty).

    `nlp` is the pipeline: a `Pipeline` value (the default one when None), or a spaCy `Language`
    (one loaded from a `Pipeline` may also run in worker processes, which load that value).  A post
    that cannot be read is reported and skipped (with `strict`, the build stops there).  Extraction
    runs in this process when `nlp` is a `Language` or `jobs` is 1, else in `jobs` worker processes
    (by default one per post that misses the cache, up to every core: a rebuild of one post loads the
    pipeline in its worker while the last build's graph is opened here) or, with `executor="dask"`, on Dask;
    `executor` may also be an open `Executor`, kept open for the next build (`--watch`).  With
    `daemon`, a build with posts to extract starts the build daemon of its cache folder unless it
    runs (`build.daemon`, which keeps the pipeline loaded between builds), and a build with a post
    or two to extract sends them to it.
    `store_dir` keeps the graph in a persistent pyoxigraph store instead of memory.  `live` (the
    graph of the last build, kept in memory by `--watch`) is brought up to date instead of
    building the graph again: only the posts that changed are taken out and put back.
    Links out of a given folder are read only with `follow_links`; graphbuild's own output,
    cache and store folders are never read as posts.  The outputs switch to the new set in one
    step (`output_set`); a second build into the same folder waits for the first (or, without
    `wait`, raises `BuildLocked`).  The cache keeps what the last builds used, within `cache_limit` bytes.
    """
    if live is not None and store_dir is not None:
        raise ValueError("a live graph is kept in memory; build into a store folder without one")
    pipeline, here = (nlp or Pipeline(), None) if not is_language(nlp) else (Pipeline.of(nlp), nlp)
    if here is not None and pipeline is None and (executor != "local" or (jobs or 1) > 1):
        raise ValueError("a spaCy Language made outside graphbuild.nlp.pipeline.Pipeline cannot run on worker "
                         "processes or Dask; pass a Pipeline (or jobs=1)")
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
    cache = ExtractionCache(Path(cache_dir) if cache_dir else out / CACHE_DIR, pipeline_fingerprint(here or pipeline))
    processes, first, helper, started_daemon = False, [], None, None
    daemon = daemon and here is None and executor == "local" and jobs is None and daemons.enabled()
    if here is None:
        first = _first_misses(named_files, cache, max(jobs or 1, default_jobs(), daemons.DAEMON_POSTS + 1))
        if daemon and first:
            # Started now, the daemon has loaded the pipeline by the time a build of many posts ends (the
            # next build finds it ready); a build of a post or two waits for it rather than load it again.
            started_daemon = daemons.start(cache.directory, pipeline)
        if daemon and 0 < len(first) <= daemons.DAEMON_POSTS:
            helper = _daemon_executor(cache)
        if jobs is None:
            # As many worker processes as there are posts to share out, up to one per core; a rebuild of one
            # post gets one too, which loads the pipeline while this process opens the last build's graph.
            jobs, processes = max(1, min(default_jobs(), len(first))), bool(first)
    # the posts' sentence analyses are reused where posts are extracted on this machine
    analyses = None if executor == "dask" or isinstance(executor, DaskCluster) else AnalysisCache.of(
        cache.directory, cache.fingerprint)
    report = BuildReport(out, skipped=list(unread_links))
    started = time.perf_counter()
    with _hold_locks(out, store_dir, wait), (helper or _executor(executor, jobs or 1, scheduler, processes)) as running:
        running.warm(pipeline, first, analyses)
        _remove_leftovers(out, store_dir)
        graph = _open_graph(out, len(files), store_dir, live, cache)  # under the output lock: one build uses a state
        # The kept graph lives as long as the build: the cycle collector need not scan its millions of
        # objects again at every collection (2 s of a one-post rebuild of 100 posts)
        frozen = isinstance(graph, KeptGraph) and not gc.get_freeze_count()
        if frozen:
            gc.freeze()
        gen = new_generation(out)
        published = False
        try:
            posts = _Posts(report, cache, graph, out, gen / "extractions", strict,
                           tqdm(total=len(files), desc="extracting", unit="post", disable=not progress, file=sys.stderr))
            for document, outcome in running.run(posts.misses(named_files), pipeline, here, analyses):
                posts.extracted(document, outcome)
            if not isinstance(executor, Executor):
                running.close()  # the workers' memory is free while the outputs are written
            posts.bar.close()
            if not posts.keys:
                reasons = "; ".join(f"{path}: {reason}" for path, reason in report.skipped)
                raise InputError(", ".join(map(str, paths)), f"no post could be read, nothing written ({reasons})")
            report.extractions = CachedExtractions(cache, posts.keys)
            graph.remove_posts(graph.posts() - posts.names)
            _write_outputs(report, graph, gen, progress)
            publish(out, gen)
            published = True
            graph.commit(dict(paths=paths, out_dir=out, posts=len(posts.keys), triples=report.triples,
                              skipped=report.skipped))
            _keep_cache_small(cache, [*posts.keys, *map(AnalysisCache.key, posts.names)], cache_limit)
            if helper is not None and helper.extracted:
                report.daemon_posts, report.daemon_pid = helper.extracted, helper.pid
            report.daemon_started = started_daemon
            if helper is not None and (helper.stale or not helper.extracted):  # it ended: one for the next build
                report.daemon_started = daemons.start(cache.directory, pipeline)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutputError(e.filename or str(gen), "no space left on the disk while writing it; the previous "
                                                          "outputs are intact and the partial files were removed: free "
                                                          "some space and build again") from e
            raise
        finally:
            if not published:
                discard(gen)
            graph.close(published)
            if frozen:
                gc.unfreeze()
    report.seconds["total"] = time.perf_counter() - started
    return report


def _open_graph(out: Path, posts: int, store_dir: str | Path | None, live: LiveGraph | None,
                cache: ExtractionCache) -> BuildGraph:
    """The graph this build fills: into the `--store` folder; on disk for a corpus too big for
    memory; else the last build's graph brought up to date (`live`, or the state in the cache folder)."""
    if store_dir is not None:
        return StoreGraph(store_dir)
    if posts > IN_MEMORY_POSTS:
        if live is not None:
            live.clear()  # it would hold the graph in memory twice; a corpus this big is built on disk each time
        return FreshGraph(out / f".graph-store.{os.getpid()}.tmp")  # on disk, so memory stays flat; removed after
    if live is not None:
        return KeptGraph(live)
    state = BuildState(cache.directory, out)
    return KeptGraph(state.open(cache.fingerprint), state, pipeline=cache.fingerprint,
                     default_pipeline=cache.fingerprint == pipeline_fingerprint(None))


def _daemon_executor(cache: ExtractionCache) -> daemons.DaemonExecutor | None:
    """The build daemon of `cache`'s folder as an executor (the posts go to a worker process should it
    end or be stale), or None when none runs."""
    reached = daemons.connect(cache.directory)
    if reached is None:
        return None
    return daemons.DaemonExecutor(*reached, cache.fingerprint, lambda: open_executor("local", 1, processes=True))


def _executor(executor: str | Executor, jobs: int, scheduler: str | None,
              processes: bool) -> AbstractContextManager[Executor]:
    """The executor to run this build's extractions on: one given stays open for the caller."""
    if isinstance(executor, Executor):
        return nullcontext(executor)
    return open_executor(executor, jobs, scheduler, processes=processes)


class _Posts:
    """The posts of one build as they are read, found in the cache or extracted, and put in the graph."""

    def __init__(self, report: BuildReport, cache: ExtractionCache, graph: BuildGraph, out: Path, staging: Path,
                 strict: bool, bar: tqdm) -> None:
        self.report, self.cache, self.graph, self.out, self.staging = report, cache, graph, out, staging
        self.strict, self.bar = strict, bar
        self.keys: list[str] = []
        self.names: set[str] = set()

    def misses(self, named_files: list[tuple[Path, str]]) -> Iterator[Document]:
        """Read each post; put in those the graph has as they are or the cache has, yield the others."""
        for path, name in named_files:
            t = time.perf_counter()
            try:
                documents = read_posts(path, name)
            except GraphbuildError as e:
                if self.strict:
                    raise
                self.skip(str(path), getattr(e, "reason", str(e)))
                continue
            finally:
                self.report.seconds["read"] += time.perf_counter() - t
            self.bar.total += len(documents) - 1  # a blog export is many posts
            for document in documents:
                key = self.cache.key(document)
                published = self.out / "extractions" / extraction_file_name(document.name)
                if self.graph.has(document.name, key) and published.exists():
                    _carry_over(published, self.staging)
                    self._keep(document.name, key, cached=True)
                    continue
                post = self.cache.get_post(document)
                if post is None:
                    if key in self.cache.damaged:
                        self.report.damaged.append((str(path), self.cache.damaged[key]))
                    yield document
                else:
                    self.accept(document.name, post, cached=True)

    def extracted(self, document: Document, outcome: Outcome) -> None:
        self.report.seconds["nlp"] += outcome.nlp_seconds
        self.report.seconds["resolution"] += outcome.extract_seconds
        self.report.seconds["rdf"] += outcome.rdf_seconds
        if outcome.extraction is not None:
            self.accept(document.name, self.cache.put(document, outcome.extraction, outcome.ntriples,
                                                      outcome.output_json), cached=False)
        elif self.strict:
            raise ExtractionError(f"{document.source}: {outcome.error}")
        else:
            self.skip(document.source, outcome.error or "")

    def accept(self, name: str, post: CachedPost, cached: bool) -> None:
        t = time.perf_counter()
        self.graph.add_post(name, post)
        _write_file(self.staging / extraction_file_name(name), post.output_json)
        self.report.seconds["rdf"] += time.perf_counter() - t
        self._keep(name, post.key, cached)

    def skip(self, path: str, reason: str) -> None:
        self.report.skipped.append((path, reason))
        self.bar.update()

    def _keep(self, name: str, key: str, cached: bool) -> None:
        self.keys.append(key)
        self.names.add(name)
        self.report.cached += cached
        self.bar.update()


def _write_outputs(report: BuildReport, graph: BuildGraph, gen: Path, progress: bool) -> None:
    """Finish the graph, then write the map and the graph into the new generation `gen` (which
    holds the extractions already); the caller publishes it whole."""
    steps = tqdm(total=3, desc="writing", unit="step", disable=not progress, file=sys.stderr,
                 bar_format="{desc}: {n}/{total}{postfix}")
    steps.set_postfix_str("corpus totals")
    t = time.perf_counter()
    graph.finish()
    report.seconds["rdf"] += time.perf_counter() - t
    steps.update()
    steps.set_postfix_str("graph.html")
    t = time.perf_counter()
    drawn, nodes = graph.map_view()
    title = f"graphbuild: {len(report.extractions)} posts"
    if drawn.number_of_nodes() < nodes:
        title += f" (the {drawn.number_of_nodes():,} best-connected of {nodes:,} nodes)"
    write_html(drawn, gen / "graph.html", title=title)
    report.seconds["html"] = time.perf_counter() - t
    steps.update()
    steps.set_postfix_str("graph.ttl")
    t = time.perf_counter()
    report.triples = graph.write_turtle(gen / "graph.ttl")
    graph.write_trig(gen / "graph.trig")  # the same triples, in one named graph per post and a corpus graph
    report.seconds["turtle"] = time.perf_counter() - t
    steps.update()
    steps.close()


def _first_misses(files: list[tuple[Path, str]], cache: ExtractionCache, enough: int) -> list[Document]:
    """The first posts that miss the cache, up to `enough` of them (reading a page is not free)."""
    misses: list[Document] = []
    for path, name in files:
        try:
            misses += [d for d in read_posts(path, name) if not cache.path(cache.key(d), "nt").exists()]
        except GraphbuildError:
            pass  # reported when the build reads it
        if len(misses) >= enough:
            break
    return misses[:enough]


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
