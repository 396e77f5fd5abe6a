"""Where each post's NLP and extraction run: in this process, in worker processes on this
machine, or on a Dask cluster.

Every executor gives results in the order the posts went in, keeps only a few posts in
flight (memory does not grow with the corpus), and reports a failed post as a message
rather than an exception object (the error types do not all survive pickling).  A worker
loads the pipeline it is sent (one `Pipeline` value) once per thread: the Japanese tokenizer
must not be shared between threads.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from graphbuild.errors import GraphbuildError
from graphbuild.graph.rdf import post_ntriples
from graphbuild.ingest.posts import Document
from graphbuild.nlp.pipeline import Pipeline, process_one, sentence_analysers, vocabulary_of
from graphbuild.nlp.records import Extraction

if TYPE_CHECKING:
    from spacy.language import Language

    from graphbuild.build.analysis_cache import AnalysisCache

EXECUTORS = ("local", "dask")
SCHEDULER_TIMEOUT = 5  # seconds to reach a --scheduler before giving up with a message


@dataclass(frozen=True)
class Outcome:
    """One post's result: the extraction, or why there is none; and the seconds each stage took."""

    extraction: Extraction | None
    error: str | None = None
    nlp_seconds: float = 0.0
    extract_seconds: float = 0.0  # entity resolution and relation records
    ntriples: bytes = b""  # the post's triples and output file, made where the post was extracted
    output_json: bytes = b""
    rdf_seconds: float = 0.0


def extract_document(document: Document, pipeline: Pipeline | None = None, nlp: Language | None = None,
                     analyses: AnalysisCache | None = None) -> Outcome:
    """NLP and extraction of one post, with `nlp` or this thread's own load of `pipeline` (the
    default one when None); terms are resolved in the vocabulary the pipeline matched.  With
    `analyses`, the post's sentence analyses are taken from its last extraction and kept for the next."""
    from graphbuild.nlp.extract import (
        extract,  # spaCy is imported where posts are extracted, not before
    )

    try:
        nlp = nlp or _thread_pipeline(pipeline or Pipeline())
        analysers = sentence_analysers(nlp) if analyses is not None else {}
        earlier = analyses.read(document.name) if analyses is not None else {}
        for name, analyser in analysers.items():
            analyser.start_post(earlier.get(name, {}))
        try:
            started = time.perf_counter()
            doc = process_one(nlp, document)
            parsed = time.perf_counter()
            extraction = extract(document, doc, vocabulary_of(nlp))
            extracted = time.perf_counter()
        finally:
            used = {name: analyser.post_analyses() for name, analyser in analysers.items()}
        if analyses is not None:
            analyses.write(document.name, used)
        ntriples, output_json = post_ntriples(extraction), extraction.output_json()
        return Outcome(extraction, nlp_seconds=parsed - started, extract_seconds=extracted - parsed,
                       ntriples=ntriples, output_json=output_json, rdf_seconds=time.perf_counter() - extracted)
    except GraphbuildError as e:
        return Outcome(None, getattr(e, "reason", str(e)))
    except Exception as e:  # a bug of ours on an odd post must not cost the other posts
        return Outcome(None, f"extraction failed ({type(e).__name__}: {e}); please report this as a graphbuild bug")


def default_jobs() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Executor:
    """Where posts are extracted; one serves any number of builds (`--watch` keeps one), `close` ends it."""

    def run(self, documents: Iterable[Document], pipeline: Pipeline | None, nlp: Language | None = None,
            analyses: AnalysisCache | None = None) -> Iterator[tuple[Document, Outcome]]:
        """(document, outcome) for each document, in order.  `nlp`, a `Language` that may not be
        loaded from `pipeline`, can only run in this process: the others load `pipeline`.  Executors
        on this machine reuse and keep the posts' sentence `analyses` (see `extract_document`)."""
        raise NotImplementedError

    def warm(self, pipeline: Pipeline | None, first: list[Document], analyses: AnalysisCache | None = None) -> None:
        """Start loading `pipeline` where the posts `first`, which `run` will be given first, are to be
        extracted (or start extracting them), while this process does other work (opening the last
        build's graph); executors that load on first use ignore it."""

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class InProcess(Executor):
    """Here, one post after the other (with a given `Language` when there is one)."""

    def run(self, documents, pipeline, nlp=None, analyses=None):
        for document in documents:
            yield document, extract_document(document, pipeline, nlp, analyses)


