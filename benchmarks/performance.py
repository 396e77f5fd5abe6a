"""Performance figures of graphbuild, measured in one run and printed (no pass or fail).

1. NLP throughput on the seeds: bare `ja_ginza` `nlp.pipe` against graphbuild's NLP stage
   (one process, and worker processes on every core), and the seeds' F1 table from the
   same run.
2. A full build of a synthetic corpus (`graphbuild build`, as a user runs it), seconds per
   stage; then a rebuild after one post changed, and one after none did.
3. SPARQL latency of every saved query (`graphbuild/query/queries/*.rq`) on graphs of about 10k,
   100k and 1M triples: pyoxigraph (p50 of several runs) and rdflib (one run, with a
   time limit).
4. Optionally (`--scale-posts 10000`), a build of that many synthetic posts with its peak RSS.

    python benchmarks/performance.py --seeds ../shared/seeds --gold ../shared/eval/gold
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import multiprocessing
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from synthetic_corpus import write_corpus  # noqa: E402

from graphbuild.build.executors import default_jobs, extract_document, map_in_order  # noqa: E402
from graphbuild.ingest.posts import document_from_text, find_posts, read_document  # noqa: E402
from graphbuild.nlp.records import Extraction  # noqa: E402

QUERIES = sorted((REPO / "graphbuild" / "query" / "queries").glob("*.rq"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(seeds: Path, gold: Path | None) -> None:
    import spacy

    from graphbuild.nlp.pipeline import load_pipeline, process_one
    from graphbuild.nlp.extract import extract

    documents = [read_document(p) for p in find_posts([seeds])]
    texts = [d.text for d in documents]
    chars = sum(map(len, texts))
    warm = "株式会社テストの山田 太郎さんが AWS Summit Tokyo 2019 で Lambda の事例を話しました。"
    print(f"## 1. NLP throughput on {len(texts)} seeds, {chars:,} characters\n")

    bare = spacy.load("ja_ginza")
    list(bare.pipe([warm]))
    t = time.perf_counter()
    list(bare.pipe(texts))
    bare_s = time.perf_counter() - t
    del bare

    nlp = load_pipeline()
    process_one(nlp, document_from_text(warm))
    t = time.perf_counter()
    docs = [process_one(nlp, d) for d in documents]
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    records = [extract(d, doc) for d, doc in zip(documents, docs)]
    resolution_s = time.perf_counter() - t

    jobs = default_jobs()
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        warm_docs = [document_from_text(warm + "\n" * i) for i in range(jobs)]
        list(pool.map(extract_document, warm_docs))  # every worker loads its pipeline before the clock starts
        t = time.perf_counter()
        parallel = [o.extraction for _, o in map_in_order(lambda d: pool.submit(extract_document, d),
                                                          sorted(documents, key=lambda d: -len(d.text)), 2 * jobs)]
        parallel_s = time.perf_counter() - t
    assert all(parallel)

    print("| pipeline | seconds | chars/s | x bare |\n|---|---|---|---|")
    for name, seconds in [("bare ja_ginza nlp.pipe (1 process)", bare_s),
                          ("graphbuild NLP stage (1 process)", ours_s),
                          (f"graphbuild NLP + extraction ({jobs} worker processes)", parallel_s)]:
        print(f"| {name} | {seconds:.2f} | {chars / seconds:,.0f} | {bare_s / seconds:.2f} |")
    print(f"\nentity resolution and relation records (extract) for all seeds: {resolution_s:.2f} s\n")
    if gold is not None:
        from graphbuild.nlp.evaluate import evaluate, format_evaluation, load_gold

        print("Seeds F1 from the one-process run above:\n```")
        print(format_evaluation(evaluate(records, load_gold(gold))))
        print("```\n")


def run_build(args: list[str]) -> tuple[float, dict[str, float], str, dict[str, float]]:
    """`graphbuild build ARGS --timings --quiet` as a user runs it: wall seconds, stage seconds,
    its output, and the peak RSS (MB) of it and of its worker processes, sampled every 0.5 s."""
    command = [sys.executable, "-m", "graphbuild", "build", "--quiet", "--timings", *args]
    t = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peaks = {"main": 0.0, "largest worker": 0.0, "all processes": 0.0}
    while process.poll() is None:
        sizes = {pid: _rss_mb(pid) for pid in _process_tree(process.pid)}
        peaks["main"] = max(peaks["main"], sizes.get(process.pid, 0.0))
        peaks["largest worker"] = max([peaks["largest worker"], *(v for k, v in sizes.items() if k != process.pid)])
        peaks["all processes"] = max(peaks["all processes"], sum(sizes.values()))
        time.sleep(0.5)
    wall = time.perf_counter() - t
    output = process.stdout.read()
    if process.returncode:
        raise SystemExit(f"build failed ({process.returncode}): {output}")
    return wall, _stage_seconds(output), output, peaks


def _stage_seconds(output: str) -> dict[str, float]:
    if "seconds:" not in output:
        return {}  # nothing changed: the build ended before any stage
    line = output.split("seconds:")[1].splitlines()[0]
    return {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)", line)}


def _process_tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            parents.setdefault(parent, []).append(int(entry.name))
    tree = [root]
    for pid in tree:
        tree += parents.get(pid, [])
    return tree


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _wait_for_daemon(out: Path, seconds: float = 120) -> None:
    """Wait until the build daemon of `out`'s cache folder has loaded the pipeline."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = subprocess.run([sys.executable, "-m", "graphbuild", "daemon", "status", "-o", str(out)],
                                capture_output=True, text=True).stdout
        if "(ready)" in status:
            return
        time.sleep(0.5)
    print(f"  (no build daemon got ready in {seconds:.0f} s)")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def incremental(work: Path, posts: int) -> Path:
    corpus, out = work / "corpus", work / "out"
    paths = write_corpus(corpus, posts, seed=1, sessions=(12, 20))
    chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"## 2. Builds of {posts} synthetic posts ({chars:,} characters, about {chars // posts:,} a post)\n")
    print("From a shell: `graphbuild build` started afresh each time; it reopens the last build's graph, kept in "
          "the cache folder, and sends a post or two to extract to the build daemon the full build started.\n")
    full, stages, output, peaks = run_build(["-o", str(out), str(corpus)])
    print(f"- full build: {full:.1f} s wall; stage seconds (NLP and resolution summed over the worker processes): "
          + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    print("  peak RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items()))
    _append(paths[posts // 2], "\n追記: 株式会社ホシゾラ物流では Amazon EKS を採用しました。\n")
    one, stages, output, _ = run_build(["-o", str(out), str(corpus)])
    print(f"- rebuild after 1 of {posts} posts changed, started as the full build ended (the daemon it started "
          f"is still loading the pipeline, and the rebuild waits for it): {one:.2f} s wall = {100 * one / full:.1f}% "
          "of the full build; " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    print("  " + "; ".join(line.strip() for line in output.strip().splitlines()[:2]))
    _wait_for_daemon(out)
    _append(paths[posts // 2 + 1], "\n追記: 株式会社ホシゾラ物流では Amazon EKS を採用しました。\n")
    one, stages, output, _ = run_build(["-o", str(out), str(corpus)])
    print(f"- rebuild after 1 of {posts} posts changed, with the daemon ready (as it is by the time a person has "
          f"changed a post): {one:.2f} s wall = **{100 * one / full:.1f}%** of the full build; "
          + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
    print("  " + "; ".join(line.strip() for line in output.strip().splitlines()[:2]))
    none, stages, output, _ = run_build(["-o", str(out), str(corpus)])
    print(f"- rebuild with nothing changed: **{none:.2f} s** wall = {100 * none / full:.1f}%")
    print("  " + output.strip().splitlines()[0] + "\n")
    print("Warm: `graphbuild build --watch` keeps the pipeline loaded and rebuilds when a post changes.\n")
    command = [sys.executable, "-m", "graphbuild", "build", "--quiet", "--timings", "--watch", "--interval", "0.5",
               "-o", str(out), str(corpus)]
    watcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(3):
            watcher.stdout.readline()  # the first build's summary, seconds and memory
        watcher.stderr.readline()  # "watching N posts": the pipeline is loaded
        for n in (1, 2, 3):
            _append(paths[(posts // 3 * n) % posts], f"\n追記{n}: 株式会社ミナト物流では AWS Fargate を採用しました。\n")
            watcher.stdout.readline()  # the summary line
            seconds = watcher.stdout.readline()
            watcher.stdout.readline()
            stages = _stage_seconds(seconds)
            print(f"- warm rebuild {n} after 1 of {posts} posts changed: {stages['total']:.2f} s = "
                  f"**{100 * stages['total'] / full:.1f}%** of the full build; "
                  + ", ".join(f"{k} {v:.2f}" for k, v in stages.items() if k != "total"))
        print()
    finally:
        watcher.terminate()
        watcher.wait(timeout=60)
        subprocess.run([sys.executable, "-m", "graphbuild", "daemon", "stop", "-o", str(out)], check=False,
                       stdout=subprocess.DEVNULL)
    return out


def load_extractions(out: Path) -> list[Extraction]:
    return [Extraction.from_dict(json.loads(gzip.decompress(p.read_bytes())))
            for p in sorted((out / ".graphbuild-cache").rglob("*.record.gz"))]


def renamed(ex: Extraction, copy: int) -> Extraction:
    """A copy of a post as if another writer had reported other talks: new document, new talk ids."""
    def key(k: str) -> str:
        return f"{k}-{copy}" if k.startswith("talk:") else k

    def ev(e):
        return dataclasses.replace(e, doc_id=f"{e.doc_id}-{copy}")

    return dataclasses.replace(
        ex, doc_id=f"{ex.doc_id}-{copy}", name=f"{ex.name}-{copy}", source=f"{ex.source}-{copy}",
        entities=tuple(dataclasses.replace(e, id=key(e.id)) for e in ex.entities),
        mentions=tuple(dataclasses.replace(m, entity=key(m.entity), evidence=ev(m.evidence)) for m in ex.mentions),
        relations=tuple(dataclasses.replace(r, s=key(r.s), o=key(r.o), evidence=tuple(map(ev, r.evidence)))
                        for r in ex.relations))


def sparql(extractions: list[Extraction], sizes: list[int], rdflib_timeout: float, work: Path) -> None:
    from graphbuild.graph.store import GraphStore

    print("## 3. SPARQL latency of the saved queries (ms)\n")
    header = "| query | " + " | ".join(f"pyoxigraph p50 @{s:,} | rdflib @{s:,}" for s in sizes) + " |"
    results: dict[str, list[str]] = {q.stem: [] for q in QUERIES}
    rows: dict[str, int] = {}
    notes = []
    for size in sizes:
        graph, copy = GraphStore(), 0
        t = time.perf_counter()
        while len(graph) < size:
            for ex in extractions:
                graph.add(renamed(ex, copy))
                if len(graph) >= size:
                    break
            copy += 1
        graph.finish()
        notes.append(f"{len(graph):,} triples built in {time.perf_counter() - t:.1f} s")
        for q in QUERIES:
            text = q.read_text(encoding="utf-8")
            rows[q.stem] = len(list(graph.store.query(text)))
            runs = []
            for _ in range(7):
                t = time.perf_counter()
                list(graph.store.query(text))
                runs.append(1000 * (time.perf_counter() - t))
            results[q.stem].append(f"{statistics.median(runs):.1f} ({rows[q.stem]} rows)")
        dump = work / f"graph-{size}.nt"
        dump.write_bytes(graph.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
        del graph
        timings, load_s = rdflib_timings(dump, rdflib_timeout)
        notes[-1] += f"; rdflib parsed it in {load_s:.1f} s"
        for q in QUERIES:
            results[q.stem].append(timings.get(q.stem, "not run"))
        dump.unlink()
    print(header)
    print("|---|" + "---|" * (2 * len(sizes)))
    for name, cells in results.items():
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n" + "; ".join(notes) + f". rdflib: one run per query, stopped after {rdflib_timeout:.0f} s.\n")


RDFLIB_RUNNER = """
import signal, sys, time, json
from pathlib import Path
from rdflib import Graph
timeout = float(sys.argv[2])
t = time.perf_counter(); g = Graph(); g.parse(sys.argv[1], format="nt"); print(json.dumps({"load": time.perf_counter() - t}), flush=True)
def stop(*_): raise TimeoutError
signal.signal(signal.SIGALRM, stop)
for q in sys.argv[3:]:
    signal.setitimer(signal.ITIMER_REAL, timeout)
    t = time.perf_counter()
    try:
        n = len(list(g.query(Path(q).read_text(encoding="utf-8"))))
        cell = f"{1000 * (time.perf_counter() - t):.0f}"
    except TimeoutError:
        cell = f"> {timeout * 1000:.0f}"
    signal.setitimer(signal.ITIMER_REAL, 0)
    print(json.dumps({Path(q).stem: cell}), flush=True)
"""


def rdflib_timings(dump: Path, timeout: float) -> tuple[dict[str, str], float]:
    done = subprocess.run([sys.executable, "-c", RDFLIB_RUNNER, str(dump), str(timeout), *map(str, QUERIES)],
                          capture_output=True, text=True, check=True)
    cells: dict = {}
    for line in done.stdout.splitlines():
        cells.update(json.loads(line))
    return cells, cells.pop("load")


def scale(work: Path, posts: int) -> None:
    corpus, out = work / "scale-corpus", work / "scale-out"
    paths = write_corpus(corpus, posts, seed=2, sessions=(2, 4))
    chars = sum(len(p.read_text(encoding="utf-8")) for p in paths)
    print(f"## 4. A build of {posts:,} synthetic posts ({chars:,} characters)\n")
    wall, stages, output, peaks = run_build(["--no-daemon", "-o", str(out), str(corpus)])
    print(f"{wall:.0f} s wall; stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    print("peak RSS MB (sampled): " + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items()))
    print("peak RSS MB (the build's own getrusage): " + output.split("peak RSS MB:")[1].splitlines()[0].strip())
    print("  " + output.strip().splitlines()[0] + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=Path, default=REPO.parent / "shared" / "seeds")
    parser.add_argument("--gold", type=Path, default=REPO.parent / "shared" / "eval" / "gold")
    parser.add_argument("--posts", type=int, default=100, help="posts of the incremental-build corpus")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="graph sizes (triples) for SPARQL")
    parser.add_argument("--rdflib-timeout", type=float, default=60.0)
    parser.add_argument("--scale-posts", type=int, default=0, help="also build this many synthetic posts")
    parser.add_argument("--skip", default="",
                        help="comma-separated sections to leave out: nlp (or throughput),build,sparql")
    args = parser.parse_args()
    skip = {"nlp" if name == "throughput" else name for name in args.skip.split(",")}
    work = Path(tempfile.mkdtemp(prefix="graphbuild-bench-"))
    try:
        if "nlp" not in skip:
            throughput(args.seeds, args.gold if args.gold.is_dir() else None)
        if "build" not in skip or "sparql" not in skip:
            out = incremental(work, args.posts)
        if "sparql" not in skip:
            sparql(load_extractions(out), [int(s) for s in args.sizes.split(",")], args.rdflib_timeout, work)
        if args.scale_posts:
            scale(work, args.scale_posts)
        print(f"peak RSS of this benchmark process: {peak_rss_mb():.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