class WorkerProcesses(Executor):
    """In `jobs` worker processes on this machine, each loading `pipeline` once, kept until `close`."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = _WorkerPool(jobs)

    def warm(self, pipeline, first, analyses=None):
        for _ in range(min(self.jobs, len(first))):  # each idle worker takes one: a load keeps it busy for seconds
            _submit(self.pool, _load_pipeline, pipeline)

    def run(self, documents, pipeline, nlp=None, analyses=None):
        _only_in_process(nlp, pipeline, "worker processes")
        yield from _run_on(self.pool, documents, extract_document, pipeline, None, analyses)

    def close(self) -> None:
        self.pool.close()


class DaskCluster(Executor):
    """On the Dask scheduler at `scheduler`, or on a `LocalCluster` of `jobs` single-threaded worker
    processes, started at the first `run` and kept until `close` (so rebuilds reuse it)."""

    def __init__(self, jobs: int, scheduler: str | None = None) -> None:
        self.jobs, self.scheduler = jobs, scheduler
        self.client = self.cluster = None

    def run(self, documents, pipeline, nlp=None, analyses=None):  # Dask workers may be on other machines
        _only_in_process(nlp, pipeline, "Dask")
        client = self.connect()
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        yield from map_in_order(lambda d: client.submit(extract_document, d, pipeline, pure=False), documents,
                                2 * workers)

    def connect(self):
        """The Dask client, connected (and the cluster started) on first use."""
        if self.client is not None:
            return self.client
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:
            raise GraphbuildError("the dask executor needs Dask distributed: pip install 'graphbuild[dask]'") from e
        if self.scheduler is None:
            self.cluster = LocalCluster(n_workers=max(1, self.jobs), threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=40)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.scheduler, timeout=SCHEDULER_TIMEOUT)
            except (OSError, TimeoutError, ValueError, TypeError) as e:
                reason = (str(e).splitlines() or [type(e).__name__])[0]
                raise GraphbuildError(f"the Dask scheduler at {self.scheduler} cannot be reached in "
                                      f"{SCHEDULER_TIMEOUT} s ({reason}); check the address and that the scheduler "
                                      f"runs") from e
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None


def open_executor(kind: str = "local", jobs: int = 1, scheduler: str | None = None, *,
                  processes: bool = False) -> Executor:
    """`local` with one job runs here (unless `processes`: in one worker process); with more, in
    that many worker processes; `dask` on Dask."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)}")
    if kind == "dask":
        return DaskCluster(jobs, scheduler)
    return WorkerProcesses(max(1, jobs)) if jobs > 1 or processes else InProcess()


def run_extractions(documents: Iterable[Document], executor: str = "local", jobs: int = 1,
                    pipeline: Pipeline | None = None, nlp: Language | None = None,
                    scheduler: str | None = None) -> Iterator[tuple[Document, Outcome]]:
    """(document, outcome) for each document, in order, on an executor opened for this call."""
    with open_executor(executor, jobs, scheduler) as running:
        yield from running.run(documents, pipeline, nlp)


def _only_in_process(nlp: Language | None, pipeline: Pipeline | None, where: str) -> None:
    """A `Language` that is not the load of `pipeline` cannot be sent to other processes."""
    if nlp is not None and Pipeline.of(nlp) != (pipeline or Pipeline()):
        raise ValueError(f"a spaCy Language made outside graphbuild.nlp.pipeline.Pipeline cannot run on {where}; "
                         f"pass a Pipeline (or jobs=1)")


def run_in_processes(documents: Iterable[Document], jobs: int, work: Callable[..., Outcome],
                     *args) -> Iterator[tuple[Document, Outcome]]:
    """`work(document, *args)` for each document in `jobs` worker processes, results in order."""
    pool = _WorkerPool(jobs)
    try:
        yield from _run_on(pool, documents, work, *args)
    finally:
        pool.close()


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: from a fork server ("forkserver"), a clean process rather than
    a copy of one that holds threads and a graph, which imports the extraction code (and spaCy)
    once for all of them; "spawn" where there is no fork.  Asked early (`start_workers_early`),
    the server imports while this process does other work."""
    if os.name != "posix":
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["graphbuild.nlp.extract"])
    return context


def start_workers_early() -> None:
    """Start the fork server now, so that spaCy is imported there while this process reads the posts."""
    if os.name == "posix":
        from multiprocessing import forkserver

        worker_context()
        forkserver.ensure_running()


class _WorkerPool:
    """A process pool of `jobs` workers, started on first use and started again when it breaks."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool = None

    def get(self):
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=worker_context(),
                                             initializer=_exit_with, initargs=(os.getpid(),))
        return self._pool

    def renew(self):
        self.close()
        return self.get()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _run_on(pool: _WorkerPool, documents: Iterable[Document], work: Callable[..., Outcome],
            *args) -> Iterator[tuple[Document, Outcome]]:
    """`work(document, *args)` for each document on `pool`, results in order.

    A worker that dies (killed, out of memory, a crash in native code) breaks the whole pool:
    the posts that were in flight are then run again one at a time in a new pool, so that only
    the post that kills its worker again fails (reported), and the build goes on.
    """
    from concurrent.futures.process import BrokenProcessPool

    pending: deque = deque()  # (document, its future; None when the pool was broken already)
    source = iter(documents)
    while True:
        while len(pending) < 2 * pool.jobs and (document := next(source, None)) is not None:
            pending.append((document, _submit(pool, work, document, *args)))
        if not pending:
            return
        document, future = pending.popleft()
        try:
            if future is None:
                raise BrokenProcessPool("a worker died before the post was sent")
            yield document, future.result()
            continue
        except BrokenProcessPool:
            suspects = [document] + [d for d, _ in pending]
            pending.clear()
        pool.renew()
        for suspect in suspects:  # one at a time: a second death names the post that causes it
            try:
                outcome = pool.get().submit(work, suspect, *args).result()
            except BrokenProcessPool:
                outcome = Outcome(None, "the worker process extracting it died (killed, out of memory or a "
                                        "crash); the other posts were built")
                pool.renew()
            yield suspect, outcome


def _submit(pool: _WorkerPool, work: Callable, *args):
    """`work(*args)` submitted to `pool`; None if the pool is broken (a worker died, say while loading
    the pipeline): the caller runs it again in a new pool."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.get().submit(work, *args)
    except BrokenProcessPool:
        return None


def map_in_order(submit: Callable, documents: Iterable[Document], window: int) -> Iterator[tuple[Document, Outcome]]:
    """Submit documents, at most `window` in flight, and yield their results in order."""
    pending: deque = deque()
    for document in documents:
        pending.append((document, submit(document)))
        if len(pending) >= window:
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()


_local = threading.local()


def _exit_with(parent: int) -> None:
    """Make this worker end when the build that started it does, even one that was killed: a worker
    waits on a queue it also holds open, so it would wait for ever (and keep its fork server alive)."""
    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:
                pass  # alive, someone else's

    threading.Thread(target=watch, daemon=True, name="graphbuild-parent-watch").start()


def _load_pipeline(pipeline: Pipeline | None) -> None:
    """Load `pipeline` in this worker ahead of its first post (`Executor.warm`)."""
    _thread_pipeline(pipeline or Pipeline())


def _thread_pipeline(pipeline: Pipeline) -> Language:
    """This thread's load of `pipeline` (the Japanese tokenizer must not be shared between threads)."""
    pipelines = _local.__dict__.setdefault("pipelines", {})
    if pipeline not in pipelines:
        pipelines[pipeline] = pipeline.load()
    return pipelines[pipeline]
